"""Doing a fix or an undo: snapshot, apply action by action, journal every command, read the phone
again, judge each action by the state it left.

One shell session per action, so the journal records exactly which commands ran, each right after
it returned (fsynced): a phone unplugged mid-fix leaves a journal that says which actions ran, and
`undo` works from the snapshot whatever ran.  A phone that refuses an action (an OEM switch) stops
its run there, so nothing after it is half-applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from wa_harden import collect, fleet
from wa_harden.assemble import facts_from_capture
from wa_harden.capture import Capture
from wa_harden.device.base import Connector, Device, is_server_stopped
from wa_harden.engine import Audited, Target, audit_capture, audit_targets, capture_target
from wa_harden.facts import BuildInfo, DeviceFacts, Gap, Known, is_known
from wa_harden.fix.plan import LeftOut, holds, plan_actions, same_phone, snapshot, undo_actions
from wa_harden.journal import Journal, JournalError, PhoneBusy
from wa_harden.model import Action, ActionResult, ActionStatus, Attestation, DeviceReport, DeviceStatus
from wa_harden.parse.common import classify_error
from wa_harden.profile import Profile


@dataclass(frozen=True)
class PhonePlan:
    """A phone audited before the fix, and what would make its failing checks pass."""

    audited: Audited
    facts: DeviceFacts | None
    actions: tuple[Action, ...] = ()
    left_out: tuple[LeftOut, ...] = ()


@dataclass(frozen=True)
class PhoneRun:
    """What a fix or an undo did to one phone."""

    target: Target
    before: DeviceReport
    results: tuple[ActionResult, ...] = ()
    after: DeviceReport | None = None
    message: str = ""  # why the phone was not (fully) handled, when it was not
    handled: bool = True
    notes: tuple[str, ...] = ()
    crash: fleet.Crashed | None = field(default=None, compare=False)
    journal_failed: bool = False  # the journal could not record all of it (the message says what)


Progress = Callable[[PhoneRun, float], None]


def plan_targets(connector: Connector, targets: Sequence[Target], profile: Profile,
                 attestations: Sequence[Attestation], timeout: float, jobs: int,
                 only: Iterable[str] = (), safe_only: bool = False) -> list[PhonePlan]:
    """Audit every phone (the same collection as `check`) and plan its actions."""
    plans = []
    for audited in audit_targets(connector, targets, profile, attestations, timeout, jobs):
        if audited.capture is None or not read_whole(audited.report):
            plans.append(PhonePlan(audited, None))  # nothing is changed on a phone that was not read whole
            continue
        facts = facts_from_capture(audited.capture)
        actions, left_out = plan_actions(facts, profile, audited.report.results, only, safe_only)
        plans.append(PhonePlan(audited, facts, actions, left_out))
    return plans


# --- OEM refusals ------------------------------------------------------------------------------------


def oem_advice(build: Known[BuildInfo]) -> str:
    """What to switch on so that the phone lets the ADB shell change permissions."""
    props = build.props if is_known(build) else {}
    maker = " ".join(str(v) for v in (build.manufacturer, build.brand) if v).lower() if is_known(build) else ""
    if any(key.startswith("ro.miui.") for key in props) or any(m in maker for m in ("xiaomi", "redmi", "poco")):
        return ("this Xiaomi phone (MIUI/HyperOS) blocks the ADB shell: turn on Settings > Additional settings > "
                "Developer options > 'USB debugging (Security settings)' (it needs a Mi account and a SIM), "
                "then run `wa-harden fix` again")
    if any(key.startswith(("ro.build.version.opporom", "ro.oplus.", "ro.oxygen.")) for key in props) \
            or any(m in maker for m in ("oppo", "oneplus", "realme")):
        return ("this OPPO/OnePlus/realme phone (ColorOS/OxygenOS) blocks the ADB shell: turn on Developer "
                "options > 'Disable permission monitoring', then run `wa-harden fix` again")
    return ("the phone blocks the ADB shell from changing this: look for a manufacturer switch in Developer "
            "options, or make the change in the MDM")


# --- applying ---------------------------------------------------------------------------------------


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class _Applier:
    """Runs actions on one phone and journals each command.

    A journal that cannot be written (disk full, folder gone read-only) stops the run before the
    next action: nothing runs on a phone that the journal could not record.  The snapshot was
    written before the first action, so `undo` still puts back whatever ran.
    """

    device: Device
    journal: Journal
    run_id: str
    operation: str  # fix | undo
    serial: str
    model: str | None
    timeout: float
    journal_error: JournalError | None = None
    refused: bool = False  # the phone refused an action (an OEM switch): handled, with advice

    def apply(self, actions: Sequence[Action], build: Known[BuildInfo]) -> tuple[list[ActionResult], list[Action], str]:
        """Results of the actions that did not run, the actions that ran, and why the run stopped."""
        stopped: list[ActionResult] = []
        ran: list[Action] = []
        for index, action in enumerate(actions):
            later = actions[index + 1:]
            outcome = collect.run_round(self.device, [action.command], self.timeout)
            if not outcome.records:
                cut = outcome.cut_short
                why = cut.reason if cut else Gap.CONNECTION_LOST.value
                self._journal("command", action, result="interrupted", detail=why)
                lost = _lost(cut.detail if cut else "")
                stopped.append(ActionResult(action, ActionStatus.FAILED,
                                            f"{lost} while this ran ({why}): it may or may not have been applied; "
                                            f"run `wa-harden {self.operation}` again when the phone is back"))
                stopped += _skipped(later, f"not run: {lost} before it")
                return stopped, ran, self._why(f"{lost} during the {self.operation}")
            record = outcome.records[0]
            refusal = classify_error(record.output)
            if refusal is not None and refusal.reason is Gap.OEM_RESTRICTED:
                self._journal("command", action, result="refused", exit_status=record.exit_code,
                              output_sha256=_sha256(record.output))
                advice = oem_advice(build)
                stopped.append(ActionResult(action, ActionStatus.REFUSED, f"refused ({refusal.detail}): {advice}"))
                stopped += _skipped(later, "not run: the phone refused an earlier action")
                self.refused = True
                return stopped, ran, self._why(f"the phone refused the {self.operation}: {advice}")
            ran.append(action)
            if not self._journal("command", action, result="ran", exit_status=record.exit_code,
                                 output_sha256=_sha256(record.output)):
                stopped += _skipped(later, "not run: the journal could not record the action before it")
                return stopped, ran, self._why("")
        return stopped, ran, ""

    def verify(self, ran: Sequence[Action], facts: DeviceFacts | None) -> list[ActionResult]:
        results = []
        for action in ran:
            held = holds(action, facts) if facts is not None else None
            if held is True:
                results.append(ActionResult(action, ActionStatus.VERIFIED, "the phone, read again, shows the change"))
            elif held is False:
                results.append(ActionResult(action, ActionStatus.FAILED,
                                            "did not hold: the phone, read again, does not show the change"))
            else:
                why = held.detail if held is not None else "the phone could not be read again"
                results.append(ActionResult(action, ActionStatus.FAILED, f"could not be verified: {why}"))
            self._journal("verify", action, result=results[-1].status.value, message=results[-1].message)
        return results

    def _journal(self, kind: str, action: Action, **fields: object) -> bool:
        """Append one record; False (and the error kept) when the journal cannot be written."""
        if self.journal_error is not None:
            return False
        try:
            self.journal.append(kind, self.run_id, operation=self.operation, serial=self.serial, model=self.model,
                                check=action.check, user=action.user, command=action.command,
                                tier=action.tier.value, **fields)
        except JournalError as exc:
            self.journal_error = exc
            return False
        return True

    def _why(self, reason: str) -> str:
        """Why the run stopped, with the journal's trouble when there was some."""
        if self.journal_error is None:
            return reason
        trouble = journal_trouble(self.journal_error, self.operation, self.run_id)
        return f"{reason}; {trouble}" if reason else trouble

    def message(self, why: str) -> str:
        """The run's message once it is over: the journal's trouble may have come while verifying."""
        if self.journal_error is not None and not why:
            return self._why("")
        return why


def journal_trouble(error: JournalError, operation: str, run_id: str) -> str:
    undo = "`wa-harden undo " + run_id + "` puts back what ran" if operation == "fix" else \
        "`wa-harden undo` can be run again"
    return (f"the journal could not be written ({error.message}): stopped before the next action; the "
            f"snapshot taken before the {operation} is kept, so {undo}; free space or make the journal "
            f"folder writable, then run `wa-harden {operation}` again")


def _lost(detail: str) -> str:
    """Who went away: the adb server (it says so) or the phone."""
    if is_server_stopped(detail):
        return detail
    return "the connection to the phone was lost"


def _skipped(actions: Sequence[Action], why: str) -> list[ActionResult]:
    return [ActionResult(action, ActionStatus.SKIPPED, why) for action in actions]


def _ordered(results: Sequence[ActionResult], actions: Sequence[Action]) -> tuple[ActionResult, ...]:
    position = {id(action): index for index, action in enumerate(actions)}
    return tuple(sorted(results, key=lambda r: position.get(id(r.action), len(actions))))


def read_whole(report: DeviceReport) -> bool:
    """Whether the phone was read to the end: a fix plans, and an undo compares, only on that (an
    audit cut short by a pulled cable or a timeout leaves facts unknown, not absent)."""
    return report.status is DeviceStatus.AUDITED


def _read_again(connector: Connector, target: Target, timeout: float, profile: Profile,
                attestations: Sequence[Attestation]) -> tuple[Capture | None, DeviceReport | None]:
    got = capture_target(connector, target, timeout)
    if isinstance(got, DeviceReport):
        return None, got
    report = audit_capture(got, profile, attestations)
    return (got, report) if read_whole(report) else (None, report)


def _run(plans: Sequence[PhonePlan], one: Callable[[PhonePlan], PhoneRun], jobs: int, deadline: float,
         progress: Progress | None) -> list[PhoneRun]:
    def settle(plan: PhonePlan, outcome: fleet.Outcome[PhoneRun]) -> PhoneRun:
        audited = plan.audited
        if isinstance(outcome, fleet.Finished):
            return outcome.value
        if isinstance(outcome, fleet.Crashed):
            return PhoneRun(audited.target, audited.report, message=f"internal error: {outcome.error}",
                            handled=False, crash=outcome)
        return PhoneRun(audited.target, audited.report, handled=False,
                        message="the phone did not finish in time; run the command again")

    def observe(index: int, plan: PhonePlan, outcome: fleet.Outcome[PhoneRun]) -> None:
        if progress is not None:
            progress(settle(plan, outcome), outcome.seconds)

    outcomes = fleet.run(plans, one, jobs=jobs, deadline=deadline, observer=observe)
    return [settle(plan, outcome) for plan, outcome in zip(plans, outcomes, strict=True)]


def apply_fix(connector: Connector, plans: Sequence[PhonePlan], profile: Profile,
              attestations: Sequence[Attestation], journal: Journal, run_id: str, timeout: float,
              jobs: int = fleet.DEFAULT_JOBS, progress: Progress | None = None) -> list[PhoneRun]:
    """Snapshot, apply, read again and verify, on every phone with a plan."""

    def one(plan: PhonePlan) -> PhoneRun:
        audited = plan.audited
        target = audited.target
        if plan.facts is None:
            return PhoneRun(target, audited.report, handled=False, message=audited.report.message)
        skipped = [ActionResult(left.action, ActionStatus.SKIPPED, left.reason) for left in plan.left_out]
        if not plan.actions:
            return PhoneRun(target, audited.report, tuple(skipped), audited.report)
        try:
            with journal.phone_lock(target.serial, run_id):
                return fix_locked(plan, skipped)
        except PhoneBusy as busy:
            return PhoneRun(target, audited.report, tuple(skipped), handled=False,
                            message=f"not changed: {busy}; run again when it has ended")
        except JournalError as exc:  # the lock could not be taken: the journal folder is unusable
            return PhoneRun(target, audited.report, tuple(skipped), handled=False, message=f"not changed: {exc}")

    def fix_locked(plan: PhonePlan, skipped: list[ActionResult]) -> PhoneRun:
        """Holding the phone: read it again (another run may have changed it since the plan was
        shown), keep only confirmed actions still needed, snapshot that state, apply, verify."""
        audited = plan.audited
        target = audited.target
        capture, before = _read_again(connector, target, timeout, profile, attestations)
        if capture is None or before is None:
            report = before or audited.report
            return PhoneRun(target, report, tuple(skipped), handled=False,
                            message=report.message or "the phone could not be read again before the fix")
        facts = facts_from_capture(capture)
        needed = {a.command for a in plan_actions(facts, profile, before.results)[0]}
        actions = tuple(a for a in plan.actions if a.command in needed)
        skipped += [ActionResult(a, ActionStatus.SKIPPED, "not needed any more: the phone already shows it")
                    for a in plan.actions if a.command not in needed]
        if not actions:
            return PhoneRun(target, before, tuple(skipped), before)
        saved = snapshot(facts, actions, datetime.now(UTC).replace(microsecond=0).isoformat())
        try:
            path = journal.write_snapshot(run_id, target.serial, saved)
            journal.append("snapshot", run_id, operation="fix", serial=target.serial, model=before.identity.model,
                           fingerprint=saved["fingerprint"], file=path.name,
                           sha256=hashlib.sha256(path.read_bytes()).hexdigest())
        except (JournalError, OSError) as exc:
            reason = exc.message if isinstance(exc, JournalError) else f"cannot read back the snapshot: {exc}"
            skipped += _skipped(actions, "not run: the snapshot could not be saved")
            return PhoneRun(target, before, tuple(skipped), before, handled=False,
                            message=f"not changed: the snapshot could not be saved in the journal ({reason}); "
                                    "free space or make the journal folder writable, then run `wa-harden fix` again",
                            journal_failed=True)
        applier = _Applier(connector.connect(target.address, target.serial), journal, run_id, "fix",
                           target.serial, before.identity.model, timeout)
        stopped, ran, why = applier.apply(actions, facts.build)
        again, after = _read_again(connector, target, timeout, profile, attestations)
        after = after if again is not None else None  # an "after" only of a phone read whole again
        verified = applier.verify(ran, facts_from_capture(again) if again is not None else None)
        results = _ordered([*verified, *stopped], actions) + tuple(skipped)
        why = applier.message(why)
        handled = not why or (applier.refused and applier.journal_error is None)
        message = why or ("" if after is not None else "the phone could not be read again after the fix")
        return PhoneRun(target, before, results, after, message, handled and after is not None,
                        journal_failed=applier.journal_error is not None)

    deadline = timeout * (3 + max((len(p.actions) for p in plans), default=0))
    return _run(plans, one, jobs, deadline, progress)


def undo_run(connector: Connector, targets: Sequence[Target], journal: Journal, run_id: str, undo_id: str,
             profile: Profile, timeout: float, jobs: int = fleet.DEFAULT_JOBS,
             progress: Progress | None = None) -> list[PhoneRun]:
    """Put back what the fix ``run_id`` changed on each phone, as its snapshot describes; the undo's
    own commands are journalled under ``undo_id``."""
    audited = audit_targets(connector, targets, profile, (), timeout, jobs)
    plans = [PhonePlan(a, facts_from_capture(a.capture) if a.capture is not None and read_whole(a.report) else None)
             for a in audited]

    def one(plan: PhonePlan) -> PhoneRun:
        target = plan.audited.target
        if plan.facts is None:
            return PhoneRun(target, plan.audited.report, handled=False, message=plan.audited.report.message)
        try:
            with journal.phone_lock(target.serial, undo_id):
                return undo_locked(target)
        except PhoneBusy as busy:
            return PhoneRun(target, plan.audited.report, handled=False,
                            message=f"not changed: {busy}; run again when it has ended")
        except JournalError as exc:
            return PhoneRun(target, plan.audited.report, handled=False, message=f"not changed: {exc}")

    def undo_locked(target: Target) -> PhoneRun:
        capture, before = _read_again(connector, target, timeout, profile, ())
        if capture is None or before is None:
            report = before or plan_of[target.serial].audited.report
            return PhoneRun(target, report, handled=False,
                            message=report.message or "the phone could not be read before the undo")
        facts = facts_from_capture(capture)
        try:
            saved = journal.read_snapshot(run_id, target.serial)
        except JournalError as exc:
            return PhoneRun(target, before, handled=False, message=f"not changed: {exc.message}")
        mismatch = same_phone(saved, facts)
        if mismatch is not None:
            return PhoneRun(target, before, handled=False, message=f"undo refused: {mismatch}")
        actions, notes = undo_actions(saved, facts)
        if not actions:
            return PhoneRun(target, before, (), before, "" if not notes else "some of the snapshot could not be read",
                            not notes, notes)
        applier = _Applier(connector.connect(target.address, target.serial), journal, undo_id, "undo",
                           target.serial, before.identity.model, timeout)
        stopped, ran, why = applier.apply(actions, facts.build)
        again, after = _read_again(connector, target, timeout, profile, ())
        after = after if again is not None else None
        verified = applier.verify(ran, facts_from_capture(again) if again is not None else None)
        results = _ordered([*verified, *stopped], actions)
        why = applier.message(why)
        return PhoneRun(target, before, results, after, why, not why and after is not None and not notes, notes,
                        journal_failed=applier.journal_error is not None)

    plan_of = {plan.audited.target.serial: plan for plan in plans}
    deadline = timeout * 14
    return _run(plans, one, jobs, deadline, progress)
