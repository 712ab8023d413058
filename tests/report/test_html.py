"""The HTML report: one self-contained page, a fleet summary, each phone by area, all text escaped."""

from __future__ import annotations

import re

import pytest
from test_reports import AUDITED, RUN, UNAUTHORIZED, result

from report.markup_check import assert_self_contained
from wa_harden.model import Area, DeviceIdentity, DeviceReport, DeviceStatus, Outcome
from wa_harden.report import Format, render


def test_the_fleet_summary_counts_verdicts_and_lists_the_phones_that_need_a_person():
    compliant = DeviceReport(DeviceIdentity("R58M0009", "Samsung", "SM-A536B", "14", 34), DeviceStatus.AUDITED,
                             (result("wa-contacts-denied", Outcome.PASS),))
    page = render(Format.HTML, [AUDITED, UNAUTHORIZED, compliant], RUN)
    assert_self_contained(page)
    fleet = page.split('<section class="fleet">', 1)[1].split("</section>", 1)[0]
    assert "<h2>Fleet summary: 3 phones</h2>" in fleet
    assert ('<tr><td>compliant</td><td class="n">1</td></tr>\n<tr><td>not-yet-compliant</td><td class="n">0</td>'
            '</tr>\n<tr><td>not-compliant</td><td class="n">1</td></tr>') in fleet
    assert '<tr><td>not-audited</td><td class="n">1</td></tr>' in fleet
    assert ('<tr><td><a href="#phone-1">Google Pixel 7 · 127.0.0.1:40001 · Android 14 (SDK 34) · patch 2026-10-05'
            '</a></td><td class="k">not-compliant</td><td>1 failed, 1 to confirm by hand, 1 waived, 1 passed</td></tr>') in fleet
    assert ('<tr><td><a href="#phone-2">Unknown phone · R58M123</a></td><td class="k">not-audited</td>'
            '<td>unauthorized: unlock the phone and accept the USB debugging prompt</td></tr>') in fleet
    assert "R58M0009" not in fleet  # compliant: nobody needs to look at it
    assert '<section class="phone" id="phone-3">' in page


def test_each_phone_has_its_identity_headline_results_by_area_and_what_to_do():
    page = render(Format.HTML, [AUDITED], RUN)
    phone = page.split('<section class="phone" id="phone-1">', 1)[1]
    assert '<p class="headline v-not-compliant">NOT COMPLIANT — 1 failed, 1 to confirm by hand, 1 waived, 1 passed' \
           "</p>" in phone
    assert "<dt>model</dt><dd>Pixel 7</dd>" in phone and "<dt>read at</dt><dd>2026-11-02T09:59:00 UTC</dd>" in phone
    headings = re.findall(r"<h3>(.*?)</h3>", phone)
    assert headings == ["Contacts", "Backup", "Device", "Organisation", "What to do",
                        "To confirm by hand (record each in an attestations file, see docs/ATTESTATIONS.md)"]
    assert ('<tr class="o-fail"><td class="outcome">FAIL</td><td class="id"><code>wa-contacts-denied</code></td>'
            "<td>critical</td><td>wa-contacts-denied is fail</td></tr>") in phone
    assert ('<td class="outcome">WAIVED</td><td class="id"><code>device-patch-age</code></td><td>high</td>'
            "<td>device-patch-age is waived<br>\nWaived until 2027-01-31 by CISO: replacement ordered</td>") in phone
    assert '<li><code>wa-contacts-denied</code>: Revoke the contacts permissions</li>' in phone
    assert '<li><code>wa-chat-backup</code>: Open WhatsApp Business &gt; Settings</li>' in phone
    assert ".o-fail .outcome { background: #fbd9d6;" in page and "@page { size: A4;" in page


def test_every_outcome_has_its_colour_class():
    report = DeviceReport(AUDITED.identity, DeviceStatus.AUDITED,
                          tuple(result(f"x-{o.value}", o, area=Area.DEVICE) for o in Outcome))
    page = render(Format.HTML, [report], RUN)
    for outcome in Outcome:
        assert f'<tr class="o-{outcome.value}">' in page and f".o-{outcome.value} .outcome {{" in page
    assert '<td class="outcome">N/A</td>' in page


HOSTILE = DeviceReport(
    DeviceIdentity('R58\x1b]0;pwned\x07M1"onerror="alert(1)', "Evil\u202e", "<script>alert(1)</script>", "14",
                   34, security_patch="<img src=https://evil.example/x.png>"),
    DeviceStatus.AUDITED,
    (result("device-dedicated", Outcome.FAIL, area=Area.DEVICE,
            message='Tom & Jerry\'s "phone" <style>@import url(https://evil.example/a.css)</style>\x1b[2J',
            remedy="<a href=https://evil.example onclick=x>click</a>", notes=("\ud800 lone surrogate",)),),
    message="<iframe src=//evil.example>",
)


def test_hostile_text_is_escaped_and_the_page_runs_and_fetches_nothing():
    page = render(Format.HTML, [HOSTILE, UNAUTHORIZED], RUN)
    parsed = assert_self_contained(page)
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text  # shown as text ...
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # ... because it is escaped
    assert "R58]0;pwnedM1&quot;onerror=&quot;alert(1)" in page
    assert "Tom &amp; Jerry&#x27;s &quot;phone&quot; &lt;style&gt;@import url(https://evil.example/a.css)" \
           "&lt;/style&gt;[2J" in page
    assert "&lt;a href=https://evil.example onclick=x&gt;click&lt;/a&gt;" in page
    assert "&lt;iframe src=//evil.example&gt;" in page
    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page
    page.encode("utf-8")  # the lone surrogate is dropped: the page can be written


def test_the_markup_check_catches_what_it_must():
    for bad in ("<script>x</script>", '<p onclick="x">', '<img src="x">', '<a href="https://x">',
                "<style>@import 'x';</style>", "<p style=\"background:url(x)\">"):
        with pytest.raises(AssertionError):
            assert_self_contained(bad)
