# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rollback: a setup run whose instance provisioning ends Failed, in a resource group the same run created, removes
both and reports the original error first, the rollback's outcome after it."""

from __future__ import annotations

from reliability_cases import ALICE, LOCATION, TABLE_CHECKS  # pylint: disable=import-error
from reliability_support import ROLE_PLAYBOOK, playbook_failure_message, state_problems, unclean  # pylint: disable=import-error

RG = "rg-rollback"
NAME = "dt-rollback"


def test_failed_instance_in_a_new_group_is_rolled_back(emu, run_playbook, recorder):
    emu.settings(provisioning_delay_seconds=0, deletion_delay_seconds=0)
    emu.set_behaviour(instance_name=NAME, provisioning_result="Failed")
    result = run_playbook(ROLE_PLAYBOOK, extra_vars=dict(
        setup_resource_group=RG, setup_instance_name=NAME, setup_location=LOCATION,
        setup_role_assignments=[dict(assignee_object_id=ALICE, principal_type="User")]))
    state = emu.state()
    message = playbook_failure_message(result.stdout)
    problems = ["the role succeeded"] if result.rc == 0 else []
    problems += ["output shows %r" % m for m in unclean(result.output)]
    if [i["name"] for i in state["instances"]]:
        problems.append("instances left: %s" % [i["name"] for i in state["instances"]])
    if [g["name"] for g in state["resource_groups"] if g["name"].lower() == RG]:
        problems.append("the resource group this run created is left")
    problems += state_problems(state)
    original = message.find("Failed")
    rolled_back = message.find("Rolled back")
    if original < 0 or rolled_back < 0 or original > rolled_back:
        problems.append("the original error does not come first, then the rollback: %s" % message[:400])
    for words in ("This run had created instance %s and resource group %s" % (NAME, RG),
                  "deleted instance %s" % NAME, "deleted resource group %s" % RG):
        if words not in message:
            problems.append("message lacks %r: %s" % (words, message[:400]))
    if "Nothing was changed" in message:
        problems.append("the message says nothing was changed")
    recorder.record(TABLE_CHECKS, "role-rollback-failed-instance",
                    verdict="as expected" if not problems else "UNEXPECTED: " + "; ".join(problems))
    assert not problems, "\n".join(problems) + "\n" + result.output[-4000:]
