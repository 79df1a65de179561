# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults injected by the emulator while a module runs: the module rides out transient faults or fails clearly, never
reports a success that did not happen, leaves nothing duplicated or half-done, and a re-run converges."""

from __future__ import annotations

import time

import pytest

from reliability_cases import FAULT_CASES, TABLE_FAULTS  # pylint: disable=import-error
from reliability_setups import fill, prepare  # pylint: disable=import-error
from reliability_support import excerpt, snapshot, state_problems, writes_text  # pylint: disable=import-error


def seed_ids(emu):
    seed = emu.seed
    ids = [seed["tenant"]["id"], seed["subscription"]["id"]]
    for kind in ("service_principals", "users", "groups"):
        for item in seed.get(kind, []):
            ids.append(item["id"])
            if item.get("app_id"):
                ids.append(item["app_id"])
    return ids


def last_seq(emu):
    log = emu.requests()
    return log[-1]["seq"] if log else 0


def describe(result):
    if result.get("failed"):
        return "failed"
    return "ok, changed" if result.get("changed") else "ok, unchanged"


def claim_problems(case, args, result, state):
    """A reported success must be visible in Azure."""
    if result.get("failed") or not result.get("changed"):
        return []
    problems = []
    absent = args.get("state") == "absent"
    if case.module == "dt_instance":
        found = [i for i in state["instances"] if i["name"].lower() == args["name"].lower()]
        if absent and found:
            problems.append("reported deleted but the instance exists")
        if not absent and (not found or found[0]["properties"]["provisioningState"] != "Succeeded"):
            problems.append("reported created but no Succeeded instance exists")
    elif case.module == "resource_group":
        found = [g for g in state["resource_groups"] if g["name"].lower() == args["name"].lower()]
        if bool(found) == absent:
            problems.append("reported %s but the group %s" % ("deleted" if absent else "created", "exists" if found else "is missing"))
    elif case.module == "dt_role_assignment":
        wanted = result["assignment"] if not absent else None
        if wanted is not None:
            found = [a for a in state["role_assignments"] if a["name"].lower() == wanted["name"].lower()
                     and a["properties"]["principalId"].lower() == wanted["principal_id"].lower()]
            if not found:
                problems.append("reported assigned but the assignment does not exist")
    return problems


def _dotted(result, key):
    value = result
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def bound_problems(case, result, elapsed):
    """The run returned in time (``max_seconds``) and its result holds what ``returns`` names."""
    problems = []
    if case.max_seconds and elapsed > case.max_seconds:
        problems.append("returned after %.0f s, more than %s s" % (elapsed, case.max_seconds))
    for key, value in case.returns:
        if _dotted(result, key) != value:
            problems.append("result %s is %r, %r expected" % (key, _dotted(result, key), value))
    return problems


@pytest.mark.parametrize("case", FAULT_CASES, ids=[c.id for c in FAULT_CASES])
def test_fault(case, emu, run, recorder, client_settings):
    emu.settings(provisioning_delay_seconds=case.provisioning_delay)
    context = prepare(case.setup, emu, run)
    args = fill(case.args, context)
    if case.client_settings:
        client_settings(**case.client_settings)
    if case.behaviour:
        emu.set_behaviour(**case.behaviour)
    before = snapshot(emu.state())
    for fault in case.faults:
        emu.inject_fault(**fault)
    mark = last_seq(emu)
    started = time.monotonic()

    result = run(case.module, **args)
    elapsed = time.monotonic() - started

    # A slow request the client gave up on is logged when the emulator finally answers it: wait for that.
    slowest = max([f.get("delay_seconds", 0) for f in case.faults if f["kind"] == "slow"] or [0])
    time.sleep(max(0.0, slowest + 0.5 - (time.monotonic() - started)) if slowest else 0)

    log = emu.requests(since=mark)
    emu.clear_faults()
    state = emu.state()
    message = result.get("msg", "")
    problems = []
    if case.expect == "ok" and result.get("failed"):
        problems.append("failed although the fault is transient")
    if case.expect == "fail":
        if not result.get("failed"):
            problems.append("reported success although the fault persisted")
        missing = [w for w in case.words if w not in message]
        if result.get("failed") and missing:
            problems.append("message lacks %s" % ", ".join(repr(w) for w in missing))
        if "Traceback" in message:
            problems.append("message holds a traceback")
        misleading = [w for w in case.avoid if w in message]
        if misleading:
            problems.append("message misleads with %s" % ", ".join(repr(w) for w in misleading))
        if not case.leaves and snapshot(state) != before:
            problems.append("a failed run changed Azure")
    problems += claim_problems(case, args, result, state)
    problems += bound_problems(case, result, elapsed)
    problems += state_problems(state)

    # A re-run without the fault converges: it succeeds, and the run after it changes nothing.
    rerun = run(case.module, **args)
    again = run(case.module, **args)
    if rerun.get("failed") or again.get("failed") or again.get("changed"):
        converge = "no: %s / %s" % (describe(rerun), describe(again))
        problems.append("re-run does not converge (%s, then %s)" % (describe(rerun), describe(again)))
    elif case.expect == "ok" and not result.get("failed") and rerun.get("changed"):
        converge = "no: the first re-run changed something"
        problems.append("the first re-run after a success changed something")
    else:
        converge = "yes (%s)" % describe(rerun)
    problems += ["after re-run: " + p for p in state_problems(emu.state())]

    recorder.record(TABLE_FAULTS, case.id, title=case.title, module=case.module,
                    expected="succeeds" if case.expect == "ok" else "fails clearly", observed=describe(result),
                    message=excerpt(message, seed_ids(emu)) if result.get("failed") else "",
                    writes=writes_text(log), leaves=case.leaves, rerun=converge,
                    verdict="as expected" if not problems else "UNEXPECTED: " + "; ".join(problems))
    assert not problems, "%s\nresult: %s" % ("\n".join(problems), result)
