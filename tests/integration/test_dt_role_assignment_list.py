# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The list form of dt_role_assignment against the emulator: a declared set over one or many instances, exclusive,
verification, check mode on instances that do not exist yet, and dt_role_assignment_info on a missing instance."""

from __future__ import annotations

import textwrap

import pytest
from conftest import held  # pylint: disable=import-error

DATA_OWNER = "Azure Digital Twins Data Owner"
DATA_READER = "Azure Digital Twins Data Reader"
ALICE = "0e000000-0000-4000-8000-00000000a11c"
BOB = "0e000000-0000-4000-8000-00000000b0b0"
CAROL = "0e000000-0000-4000-8000-00000000ca01"
SP_PIPELINE = "a0700000-0000-4000-8000-0000000000a4"
RG = "rg-twins-set"
ASSIGNMENTS = "/providers/microsoft.authorization/roleassignments"


@pytest.fixture
def instances(emu):
    """Three instances (set-00000 .. set-00002) made through the admin API; {name: scope}."""
    emu.bulk_instances(count=3, resource_group=RG, name_prefix="set")
    sub = emu.seed["subscription"]["id"]
    return dict(("set-%05d" % i, "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DigitalTwins/"
                 "digitalTwinsInstances/set-%05d" % (sub, RG, i)) for i in range(3))


@pytest.fixture
def run(run_module):
    """run_module with dt_role_assignment as the default module."""

    def _run(name="dt_role_assignment", **args):
        return run_module(name, **args)

    return _run


def failed(result):
    assert result.get("failed"), "expected a failure, got %r" % (result,)
    return result["msg"]


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


DECLARED = [
    dict(assignee="alice@contoso.com"),
    dict(assignee="bob@outlook.com", role=DATA_READER),
    dict(assignee_object_id=SP_PIPELINE, principal_type="ServicePrincipal", role=DATA_READER),
]


def strip(states):
    return sorted((s["id"], s["principal_id"], s["role_definition_id"], s["assignee"]) for s in states)


def test_four_runs_check_apply_check_apply(emu, run, instances, writes):
    args = dict(instance="set-00000", resource_group=RG, assignments=DECLARED, exclusive=True)
    check = ok(run(check=True, **args))
    assert check["changed"] and len(check["added"]) == 3 and check["removed"] == []
    assert writes() == [], "check mode must not write"
    apply = ok(run(**args))
    assert apply["changed"] and len(apply["added"]) == 3
    assert strip(check["assignments"]) == strip(apply["assignments"]), "the prediction equals the applied state"
    assert [a["assignee"] for a in apply["assignments"]] == ["alice@contoso.com", "bob@outlook.com", SP_PIPELINE]
    assert held(emu, instances["set-00000"]) == {(ALICE, DATA_OWNER), (BOB, DATA_READER), (SP_PIPELINE, DATA_READER)}
    written = len(writes())
    again_check = ok(run(check=True, **args))
    again = ok(run(**args))
    assert not again_check["changed"] and not again["changed"]
    assert again["added"] == [] and again["removed"] == []
    assert len(writes()) == written, "a converged set writes nothing"
    assert strip(again["assignments"]) == strip(apply["assignments"])
    assert "diff" in apply and apply["diff"]["before"][instances["set-00000"]] == []
    assert len(apply["diff"]["after"][instances["set-00000"]]) == 3


def test_no_change_pass_costs_one_list_per_scope(emu, run, instances, mark):
    items = [dict(assignee_object_id=ALICE, principal_type="User", instance=name, resource_group=RG)
             for name in sorted(instances)]
    ok(run(assignments=items))
    start = mark()
    again = ok(run(assignments=items))
    assert not again["changed"]
    arm = [r for r in emu.requests(since=start) if ASSIGNMENTS in r["path"].lower()]
    assert len(arm) == 3 and all(r["method"] == "GET" for r in arm), arm


def test_exclusive_removes_undeclared_data_roles_and_leaves_inherited_and_other_roles(emu, run, instances):
    scope = instances["set-00001"]
    rg_scope = scope.split("/providers/")[0]
    ok(run(scope=rg_scope, assignee_object_id=BOB, principal_type="User"))                   # inherited Data Owner
    ok(run(scope=scope, assignee_object_id=CAROL, principal_type="User"))                    # undeclared, direct
    ok(run(scope=scope, assignee_object_id=CAROL, principal_type="User", role="Reader"))     # another role
    ok(run(scope=scope, assignee_object_id=ALICE, principal_type="User", role=DATA_READER))  # undeclared pair
    result = ok(run(instance="set-00001", resource_group=RG, exclusive=True,
                    assignments=[dict(assignee_object_id=ALICE, principal_type="User")]))
    assert result["changed"]
    assert sorted((s["principal_id"], s["role_name"]) for s in result["removed"]) == [
        (ALICE, DATA_READER), (CAROL, DATA_OWNER)]
    assert held(emu, scope) == {(ALICE, DATA_OWNER), (CAROL, "Reader")}
    assert (BOB, DATA_OWNER) in held(emu, rg_scope), "an inherited assignment is never touched"
    assert not ok(run(instance="set-00001", resource_group=RG, exclusive=True,
                      assignments=[dict(assignee_object_id=ALICE, principal_type="User")]))["changed"]


def test_exclusive_manages_declared_non_data_roles_too(emu, run, instances):
    scope = instances["set-00000"]
    ok(run(scope=scope, assignee_object_id=CAROL, principal_type="User", role="Reader"))
    result = ok(run(scope=scope, exclusive=True,
                    assignments=[dict(assignee_object_id=ALICE, principal_type="User", role="Reader")]))
    assert [(s["principal_id"], s["role_name"]) for s in result["removed"]] == [(CAROL, "Reader")]
    assert held(emu, scope) == {(ALICE, "Reader")}


def test_state_absent_items_remove(emu, run, instances):
    scope = instances["set-00002"]
    ok(run(scope=scope, assignee_object_id=CAROL, principal_type="User"))
    result = ok(run(scope=scope, assignments=[dict(assignee_object_id=CAROL, state="absent"),
                                              dict(assignee_object_id=ALICE, principal_type="User")]))
    assert [s["principal_id"] for s in result["removed"]] == [CAROL]
    assert held(emu, scope) == {(ALICE, DATA_OWNER)}


def test_cross_instance_items_in_one_call(emu, run, instances, mark):
    items = [dict(instance=name, resource_group=RG, assignee="alice@contoso.com") for name in sorted(instances)]
    items.append(dict(scope=instances["set-00002"], assignee="alice@contoso.com", role=DATA_READER))
    start = mark()
    result = ok(run(assignments=items))
    assert len(result["added"]) == 4
    for name, scope in instances.items():
        assert (ALICE, DATA_OWNER) in held(emu, scope), name
    assert (ALICE, DATA_READER) in held(emu, instances["set-00002"])
    graph = [r for r in emu.requests(since=start) if r["path"].lower().startswith("/v1.0/users")]
    assert len(graph) == 1, "one directory look-up per distinct assignee"


@pytest.mark.parametrize("bad, words", [
    (dict(assignee="alice@contoso.com", assignee_object_id=ALICE), "exactly one of assignee and assignee_object_id"),
    (dict(assignee_object_id="not-a-guid", principal_type="User"), "is not an object id"),
    (dict(assignee_object_id=ALICE), "principal_type is required"),
    (dict(assignee="alice@contoso.com", role="/subscriptions/x/foo"), "not a role definition id"),
    (dict(assignee="alice@contoso.com", scope="/subscriptions/x/../.."), "is not an Azure scope"),
    (dict(assignee="alice@contoso.com", instance="-bad-"), "not a valid Azure Digital Twins instance name"),
    (dict(assignee="alice@contoso.com", role="No Such Role"), "No Such Role"),
    (dict(assignee="nobody@contoso.com"), "nobody@contoso.com"),
])
def test_a_bad_item_fails_naming_it_and_nothing_is_written(emu, run, instances, writes, bad, words):
    items = [dict(assignee_object_id=ALICE, principal_type="User"), bad]
    msg = failed(run(instance="set-00000", resource_group=RG, assignments=items))
    assert msg.startswith("assignments[1] ("), msg
    assert words in msg and "Nothing was changed" in msg, msg
    assert writes() == []


def test_the_same_assignment_present_and_absent_is_refused(emu, run, instances, writes):
    msg = failed(run(instance="set-00000", resource_group=RG, assignments=[
        dict(assignee_object_id=ALICE, principal_type="User"), dict(assignee_object_id=ALICE, state="absent")]))
    assert "both present and absent" in msg
    assert writes() == []


def test_verification_failure_names_what_is_missing_as_written(emu, run, instances):
    emu.settings(role_assignment_list_lag_seconds=3600)
    msg = failed(run(instance="set-00000", resource_group=RG, verify_timeout=2,
                     assignments=[dict(assignee="alice@contoso.com"),
                                  dict(assignee_object_id=CAROL, principal_type="User", role=DATA_READER)]))
    assert "Missing: alice@contoso.com (Azure Digital Twins Data Owner) on instance 'set-00000' in resource group " \
           "'rg-twins-set'; %s (Azure Digital Twins Data Reader) on instance 'set-00000'" % CAROL in msg, msg
    assert "verify_timeout" in msg


def test_missing_instance_fails_the_real_run_before_any_write(emu, run, instances, writes):
    msg = failed(run(assignments=[dict(instance="set-99999", resource_group=RG, assignee_object_id=ALICE,
                                       principal_type="User"),
                                  dict(instance="set-00000", resource_group=RG, assignee_object_id=ALICE,
                                       principal_type="User")]))
    assert "'set-99999' does not exist" in msg and "Nothing was changed" in msg
    assert writes() == []


@pytest.mark.parametrize("form", ["list", "single"])
def test_check_mode_on_an_instance_that_does_not_exist_yet_predicts_everything_added(emu, run, writes, form):
    if form == "list":
        result = ok(run(check=True, instance="dt-new", resource_group="rg-new", assignments=DECLARED))
        assert len(result["added"]) == 3
    else:
        result = ok(run(check=True, instance="dt-new", resource_group="rg-new", assignee="alice@contoso.com"))
        assert result["changed"] and result["assignment"]["principal_id"] == ALICE
    assert any("does not exist yet" in w and "earlier task" in w for w in result["warning_texts"])
    assert writes() == []


def test_check_create_then_assign_play_on_a_new_instance(emu, run_playbook, writes):
    playbook = textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - name: Resource group
              twinops.digital_twins.resource_group:
                name: rg-play-new
                location: westus2
            - name: Instance
              twinops.digital_twins.dt_instance:
                name: dt-play-new
                resource_group: rg-play-new
                location: westus2
            - name: Access
              twinops.digital_twins.dt_role_assignment:
                instance: dt-play-new
                resource_group: rg-play-new
                assignee: alice@contoso.com
        """)
    check = run_playbook(playbook, check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.recap()["localhost"]["changed"] == 3
    assert writes() == []
    apply = run_playbook(playbook)
    assert apply.rc == 0 and apply.recap()["localhost"]["changed"] == 3, apply.output


def test_unknown_object_id_is_assigned_and_warned_about_when_the_directory_is_read_anyway(emu, run, instances):
    ghost = "0e000000-0000-4000-8000-0000000000ff"
    result = ok(run(instance="set-00000", resource_group=RG,
                    assignments=[dict(assignee_object_id=ghost, principal_type="User"),
                                 dict(assignee="alice@contoso.com")]))
    assert result["changed"] and len(result["added"]) == 2
    assert any(ghost in w and "not an object in the directory" in w for w in result["warning_texts"])


def test_object_ids_alone_cost_no_directory_request(emu, run, instances, mark):
    start = mark()
    ghost = "0e000000-0000-4000-8000-0000000000ff"
    result = ok(run(instance="set-00000", resource_group=RG,
                    assignments=[dict(assignee_object_id=ghost, principal_type="User")]))
    assert result["changed"] and result["warning_texts"] == []
    assert [r for r in emu.requests(since=start) if r["path"].lower().startswith("/v1.0/")] == []


def test_info_fails_for_a_missing_instance(emu, run, instances):
    msg = failed(run("dt_role_assignment_info", instance="set-99999", resource_group=RG))
    assert "'set-99999' does not exist" in msg
