"""Reports of `fix` and `undo`: the plan, what each action did, each check before and after, and
what is left for a person.  JSON schema ``wa-harden-fix`` version 1 (docs/JSON-REPORT.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from wa_harden.model import ActionResult, ActionStatus, DeviceReport
from wa_harden.report import RunInfo
from wa_harden.report.markdown import code
from wa_harden.report.markdown import text as md
from wa_harden.report.table import device_heading
from wa_harden.report.text import printable
from wa_harden.report.todo import sections

SCHEMA = "wa-harden-fix"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PhoneFixView:
    """What a reporter needs of one phone's fix or undo (built by the CLI from the engine's runs)."""

    before: DeviceReport
    results: tuple[ActionResult, ...]
    after: DeviceReport | None
    message: str
    handled: bool
    notes: tuple[str, ...] = ()


def _user(value: int | None) -> str:
    return "device" if value is None else str(value)


def _status(view: PhoneFixView) -> str:
    if not view.before.audited:
        return view.before.status.value
    if not view.handled:
        return "incomplete"
    if any(r.status in (ActionStatus.FAILED, ActionStatus.REFUSED) for r in view.results):
        return "action-failed"
    return "done"


def _before_after(view: PhoneFixView) -> list[tuple[str, str, str]]:
    after = {r.check: r.outcome.value for r in view.after.results} if view.after else {}
    return [(r.check, r.outcome.value, after.get(r.check, "")) for r in view.before.results]


def fix_dict(views: Sequence[PhoneFixView], run: RunInfo, run_id: str | None, operation: str,
             dry_run: bool) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool_version": run.tool_version,
        "generated_at": run.generated_at.isoformat(),
        "operation": operation,
        "run_id": run_id,
        "dry_run": dry_run,
        "profile": run.profile,
        "devices": [
            {
                "serial": view.before.identity.serial,
                "model": view.before.identity.model,
                "status": _status(view),
                "message": view.message,
                "actions": [
                    {"check": r.action.check, "user": r.action.user, "command": r.action.command,
                     "tier": r.action.tier.value, "status": r.status.value,
                     "description": r.action.description, "message": r.message}
                    for r in view.results
                ],
                "before": [{"check": r.check, "outcome": r.outcome.value} for r in view.before.results],
                "after": [{"check": r.check, "outcome": r.outcome.value} for r in view.after.results]
                if view.after else [],
                "notes": list(view.notes),
            }
            for view in views
        ],
    }


def render_fix_json(views: Sequence[PhoneFixView], run: RunInfo, run_id: str | None, operation: str,
                    dry_run: bool) -> str:
    return json.dumps(fix_dict(views, run, run_id, operation, dry_run), indent=2, ensure_ascii=False) + "\n"


def plan_table(results: Sequence[ActionResult]) -> str:
    rows = [[_user(r.action.user), r.action.check, r.action.tier.value, r.action.command,
             r.action.description] for r in results]
    return printable(tabulate(rows, headers=["user", "check", "tier", "command", "what it does to the phone's user"],
                              tablefmt="simple", maxcolwidths=[None, None, None, 46, 42]))


def _results_table(results: Sequence[ActionResult]) -> str:
    """Every action with its result; the actions a stop left unrun are counted, not listed."""
    unrun = [r for r in results if r.status is ActionStatus.SKIPPED and r.message.startswith("not run:")]
    rows = [[r.status.value.upper(), _user(r.action.user), r.action.check, r.action.command, r.message]
            for r in results if r not in unrun]
    if unrun:
        rows.append(["SKIPPED", "", "", f"{len(unrun)} more action(s)", unrun[0].message])
    return printable(tabulate(rows, headers=["status", "user", "check", "command", "result"], tablefmt="simple",
                              maxcolwidths=[None, None, None, 46, 42]))


def _changed_rows(view: PhoneFixView) -> list[list[str]]:
    return [[check, before, after] for check, before, after in _before_after(view)
            if after and before != after]


def render_fix_table(views: Sequence[PhoneFixView], run: RunInfo, run_id: str | None, operation: str,
                     dry_run: bool) -> str:
    blocks = []
    for view in views:
        lines = [device_heading(view.before)]
        if not view.before.audited:
            lines.append(f"NOT AUDITED: {printable(view.before.message)}")
            blocks.append("\n".join(lines))
            continue
        planned = [r for r in view.results if r.status is ActionStatus.PLANNED]
        if dry_run or planned:
            lines += ["", f"Plan ({len(planned)} action(s); nothing has been changed):" if planned
                      else "Nothing to change: no failing check can be fixed by wa-harden."]
            if planned:
                lines.append(plan_table(planned))
        else:
            counts = {s: sum(1 for r in view.results if r.status is s) for s in ActionStatus}
            summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "no action needed"
            lines += ["", f"{operation.upper()} — {summary}"]
            if view.results:
                lines.append(_results_table(view.results))
            changed = _changed_rows(view)
            if changed:
                lines += ["", "Before → after:", printable(tabulate(changed, headers=["check", "before", "after"]))]
        if view.message:
            lines += ["", printable(view.message)]
        lines += [f"Note: {printable(note)}" for note in view.notes]
        if not dry_run and view.after is not None:
            remaining = sections(view.after, run)
            for title, entries in remaining:
                lines += ["", f"{title}:"]
                lines += [printable(f"{n:2}. [{check}] {what}") for n, (check, what) in enumerate(entries, 1)]
        blocks.append("\n".join(lines))
    head = [] if run_id is None or dry_run else [f"run {run_id} (undo with `wa-harden undo {run_id}`)", ""]
    if operation == "undo" and run_id is not None:
        head = [f"undo of run {run_id}", ""]
    return "\n".join(head) + "\n\n".join(blocks) + "\n"


def render_fix_markdown(views: Sequence[PhoneFixView], run: RunInfo, run_id: str | None, operation: str,
                        dry_run: bool) -> str:
    out = [f"# wa-harden {operation}" + (" (dry run)" if dry_run else ""), ""]
    if run_id:
        out += [f"Run {code(run_id)}, profile {code(run.profile)}, {run.generated_at.isoformat()}, "
                f"wa-harden {run.tool_version}.", ""]
    for view in views:
        out += [f"## {md(device_heading(view.before))}", ""]
        if not view.before.audited:
            out += [f"**NOT AUDITED**: {md(view.before.message)}", ""]
            continue
        out += ["| status | user | check | tier | command | result |", "|---|---|---|---|---|---|"]
        out += [f"| {r.status.value} | {_user(r.action.user)} | `{r.action.check}` | {r.action.tier.value} | "
                f"{code(r.action.command, in_table=True)} | {md(r.message or r.action.description)} |"
                for r in view.results]
        out.append("")
        changed = _changed_rows(view)
        if changed:
            out += ["| check | before | after |", "|---|---|---|"]
            out += [f"| `{c}` | {b} | {a} |" for c, b, a in changed]
            out.append("")
        if view.message:
            out += [md(view.message), ""]
        if view.after is not None and not dry_run:
            for title, entries in sections(view.after, run):
                out += [f"### {md(title)}", ""] + [f"- [ ] `{c}`: {md(w)}" for c, w in entries] + [""]
    return "\n".join(out)
