"""No account names, e-mail addresses or phone numbers survive into a capture."""

from __future__ import annotations

from wa_harden.privacy import mask_account_name, redact

ACCOUNT_DUMP = """User UserInfo{0:Owner:c13}:
  Accounts: 3
    Account {name=user1@example.com, type=com.google}
    Account {name=+1 555-0142, type=com.whatsapp.w4b}
    Account {name=Doe, Jane, type=com.example.crm}
"""


def test_account_names_are_masked_but_types_and_domains_stay():
    out = redact("dumpsys account", ACCOUNT_DUMP)
    assert "user1" not in out and "555" not in out and "Jane" not in out
    assert "Account {name=***@example.com, type=com.google}" in out
    assert "Account {name=***, type=com.whatsapp.w4b}" in out
    assert "Account {name=***, type=com.example.crm}" in out
    assert "Accounts: 3" in out


def test_mask_account_name():
    assert mask_account_name("someone@company.example") == "***@company.example"
    assert mask_account_name("15550100123") == "***"


def test_emails_are_masked_in_any_output():
    assert redact("dumpsys device_policy", "  owner: admin@corp.example\n") == "  owner: ***@corp.example\n"


def test_getprop_personal_keys_are_masked_and_the_rest_kept():
    out = redact("getprop", "[persist.sys.device_name]: [Jane's Pixel]\n[ro.build.version.sdk]: [34]\n"
                            "[ro.ril.oem.imei]: [356938035643809]\n[ro.serialno]: [VP0001]\n")
    assert out == ("[persist.sys.device_name]: [***]\n[ro.build.version.sdk]: [34]\n"
                   "[ro.ril.oem.imei]: [***]\n[ro.serialno]: [VP0001]\n")


def test_content_rows_keep_only_safe_columns():
    out = redact("content query --user 0 --uri content://com.android.contacts/raw_contacts",
                 "Row: 0 account_type=com.google, account_name=user1@example.com, deleted=0\n"
                 "Row: 1 display_name=Jane Doe, data1=+1 555-0100\n")
    assert out == ("Row: 0 account_type=com.google, account_name=***, deleted=0\n"
                   "Row: 1 display_name=***, data1=***\n")


def test_version_codes_and_uids_are_not_mistaken_for_phone_numbers():
    text = "package:com.whatsapp.w4b versionCode:242179003  installer=com.android.vending uid:10245\n"
    assert redact("pm list packages --user 0 -i -U --show-versioncode com.whatsapp", text) == text


def test_android_user_names_are_masked_but_oem_space_names_kept():
    from wa_harden.privacy import redact

    listing = ("Users:\n\tUserInfo{0:Example Person:c13} running\n\tUserInfo{150:Secure Folder:10061030} running\n"
               "\tUserInfo{95:DUAL_APP:30}\n\tUserInfo{10:Work profile:1030} running\n")
    assert redact("pm list users", listing) == (
        "Users:\n\tUserInfo{0:***:c13} running\n\tUserInfo{150:Secure Folder:10061030} running\n"
        "\tUserInfo{95:DUAL_APP:30}\n\tUserInfo{10:Work profile:1030} running\n")
    account = "User UserInfo{0:Sample User:13}:\n  Accounts: 1\n    Account {name=sample.user@example.com, type=com.google}\n"
    masked = redact("dumpsys account", account)
    assert "Sample" not in masked and "sample.user@" not in masked and "UserInfo{0:***:13}" in masked
    user_dump = "  UserInfo{0:Sample:c13} serialNo=0\n    Account name: sample.user@example.com\n    Effective restrictions:\n"
    assert redact("dumpsys user", user_dump) == (
        "  UserInfo{0:***:c13} serialNo=0\n    Account name: ***\n    Effective restrictions:\n")
