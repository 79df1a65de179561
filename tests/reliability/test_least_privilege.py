# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Least privilege: assignments at the instance scope, setup_exclusive and teardown touch only what the role manages,
and a run by a principal without the rights changes nothing: a Contributor is stopped by the preflight dry run before
any write request, not undone by the rollback."""

from __future__ import annotations

from pathlib import Path

from reliability_cases import ALICE, BOB, CAROL, DATA_OWNER, DATA_READER, LOCATION, SP_PIPELINE, TABLE_CHECKS  # pylint: disable=import-error
from reliability_support import (ROLE_PLAYBOOK, accepted, assignment_key, playbook_failure_message, snapshot,  # pylint: disable=import-error
                                 seeded_caller, state_problems, unclean, write_requests)

ROOT = Path(__file__).resolve().parents[2]
RG = "rg-lp"
INST0 = "dt-lp-00000"
INST1 = "dt-lp-00001"
GUIDS = {DATA_OWNER: "bcd981a7-7f74-457b-83e1-cceb9e632ffe", DATA_READER: "d57506d4-4c8d-48b1-8587-93c323f6a5a3",
         "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c"}


def _scopes(emu):
    sub = emu.seed["subscription"]["id"]
    rg_scope = "/subscriptions/%s/resourceGroups/%s" % (sub, RG)
    return rg_scope, rg_scope + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/"


def _key(scope, principal, role):
    return (scope.lower(), principal.lower(), GUIDS[role])


def _assign(run, scope, principal, role, principal_type="User"):
    result = run("dt_role_assignment", scope=scope, assignee_object_id=principal, principal_type=principal_type, role=role)
    assert not result.get("failed"), result.get("msg")


def _keys(emu):
    return {assignment_key(a) for a in emu.state()["role_assignments"]}


def _record(recorder, check_id, problems):
    recorder.record(TABLE_CHECKS, check_id, verdict="as expected" if not problems else "UNEXPECTED: " + "; ".join(problems))


def _last_seq(emu):
    log = emu.requests()
    return log[-1]["seq"] if log else 0


def test_module_assigns_at_the_instance_scope(emu, run, recorder):
    emu.bulk_instances(count=1, resource_group=RG, name_prefix="dt-lp", location=LOCATION)
    prefix = _scopes(emu)[1]
    before = _keys(emu)
    result = run("dt_role_assignment", instance=INST0, resource_group=RG, assignee_object_id=ALICE, principal_type="User")
    added = _keys(emu) - before
    problems = [] if not result.get("failed") else ["failed: " + result["msg"]]
    if added != {_key(prefix + INST0, ALICE, DATA_OWNER)}:
        problems.append("assignments added: %s" % sorted(added))
    if result.get("assignment", {}).get("scope", "").lower() != (prefix + INST0).lower():
        problems.append("returned scope %s" % result.get("assignment", {}).get("scope"))
    _record(recorder, "lp-module-scope", problems)
    assert not problems, problems


def test_exclusive_removes_only_undeclared_direct_data_roles(emu, run, run_playbook, recorder):
    emu.settings(provisioning_delay_seconds=0)
    emu.bulk_instances(count=2, resource_group=RG, name_prefix="dt-lp", location=LOCATION)
    rg_scope, prefix = _scopes(emu)
    inst0, inst1 = prefix + INST0, prefix + INST1
    _assign(run, inst0, BOB, DATA_OWNER)                                     # undeclared, direct, managed role: removed
    _assign(run, rg_scope, CAROL, DATA_READER)                               # inherited from the group: kept
    _assign(run, inst0, BOB, "Contributor")                                  # another role: kept
    _assign(run, inst1, CAROL, DATA_OWNER)                                   # another instance: kept
    _assign(run, inst0, SP_PIPELINE, DATA_READER, "ServicePrincipal")        # declared: kept
    before = _keys(emu)
    result = run_playbook(ROLE_PLAYBOOK, extra_vars=dict(
        setup_resource_group=RG, setup_instance_name=INST0, setup_location=LOCATION, setup_exclusive=True,
        setup_role_assignments=[dict(assignee_object_id=ALICE, principal_type="User"),
                                dict(assignee_object_id=SP_PIPELINE, principal_type="ServicePrincipal", role=DATA_READER)]))
    after = _keys(emu)
    problems = [] if result.rc == 0 else ["the role failed: %s" % playbook_failure_message(result.stdout)]
    removed, added = before - after, after - before
    if removed != {_key(inst0, BOB, DATA_OWNER)}:
        problems.append("removed: %s" % sorted(removed))
    if added != {_key(inst0, ALICE, DATA_OWNER)}:
        problems.append("added: %s" % sorted(added))
    _record(recorder, "lp-exclusive", problems)
    scope_problems = ["assignment added above or beside the instance: %s" % (k,) for k in added if k[0] != inst0.lower()]
    if not added:
        scope_problems.append("nothing was assigned")
    _record(recorder, "lp-role-scope", scope_problems)
    assert not problems + scope_problems, "\n".join(problems + scope_problems) + "\n" + result.output[-4000:]


def test_teardown_removes_only_its_instance(emu, run, run_playbook, recorder):
    emu.settings(provisioning_delay_seconds=0, deletion_delay_seconds=0)
    emu.bulk_instances(count=2, resource_group=RG, name_prefix="dt-lp", location=LOCATION)
    rg_scope, prefix = _scopes(emu)
    inst0, inst1 = prefix + INST0, prefix + INST1
    _assign(run, inst0, ALICE, DATA_OWNER)
    _assign(run, inst1, CAROL, DATA_OWNER)
    _assign(run, rg_scope, CAROL, DATA_READER)
    before = _keys(emu)
    result = run_playbook(str(ROOT / "playbooks" / "teardown.yml"), extra_vars=dict(setup_resource_group=RG, setup_instance_name=INST0))
    state = emu.state()
    after = {assignment_key(a) for a in state["role_assignments"]}
    problems = [] if result.rc == 0 else ["teardown failed: %s" % playbook_failure_message(result.stdout)]
    names = sorted(i["name"] for i in state["instances"])
    if names != [INST1]:
        problems.append("instances left: %s" % names)
    if [g["name"] for g in state["resource_groups"]] != [RG]:
        problems.append("resource groups left: %s" % [g["name"] for g in state["resource_groups"]])
    if before - after != {_key(inst0, ALICE, DATA_OWNER)} or after - before:
        problems.append("assignments removed %s, added %s" % (sorted(before - after), sorted(after - before)))
    _record(recorder, "lp-teardown", problems)
    assert not problems, "\n".join(problems) + "\n" + result.output[-4000:]


def _role_by(emu, run, run_playbook, env, new_group):
    emu.settings(provisioning_delay_seconds=0, deletion_delay_seconds=0)
    if not new_group:
        assert not run("resource_group", name=RG, location=LOCATION).get("failed")
    before = snapshot(emu.state())
    mark = _last_seq(emu)
    result = run_playbook(ROLE_PLAYBOOK, env=env, extra_vars=dict(
        setup_resource_group=RG, setup_instance_name="dt-lp-new", setup_location=LOCATION,
        setup_role_assignments=[dict(assignee_object_id=ALICE, principal_type="User")]))
    state = emu.state()
    problems = []
    if result.rc == 0:
        problems.append("the role succeeded")
    problems += ["output shows %r" % m for m in unclean(result.output)]
    if snapshot(state) != before:
        problems.append("Azure changed: %s -> %s" % (before, snapshot(state)))
    problems += state_problems(state)
    return problems, result, write_requests(emu.requests(since=mark))


def test_rightless_principal_changes_nothing(emu, run, run_playbook, recorder, rightless_caller):
    problems, result, writes = _role_by(emu, run, run_playbook, rightless_caller, new_group=True)
    if accepted(writes):
        problems.append("accepted writes: %s" % ["%s %s" % (w["method"], w["status"]) for w in accepted(writes)])
    message = playbook_failure_message(result.stdout)
    if "AuthorizationFailed" not in message and "permission" not in message.lower():
        problems.append("unclear message: %s" % message[:200])
    _record(recorder, "lp-no-rights", problems)
    assert not problems, "\n".join(problems) + "\n" + result.output[-4000:]


# A host whose dry run failed gets nothing written and fails at the end, with the dry run's message.
PLAN_CHECK_TASK = "Fail with the original error, then the rollback's outcome"
CONTRIBUTOR_WORDS = ("lacks Microsoft.Authorization/roleAssignments/write", "Owner, User Access Administrator or Role Based "
                     "Access Control Administrator", "Contributor is not enough")


def _failed_task(output):
    """The name of the task of the last failure in default-callback output."""
    task = failed = None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[len("TASK ["):].split("]", 1)[0].split(" : ", 1)[-1]
        elif line.startswith(("fatal: ", "failed: ")):
            failed = task
    return failed


def test_contributor_fails_in_the_dry_run(emu, run, run_playbook, recorder):
    """No rollback needed: the preflight's dry run of the assignments checks the caller's permissions at the group."""
    problems, result, writes = _role_by(emu, run, run_playbook, seeded_caller(emu, "limited"), new_group=False)
    message = playbook_failure_message(result.stdout)
    problems += ["message lacks %r: %s" % (w, message[:300]) for w in CONTRIBUTOR_WORDS if w not in message]
    if _failed_task(result.stdout) != PLAN_CHECK_TASK:
        problems.append("failed at task %r, not in the preflight dry run" % _failed_task(result.stdout))
    if writes:
        problems.append("write requests sent: %s" % ["%s %s %s" % (w["method"], w["path"], w["status"]) for w in writes])
    _record(recorder, "lp-contributor", problems)
    assert not problems, "\n".join(problems) + "\n" + result.output[-4000:]


def test_contributor_on_an_existing_instance_changes_nothing_at_all(emu, run, run_playbook, recorder):
    """New tags and public access for an existing instance: the preflight plans the assignments before any write, so
    a caller that may not assign roles does not get the group or instance updated either."""
    emu.settings(provisioning_delay_seconds=0)
    emu.bulk_instances(count=1, resource_group=RG, name_prefix="dt-lp", location=LOCATION)
    before = snapshot(emu.state())
    mark = _last_seq(emu)
    result = run_playbook(ROLE_PLAYBOOK, env=seeded_caller(emu, "limited"), extra_vars=dict(
        setup_resource_group=RG, setup_instance_name=INST0, setup_location=LOCATION,
        setup_resource_group_tags={"owner": "lp"}, setup_instance_tags={"owner": "lp"},
        setup_public_network_access="Disabled",
        setup_role_assignments=[dict(assignee_object_id=ALICE, principal_type="User")]))
    writes = write_requests(emu.requests(since=mark))
    problems = ["the role succeeded"] if result.rc == 0 else []
    message = playbook_failure_message(result.stdout)
    problems += ["message lacks %r: %s" % (w, message[:300]) for w in CONTRIBUTOR_WORDS + ("Nothing was changed",)
                 if w not in message]
    if _failed_task(result.stdout) != PLAN_CHECK_TASK:
        problems.append("failed at task %r, not in the preflight" % _failed_task(result.stdout))
    if writes:
        problems.append("write requests sent: %s" % ["%s %s %s" % (w["method"], w["path"], w["status"]) for w in writes])
    if snapshot(emu.state()) != before:
        problems.append("Azure changed")
    _record(recorder, "lp-contributor-existing", problems)
    assert not problems, "\n".join(problems) + "\n" + result.output[-4000:]


def test_contributor_in_a_new_group_is_stopped_before_any_assignment_and_rolled_back(emu, run, run_playbook, recorder):
    """A group that does not exist cannot be checked in advance (no permissions operation above it): the access call
    checks before its first write, once the group and instance exist, and the host's rollback deletes both."""
    problems, result, writes = _role_by(emu, run, run_playbook, seeded_caller(emu, "limited"), new_group=True)
    message = playbook_failure_message(result.stdout)
    problems += ["message lacks %r: %s" % (w, message[:300]) for w in CONTRIBUTOR_WORDS + (
        "This run had created instance dt-lp-new and resource group %s" % RG,
        "Rolled back: deleted instance dt-lp-new", "Rolled back: deleted resource group %s" % RG) if w not in message]
    sent = [(w["method"], w["path"].rsplit("/", 2)[-2].lower()) for w in writes]
    expected = [("PUT", "resourcegroups"), ("PUT", "digitaltwinsinstances"), ("DELETE", "digitaltwinsinstances"),
                ("DELETE", "resourcegroups")]
    if sent != expected:
        shown = ["%s %s %s" % (w["method"], w["path"], w["status"]) for w in writes]
        problems.append("writes other than the group, the instance and their rollback: %s" % shown)
    _record(recorder, "lp-contributor-new-group", problems)
    assert not problems, "\n".join(problems) + "\n" + result.output[-4000:]
