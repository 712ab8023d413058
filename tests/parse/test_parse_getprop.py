"""getprop: build facts from ``[key]: [value]`` lines."""

from __future__ import annotations

from datetime import date

from wa_harden.facts import BuildInfo, Gap, Unknown
from wa_harden.parse.getprop import parse_getprop, parse_getprop_value

SAMPLE = """\
[ro.build.fingerprint]: [google/husky/husky:15/AP4A.250105.002/12701944:user/release-keys]
[ro.build.version.release]: [15]
[ro.build.version.sdk]: [35]
[ro.build.version.security_patch]: [2025-01-05]
[ro.crypto.state]: [encrypted]
[ro.crypto.type]: [file]
[ro.product.brand]: [google]
[ro.product.device]: [husky]
[ro.product.manufacturer]: [Google]
[ro.product.model]: [Pixel 8 Pro]
[ro.product.name]: [husky]
[ro.serialno]: [ABC123XYZ]
"""


def test_build_info_fields() -> None:
    info = parse_getprop(SAMPLE)
    assert info == BuildInfo(
        sdk=35,
        release="15",
        security_patch=date(2025, 1, 5),
        manufacturer="Google",
        brand="google",
        model="Pixel 8 Pro",
        device="husky",
        product="husky",
        fingerprint="google/husky/husky:15/AP4A.250105.002/12701944:user/release-keys",
        serialno="ABC123XYZ",
        crypto_state="encrypted",
        crypto_type="file",
    )
    assert info.props["ro.product.model"] == "Pixel 8 Pro"
    assert len(info.props) == 12


def test_odd_values_brackets_colons_empty_and_multiline() -> None:
    text = (
        "[a.b]: [x]y]\n"
        "[c.d]: [key: value]\n"
        "[e.f]: []\n"
        "[persist.sys.boot.reason.history]: [reboot,ota,1691858645\n"
        "reboot,userrequested,1691858601]\n"
        "[g.h]: [after]\r\n"
    )
    props = parse_getprop(text).props
    assert props == {
        "a.b": "x]y",
        "c.d": "key: value",
        "e.f": "",
        "persist.sys.boot.reason.history": "reboot,ota,1691858645\nreboot,userrequested,1691858601",
        "g.h": "after",
    }


def test_unterminated_value_stops_at_the_next_property() -> None:
    props = parse_getprop("[a]: [open\n[b]: [1]\n").props
    assert props == {"a": "open", "b": "1"}


def test_product_falls_back_to_partition_properties() -> None:
    text = (
        "[ro.product.brand]: []\n"
        "[ro.product.vendor.brand]: [Allwinner]\n"
        "[ro.product.system.manufacturer]: [Acme]\n"
        "[ro.build.version.sdk]: [not-a-number]\n"
        "[ro.build.version.security_patch]: [2025-02-30]\n"
    )
    info = parse_getprop(text)
    assert (info.brand, info.manufacturer, info.sdk, info.security_patch) == (
        "Allwinner",
        "Acme",
        None,
        None,
    )
    assert info.model is None and info.crypto_type is None


def test_no_property_lines_is_unknown() -> None:
    assert parse_getprop("") == Unknown(
        Gap.UNPARSEABLE, "empty output (expected '[key]: [value]' property lines)"
    )
    assert parse_getprop("package:com.whatsapp\n") == Unknown(
        Gap.UNPARSEABLE, "no '[key]: [value]' property lines in the output"
    )
    assert parse_getprop("/system/bin/sh: getprop: not found\n") == Unknown(
        Gap.NOT_SUPPORTED, "/system/bin/sh: getprop: not found"
    )


def test_truncated_output_keeps_only_complete_values() -> None:
    info = parse_getprop("[ro.build.version.sdk]: [33]\n[ro.product.model]: [Pix")
    assert info.sdk == 33 and info.model is None


def test_getprop_value() -> None:
    assert parse_getprop_value("2025-01-05\n") == "2025-01-05"
    assert parse_getprop_value("encrypted\r\n") == "encrypted"
    assert parse_getprop_value("\n") is None
    assert parse_getprop_value("") is None
