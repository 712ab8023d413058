"""Run the real entry point (``wa_harden.cli.main``, error boundary included) in-process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from click.testing import CliRunner

from wa_harden.cli import main


@dataclass(frozen=True)
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(*args: str, env: Mapping[str, str | None] | None = None, input: str | None = None) -> Ran:
    """``wa-harden ARGS`` with stdout and stderr captured apart, as a script would see them."""
    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _mixed):
        code = main([str(a) for a in args])
    return Ran(int(code), out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace"))
