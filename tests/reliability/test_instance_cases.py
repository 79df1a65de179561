# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of dt_instance and resource_group that are not single fault cases: rolling back an instance whose create
ended Failed, and concurrent runs creating the same instance."""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor

from reliability_cases import LOCATION, TABLE_CHECKS  # pylint: disable=import-error
from reliability_support import state_problems, unclean  # pylint: disable=import-error

RACE_RUNS = 4
RACE_RG = "rg-race-name"
RACE_NAME = "dt-race-name"

RACE_PLAYBOOK = textwrap.dedent("""\
    - name: Create the same instance from several runs at once
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
            tags:
              purpose: race
    """) % dict(rg=RACE_RG, name=RACE_NAME, location=LOCATION)


def _record(recorder, check_id, problems, **extra):
    recorder.record(TABLE_CHECKS, check_id, verdict="as expected" if not problems else "UNEXPECTED: " + "; ".join(problems),
                    **extra)


def test_rollback_of_a_failed_instance(emu, run, recorder):
    emu.settings(provisioning_delay_seconds=0)
    rg, name = "rg-rollback", "dt-rollback"
    problems = []
    assert not run("resource_group", name=rg, location=LOCATION).get("failed")
    emu.set_behaviour(instance_name=name, provisioning_result="Failed")

    created = run("dt_instance", name=name, resource_group=rg, location=LOCATION)
    instance = created.get("instance") or {}
    if not created.get("failed"):
        problems.append("the create did not fail")
    if created.get("created") is not True:
        problems.append("the failed result does not say created: true (%r)" % created.get("created"))
    if instance.get("provisioning_state") != "Failed" or not (instance.get("id") or "").endswith("/" + name):
        problems.append("the failed result does not hold the Failed instance (%r)" % instance)

    refused = run("resource_group", name=rg, state="absent")
    if not refused.get("failed") or name not in refused.get("msg", ""):
        problems.append("state=absent without delete_resources did not refuse, naming the instance: %r" % refused.get("msg"))

    deleted = run("resource_group", name=rg, state="absent", delete_resources=[instance.get("id") or "missing"])
    if deleted.get("failed") or not deleted.get("changed"):
        problems.append("state=absent with delete_resources did not delete the group: %r" % deleted.get("msg"))
    state = emu.state()
    if any(g["name"] == rg for g in state["resource_groups"]) or any(i["name"] == name for i in state["instances"]):
        problems.append("the group or the instance is still there")
    problems += state_problems(state)
    _record(recorder, "rollback-failed-instance", problems)
    assert not problems, "\n".join(problems)


def test_concurrent_runs_create_one_instance(emu, run_playbook, recorder, tmp_path):
    emu.settings(provisioning_delay_seconds=2)
    playbook = tmp_path / "race-name.yml"
    playbook.write_text(RACE_PLAYBOOK)
    with ThreadPoolExecutor(max_workers=RACE_RUNS) as pool:
        results = list(pool.map(lambda dummy: run_playbook(str(playbook)), range(RACE_RUNS)))
    problems = []
    for index, result in enumerate(results):
        problems += ["run %d output shows %r" % (index, marker) for marker in unclean(result.output)]
        if result.rc != 0:
            failed = [line for line in result.stdout.splitlines() if "FAILED!" in line]
            problems.append("run %d failed: %s" % (index, failed[-1][:300] if failed else "rc %d" % result.rc))
    state = emu.state()
    problems += state_problems(state)
    found = [i for i in state["instances"] if i["name"] == RACE_NAME]
    if len(found) != 1:
        problems.append("%d instances named %s" % (len(found), RACE_NAME))
    ok = sum(1 for r in results if r.rc == 0)
    _record(recorder, "race-instance-name", problems, runs=RACE_RUNS, succeeded=ok)
    assert not problems, "\n".join(problems) + "\n\n" + "\n=====\n".join(r.output[-2000:] for r in results)
