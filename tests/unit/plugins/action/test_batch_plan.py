# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
from unittest.mock import MagicMock

import pytest
import yaml

from ansible.errors import AnsibleActionFail
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.twinops.digital_twins.plugins.action import batch_plan
from ansible_collections.twinops.digital_twins.plugins.module_utils._declaration import build

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "setup")
with open(os.path.join(ROLE, "vars", "main.yml"), encoding="utf-8") as handle:
    REGISTERED = yaml.safe_load(handle)["setup_registered"]


def declare(name, group, state="present"):
    values = dict(setup_instance_name=name, setup_resource_group=group, setup_state=state, setup_location="westus2",
                  setup_purge_tags=True, setup_create_resource_group=True, setup_delete_resource_group=False,
                  setup_resource_group_tags=None, setup_instance_tags=None, setup_instance_identity=None,
                  setup_public_network_access=None, setup_data_owners=["alice@contoso.com"], setup_data_readers=[],
                  setup_role_assignments=[], setup_exclusive=False, setup_wait=True, setup_verify=True,
                  setup_wait_timeout=1200, setup_principal_wait_timeout=180)
    return build("host-" + name, values)


class RawHostVars:
    """Stands in for ansible-core's HostVars: raw_get returns a host's variables, untemplated."""

    def __init__(self, variables):
        self.variables = variables
        self.read = []

    def raw_get(self, host):
        self.read.append(host)
        return self.variables[host]

    def __getitem__(self, host):
        raise AssertionError("the declarations are read raw, not templated")


def action(step):
    task = Task()
    task.args = dict(step=step, registered=dict(REGISTERED))
    return batch_plan.ActionModule(task, MagicMock(), PlayContext(), loader=MagicMock(), templar=None,
                                   shared_loader_obj=None)


def test_the_role_registers_its_results_under_the_names_it_passes():
    """Every name the role passes is registered by one of its tasks (vars/main.yml and the tasks agree)."""
    registered = set()
    for name in ("main.yml", "apply.yml"):
        with open(os.path.join(ROLE, "tasks", name), encoding="utf-8") as handle:
            for task in yaml.safe_load(handle):
                for inner in [task] + task.get("block", []):
                    registered.add(inner.get("register"))
    assert set(REGISTERED.values()) <= registered
    assert set(REGISTERED) == {"declaration"} | set(batch_plan.CALLS)


def test_declarations_are_read_raw_from_the_hosts_of_the_batch():
    a, b = declare("dt-a", "rg"), declare("dt-b", "rg", state="absent")
    hostvars = RawHostVars({"a": {"setup_declared": {"declaration": a, "changed": False}},
                            "b": {"setup_declared": {"declaration": b}},
                            "c": {"setup_declared": {"failed": True, "msg": "Validation of arguments failed"}},
                            "d": {}, "e": {"setup_declared": {"declaration": declare("dt-e", "rg")}}})
    assert batch_plan.declarations(hostvars, ["a", "b", "c", "d"], "setup_declared") == [a, b, None, None]
    assert hostvars.read == ["a", "b", "c", "d"]  # only the batch's hosts


def test_declarations_from_a_mapping_without_raw_get():
    a = declare("dt-a", "rg")
    assert batch_plan.declarations({"a": {"setup_declared": {"declaration": a}}}, ["a"], "setup_declared") == [a]


def test_collect_returns_the_batch_and_the_inputs_of_the_dry_runs():
    a, b = declare("dt-a", "rg"), declare("dt-b", "rg", state="absent")
    hostvars = RawHostVars({"a": {"setup_declared": {"declaration": a}}, "b": {"setup_declared": {"declaration": b}},
                            "c": {}})
    result = action("collect").run(task_vars=dict(hostvars=hostvars, ansible_play_batch=["a", "b", "c"]))
    assert result["changed"] is False and not result.get("failed")
    assert result["batch"] == [a, b]
    assert result["targets"] == [a["access"]]
    assert (result["wait"], result["wait_timeout"], result["principal_wait_timeout"], result["verify"]) == (
        True, 1200, 180, True)
    assert result["shared_resource_groups"] == ["rg"]


def test_a_step_reads_the_registered_results_by_name():
    a, b = declare("dt-a", "rg"), declare("dt-b", "rg")
    task_vars = dict(setup_batch={"batch": [a, b]},
                     setup_plan_access={"targets": [{"instance": "DT-B", "resource_group": "rg", "failed": True}]})
    assert action("access_planned").run(task_vars=task_vars)["instances"] == [a["instance"]]
    task_vars["setup_plan_instances"] = {"instances": [{"name": "dt-a", "resource_group": "rg", "changed": True,
                                                        "resource_group_exists": True}]}
    planned = action("planned").run(task_vars=task_vars)
    assert planned["apply"] is True and planned["resource_groups"] == []
    assert planned["results"]["present"] == ["setup_plan_access", "setup_plan_instances", "setup_resource_groups",
                                             "setup_instances", "setup_access"]


def test_check_mode_comes_from_ansible_check_mode():
    a = declare("dt-a", "rg")
    task_vars = dict(setup_batch={"batch": [a]}, setup_plan_access={"skipped": True},
                     setup_plan_instances={"instances": [{"name": "dt-a", "resource_group": "rg", "changed": True,
                                                          "resource_group_exists": True}]},
                     setup_resource_groups={"skipped": True})
    assert action("groups_converged").run(task_vars=dict(task_vars))["instances"] == [a["instance"]]
    assert action("groups_converged").run(task_vars=dict(task_vars, ansible_check_mode=True))["instances"] == []


def test_a_step_before_its_calls_fails_naming_what_is_missing():
    with pytest.raises(AnsibleActionFail, match="reads the result registered as setup_plan_instances"):
        action("planned").run(task_vars=dict(setup_batch={"batch": []}, setup_plan_access={"skipped": True}))


def test_a_step_without_the_collected_batch_fails():
    with pytest.raises(AnsibleActionFail, match="expects setup_batch to be the result of the step collect"):
        action("access_planned").run(task_vars=dict(setup_batch=[], setup_plan_access={"skipped": True}))


def test_an_unknown_step_fails_validation():
    with pytest.raises(AnsibleActionFail, match="value of step must be one of: collect, access_planned"):
        action("apply").run(task_vars={})
