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
