"""Corpus fidelity: the virtual ``dumpsys package`` of each Android generation has the same shape as
real outputs of that generation (the keys the audit reads, where they sit, and what a parser gets).

The real files are read from ../shared/corpus and never copied; the test skips without them.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from android_helpers import W4B, out, phone_for
from conftest import corpus_files, read_corpus

# Generation of each corpus file (from its name / .src notes) -> the Android we simulate for it.
GENERATIONS = {
    "android8": "8.1",
    "unknown-likely11": "11",
    "unknown-wearos": "11",
    "unknown-likely13": "13",
    "unknown-likely14or15": "15",
    "unknown-likely14plus": "15",
    "unknown-likely15": "15",
    "unknown-likely15or16": "15",
    "unknown-likely16": "16",
}
MEMFAULT_ANDROID_9 = "memfault-bort-usagereporter__unknown"  # .src: "Android 9 era"

AUDIT_KEYS = {
    "userId", "appId", "versionCode", "versionName", "flags", "timeStamp", "firstInstallTime", "lastUpdateTime",
    "installerPackageName", "installerPackageUid", "initiatingPackageName", "originatingPackageName",
    "updateOwnerPackageName", "installerAttributionTag", "packageSource",
}
USER_SUB_KEYS = {"installReason", "firstInstallTime", "uninstallReason", "dataDir"}
SECTIONS = ("requested permissions:", "install permissions:", "runtime permissions:")
OEM_USER_KEYS = {"privacy_hidden", "ofs"}  # Samsung / ColorOS additions to the User line


def generation(path: Path) -> str | None:
    stem = path.stem
    if stem == MEMFAULT_ANDROID_9:
        return "9"
    return GENERATIONS.get(stem.rsplit("__", 1)[-1])


def corpus_cases() -> list[tuple[Path, str]]:
    files = corpus_files("dumpsys_package_pkg") + corpus_files("pm_dump_pkg")
    return [(path, android) for path in files if (android := generation(path))]


@dataclasses.dataclass
class Shape:
    package: str
    keys: set[str]
    sections: set[str]
    user_keys: list[str]
    user_sub_keys: set[str]
    installer: str | None


def shape(text: str) -> Shape:
    lines = text.split("\n")
    start = next(i for i, row in enumerate(lines) if row.lstrip().startswith("Package [") and "Packages:" in "".join(lines[:i]))
    indent = len(lines[start]) - len(lines[start].lstrip())
    package = re.search(r"Package \[([^\]]+)\]", lines[start]).group(1)  # type: ignore[union-attr]
    block = []
    for line in lines[start + 1:]:
        if not line.strip() or len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    level = " " * (indent + 2)  # package-level keys: two deeper than "Package ["
    keys = {row.strip().split("=", 1)[0] for row in block if row.startswith(level) and not row.startswith(level + " ") and "=" in row}
    keys = {k.split(" ")[0] for k in keys} & AUDIT_KEYS
    sections = {row.strip() for row in block if row.strip() in SECTIONS}
    users = [i for i, row in enumerate(block) if row.strip().startswith("User ") and ":" in row and "=" in row]
    first = next((i for i in users if "installed=true" in block[i]), users[0])
    user_keys = [t.split("=")[0] for t in block[first].split(": ", 1)[1].split() if t.split("=")[0] not in OEM_USER_KEYS]
    end = next((i for i in users if i > first), len(block))
    sub = {row.strip().split("=", 1)[0] for row in block[first + 1:end] if "=" in row} & USER_SUB_KEYS
    installer = next((row.split("=", 1)[1].strip() for row in block if row.strip().startswith("installerPackageName=")), None)
    return Shape(package, keys, sections, user_keys, sub, None if installer in (None, "null") else installer)


def virtual_text(real: Shape, android: str) -> str:
    phone = phone_for(android, apps=[{"package": W4B, "installer": real.installer or "none"}])
    return out(phone, f"dumpsys package {W4B}")


CASES = corpus_cases()


@pytest.mark.skipif(not CASES, reason="real corpus not found (../shared/corpus or $WA_HARDEN_CORPUS)")
@pytest.mark.parametrize(("path", "android"), CASES, ids=[p.stem for p, _ in CASES])
def test_package_block_has_the_real_generations_shape(path, android):
    real = shape(read_corpus(path))
    virtual = shape(virtual_text(real, android))
    assert virtual.keys == real.keys
    assert real.sections <= virtual.sections
    assert virtual.user_keys == real.user_keys
    assert virtual.user_sub_keys == real.user_sub_keys


def populated(value: object) -> set[str]:
    return {f.name for f in dataclasses.fields(value) if getattr(value, f.name) is not None}  # type: ignore[arg-type]


@pytest.mark.skipif(not CASES, reason="real corpus not found (../shared/corpus or $WA_HARDEN_CORPUS)")
@pytest.mark.parametrize(("path", "android"), CASES, ids=[p.stem for p, _ in CASES])
def test_parser_reads_the_same_fields_from_virtual_and_real(path, android):
    parser = pytest.importorskip("wa_harden.parse.dumpsys_package")
    text = read_corpus(path)
    real_shape = shape(text)
    real = parser.parse_dumpsys_package(text, real_shape.package)
    virtual = parser.parse_dumpsys_package(virtual_text(real_shape, android), W4B)
    assert populated(virtual) == populated(real)
    real_user = next(s for s in real.users.values() if s.installed)
    virtual_user = next(s for s in virtual.users.values() if s.installed)
    assert populated(virtual_user) == populated(real_user)


def test_not_installed_message_matches_the_real_one():
    files = [p for p in corpus_files("dumpsys_package_pkg") if "not-installed" in p.stem]
    if not files:
        pytest.skip("real corpus not found")
    real = read_corpus(files[0]).strip()
    package = real.rsplit(" ", 1)[1]
    assert out(phone_for("13"), f"dumpsys package {package}").strip() == real
