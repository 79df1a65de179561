# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input to every module and to the setup role: a clear error, and no write request sent."""

from __future__ import annotations

import pytest

from reliability_cases import BAD_INPUT_CASES, TABLE_BAD_INPUT  # pylint: disable=import-error
from reliability_setups import fill, prepare  # pylint: disable=import-error
from reliability_support import (ROLE_PLAYBOOK, excerpt, playbook_failure_message, snapshot, unclean,  # pylint: disable=import-error
                                 write_requests, writes_text)
from test_faults import last_seq, seed_ids  # pylint: disable=import-error


def _run_role(run_playbook, case, env):
    result = run_playbook(ROLE_PLAYBOOK, extra_vars=case.args, env=env)
    message = playbook_failure_message(result.stdout)
    problems = []
    if result.rc == 0:
        problems.append("the play succeeded")
    problems += ["output shows %r" % marker for marker in unclean(result.output)]
    return {"failed": result.rc != 0, "msg": message}, problems


@pytest.mark.parametrize("case", BAD_INPUT_CASES, ids=[c.id for c in BAD_INPUT_CASES])
def test_bad_input(case, emu, run, run_playbook, recorder):
    emu.settings(provisioning_delay_seconds=0)
    context = prepare(case.setup, emu, run)
    env = fill(case.env, context)
    before = snapshot(emu.state())
    mark = last_seq(emu)

    if case.module == "role":
        result, problems = _run_role(run_playbook, case, env)
    else:
        result = run(case.module, env=env, **fill(case.args, context))
        problems = [] if result.get("failed") else ["the module did not fail (changed=%s)" % result.get("changed")]

    log = emu.requests(since=mark)
    message = result.get("msg", "") or ""
    missing = [w for w in case.words if w not in message]
    if result.get("failed") and missing:
        problems.append("message lacks %s" % ", ".join(repr(w) for w in missing))
    if "Traceback" in message:
        problems.append("message holds a traceback")
    writes = write_requests(log)
    if writes:
        problems.append("write request(s) sent: %s" % ", ".join(sorted({"%s %s" % (w["method"], w["status"]) for w in writes})))
    if snapshot(emu.state()) != before:
        problems.append("Azure changed")

    verdict = "as expected" if not problems else "UNEXPECTED: " + "; ".join(problems)
    if case.known_gap and problems:
        verdict = "KNOWN GAP (%s): %s" % (case.known_gap, "; ".join(problems))
    recorder.record(TABLE_BAD_INPUT, case.id, title=case.title, module=case.module,
                    observed="failed" if result.get("failed") else "ok", message=excerpt(message, seed_ids(emu)),
                    writes=writes_text(log), verdict=verdict)
    if case.known_gap:
        assert problems, "the known gap of %s no longer shows: remove known_gap from the case" % case.id
        pytest.xfail(case.known_gap)
    assert not problems, "%s\nmessage: %s" % ("\n".join(problems), message)
