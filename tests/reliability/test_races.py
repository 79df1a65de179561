# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook runs at once on the same instance and assignments (three of the modules, two of the role): one instance, no duplicate assignment, every
run succeeds or fails cleanly, and a run afterwards changes nothing."""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor

from reliability_cases import ALICE, CAROL, DATA_READER, LOCATION, SP_PIPELINE, TABLE_CHECKS  # pylint: disable=import-error
from reliability_support import ROLE_PLAYBOOK, assignment_key, recap, state_problems, unclean  # pylint: disable=import-error

MODULE_RUNS = 3
ROLE_RUNS = 2
RG = "rg-race"
NAME = "dt-race"

MODULES_PLAYBOOK = textwrap.dedent("""\
    - name: Race on one instance and its assignments
      hosts: localhost
      gather_facts: false
      vars:
        ansible_python_interpreter: "{{ ansible_playbook_python }}"
      tasks:
        - name: Resource group
          twinops.digital_twins.resource_group:
            name: %(rg)s
            location: %(location)s
        - name: Instance
          twinops.digital_twins.dt_instance:
            name: %(name)s
            resource_group: %(rg)s
            location: %(location)s
        - name: Data Owner
          twinops.digital_twins.dt_role_assignment:
            instance: %(name)s
            resource_group: %(rg)s
            assignee_object_id: %(alice)s
            principal_type: User
        - name: Data Reader
          twinops.digital_twins.dt_role_assignment:
            instance: %(name)s
            resource_group: %(rg)s
            assignee_object_id: %(carol)s
            principal_type: User
            role: %(reader)s
    """) % dict(rg=RG, name=NAME, location=LOCATION, alice=ALICE, carol=CAROL, reader=DATA_READER)

ROLE_VARS = dict(setup_resource_group=RG, setup_instance_name=NAME, setup_location=LOCATION, setup_exclusive=True,
                 setup_role_assignments=[dict(assignee_object_id=ALICE, principal_type="User"),
                                         dict(assignee_object_id=CAROL, principal_type="User", role=DATA_READER),
                                         dict(assignee_object_id=SP_PIPELINE, principal_type="ServicePrincipal", role=DATA_READER)])


def _race(emu, run_playbook, playbook, extra_vars, expected_assignments, runs, rerun=True):
    emu.settings(provisioning_delay_seconds=1)
    with ThreadPoolExecutor(max_workers=runs) as pool:
        results = list(pool.map(lambda dummy: run_playbook(str(playbook), extra_vars=extra_vars), range(runs)))
    problems = []
    for index, result in enumerate(results):
        problems += ["run %d output shows %r" % (index, marker) for marker in unclean(result.output)]
        if result.rc != 0 and "FAILED!" not in result.stdout:
            problems.append("run %d ended with rc %d without a failed task" % (index, result.rc))
    state = emu.state()
    problems += state_problems(state)
    instances = [i for i in state["instances"] if i["name"] == NAME]
    if len(instances) != 1:
        problems.append("%d instances named %s" % (len(instances), NAME))
    groups = [g for g in state["resource_groups"] if g["name"] == RG]
    if len(groups) != 1:
        problems.append("%d resource groups named %s" % (len(groups), RG))
    scope = instances[0]["id"].lower() if instances else ""
    keys = [assignment_key(a) for a in state["role_assignments"] if assignment_key(a)[0] == scope]
    if len(keys) != expected_assignments:
        problems.append("%d assignments on the instance, %d expected" % (len(keys), expected_assignments))
    if rerun:
        after = run_playbook(str(playbook), extra_vars=extra_vars)
        counts = recap(after.stdout)
        if after.rc != 0 or counts.get("changed", -1) != 0:
            problems.append("the run after the race did not converge (rc %d, recap %s)" % (after.rc, counts))
    ok = sum(1 for r in results if r.rc == 0)
    return problems, ok, results


def _record(recorder, check_id, problems, ok, runs):
    verdict = "as expected" if not problems else "UNEXPECTED: " + "; ".join(problems)
    recorder.record(TABLE_CHECKS, check_id, verdict=verdict, runs=runs, succeeded=ok)


def test_concurrent_module_playbooks(emu, run_playbook, recorder, tmp_path):
    playbook = tmp_path / "race.yml"
    playbook.write_text(MODULES_PLAYBOOK)
    problems, ok, results = _race(emu, run_playbook, playbook, None, 2, MODULE_RUNS)
    _record(recorder, "race-modules", problems, ok, MODULE_RUNS)
    assert not problems, "\n".join(problems) + "\n\n" + "\n=====\n".join(r.output[-3000:] for r in results)


def test_concurrent_role_runs(emu, run_playbook, recorder, tmp_path):
    playbook = tmp_path / "race-role.yml"
    playbook.write_text(ROLE_PLAYBOOK)
    # No run afterwards: the role's idempotence is covered elsewhere, and a role run costs about a minute here.
    problems, ok, results = _race(emu, run_playbook, playbook, ROLE_VARS, 3, ROLE_RUNS, rerun=False)
    _record(recorder, "race-role", problems, ok, ROLE_RUNS)
    assert not problems, "\n".join(problems) + "\n\n" + "\n=====\n".join(r.output[-3000:] for r in results)
