"""Shared fixtures: the real corpus (read from ../shared, never copied) and a home-directory tripwire."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wa_harden.parse.text import decode_output

REPO = Path(__file__).resolve().parent.parent


def corpus_root() -> Path | None:
    env = os.environ.get("WA_HARDEN_CORPUS")
    root = Path(env) if env else REPO.parent / "shared" / "corpus"
    return root if root.is_dir() else None


def corpus_files(family: str) -> list[Path]:
    """Every ``*.txt`` of one corpus family (a folder name such as ``dumpsys_package_pkg``)."""
    root = corpus_root()
    if root is None:
        return []
    return sorted((root / family).glob("*.txt"))


def read_corpus(path: Path) -> str:
    return decode_output(path.read_bytes())


@pytest.fixture
def corpus() -> Path:
    root = corpus_root()
    if root is None:
        pytest.skip("real corpus not found (../shared/corpus or $WA_HARDEN_CORPUS)")
    return root


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory):
    """Tripwire: no test sees the real HOME, a real ANDROID_SERIAL, or the adb server on 5037."""
    saved = {k: os.environ.get(k) for k in ("HOME", "ANDROID_SERIAL", "ANDROID_ADB_SERVER_PORT",
                                            "ANDROID_ADB_SERVER_HOST", "NO_COLOR")}
    os.environ["HOME"] = str(tmp_path_factory.mktemp("home"))
    os.environ.pop("ANDROID_SERIAL", None)
    os.environ.pop("ANDROID_ADB_SERVER_HOST", None)
    # Anything that forgets to pass a port lands on a port where nothing listens, never on 5037.
    os.environ["ANDROID_ADB_SERVER_PORT"] = "1"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def adb_server(tmp_path_factory, _isolated_environment):
    """A private adb server (the bundled binary) on a free port, killed at the end of the session."""
    from wa_harden.virtual.launcher import PrivateAdbServer

    with PrivateAdbServer(home=tmp_path_factory.mktemp("adb-home")) as server:
        yield server


@pytest.fixture
def phones(adb_server):
    """Start virtual phones on the private adb server: phones("hardened", faults={...})."""
    started = []

    def start(*personas, faults=None, latency_scale=0.0):
        from wa_harden.virtual.launcher import VirtualPhones

        fleet = VirtualPhones(list(personas), adb_port=adb_server.port, faults=faults,
                              latency_scale=latency_scale, start_server=False)
        fleet.__enter__()
        started.append(fleet)
        return fleet

    yield start
    for fleet in started:
        fleet.__exit__(None, None, None)


def pytest_collection_modifyitems(items):
    """Every test that needs the real adb server is end to end: `pytest -m "not e2e"` skips them."""
    for item in items:
        if "adb_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
