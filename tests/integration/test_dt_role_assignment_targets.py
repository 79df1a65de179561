# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The targets form of dt_role_assignment against the emulator: many instances, one declared set each, each converging
or failing on its own; check mode on instances that do not exist yet; warnings only for what a run adds; and the
request budgets of a fleet (one list per target, the rest shared)."""

from __future__ import annotations

import textwrap

import pytest
from conftest import held, new_caller, write_calls  # pylint: disable=import-error

DATA_OWNER = "Azure Digital Twins Data Owner"
DATA_READER = "Azure Digital Twins Data Reader"
ALICE = "0e000000-0000-4000-8000-00000000a11c"
BOB = "0e000000-0000-4000-8000-00000000b0b0"
CAROL = "0e000000-0000-4000-8000-00000000ca01"
SP_PIPELINE = "a0700000-0000-4000-8000-0000000000a4"
RG = "rg-twins-fleet"
WRITE = "Microsoft.Authorization/roleAssignments/write"


@pytest.fixture
def fleet(emu):
    """Ten instances (tg-00000 .. tg-00009) in one resource group; {name: scope}."""
    emu.settings(provisioning_delay_seconds=0, deletion_delay_seconds=0)
    emu.bulk_instances(count=10, resource_group=RG, name_prefix="tg")
    return dict(("tg-%05d" % i, scope_of("tg-%05d" % i, emu)) for i in range(10))


def scope_of(name, emu, resource_group=RG):
    return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DigitalTwins/digitalTwinsInstances/%s"
            % (emu.seed["subscription"]["id"], resource_group, name))


@pytest.fixture
def run(run_module):
    def _run(**args):
        return run_module("dt_role_assignment", **args)

    return _run


def graph(entries):
    return [e for e in entries if e["path"].lower().startswith("/v1.0/")]


def split(entries):
    """(role assignment lists, other ARM requests) of a request log; sign-in and Graph requests are left out."""
    arm = [e for e in entries if e["path"].lower().startswith("/subscriptions/")]
    return ([e for e in arm if e["path"].lower().endswith("/roleassignments")],
            [e for e in arm if not e["path"].lower().endswith("/roleassignments")])


def target(name, *assignments, **extra):
    return dict(instance=name, resource_group=RG, assignments=list(assignments), **extra)


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def by_instance(result):
    return dict((entry["instance"], entry) for entry in result["targets"])


def user(object_id, **extra):
    return dict(assignee_object_id=object_id, principal_type="User", **extra)


# ---- converging ----------------------------------------------------------------------------------------------------

def test_three_targets_converge_then_a_second_run_changes_nothing(emu, run, fleet, mark):
    targets = [target("tg-00000", dict(assignee="alice@contoso.com"), dict(assignee="bob@outlook.com", role=DATA_READER)),
               target("tg-00001", dict(assignee="bob@outlook.com")),
               target("tg-00002", dict(assignee_object_id=SP_PIPELINE, principal_type="ServicePrincipal"))]
    first = ok(run(targets=targets))
    assert first["changed"] is True and len(first["added"]) == 4 and first["removed"] == []
    entries = first["targets"]
    assert [e["instance"] for e in entries] == ["tg-00000", "tg-00001", "tg-00002"]
    assert [(e["changed"], e["failed"], e["instance_exists"], len(e["added"])) for e in entries] == [
        (True, False, True, 2), (True, False, True, 1), (True, False, True, 1)]
    assert entries[0]["msg"] == "added 2 assignments" and entries[0]["scope"] == fleet["tg-00000"]
    assert entries[0]["resource_group"] == RG and entries[0]["exclusive"] is False
    assert [a["assignee"] for a in entries[0]["assignments"]] == ["alice@contoso.com", "bob@outlook.com"]
    assert entries[0]["diff"] == {"before": {fleet["tg-00000"]: []}, "after": {fleet["tg-00000"]: sorted([
        "%s: alice@contoso.com (%s)" % (DATA_OWNER, ALICE), "%s: bob@outlook.com (%s)" % (DATA_READER, BOB)])}}
    assert set(first["diff"]["after"]) == set(fleet[n] for n in ("tg-00000", "tg-00001", "tg-00002"))
    assert held(emu, fleet["tg-00000"]) == {(ALICE, DATA_OWNER), (BOB, DATA_READER)}
    assert held(emu, fleet["tg-00001"]) == {(BOB, DATA_OWNER)}
    assert held(emu, fleet["tg-00002"]) == {(SP_PIPELINE, DATA_OWNER)}
    guest = [w for w in first["warning_texts"] if "guest" in w.lower()]
    assert len(guest) == 1, "once per principal per call, though bob is added on two instances: %r" % guest

    start = mark()
    again = ok(run(targets=targets))
    assert again["changed"] is False and again["added"] == [] and again["removed"] == []
    assert [e["msg"] for e in again["targets"]] == ["no change: 2 assignments declared, in place",
                                                    "no change: 1 assignment declared, in place",
                                                    "no change: 1 assignment declared, in place"]
    assert again["warning_texts"] == [], "a run that adds nothing says nothing"
    assert write_calls(emu.requests(since=start)) == []
    assert [e["assignments"] for e in again["targets"]] == [e["assignments"] for e in entries]


def test_exclusive_on_one_target_only(emu, run, fleet):
    for name in ("tg-00000", "tg-00001"):
        ok(run(scope=fleet[name], assignee_object_id=CAROL, principal_type="User"))
    result = ok(run(targets=[target("tg-00000", user(ALICE), exclusive=True), target("tg-00001", user(ALICE))]))
    entries = by_instance(result)
    assert entries["tg-00000"]["exclusive"] is True and entries["tg-00001"]["exclusive"] is False
    assert [s["principal_id"] for s in entries["tg-00000"]["removed"]] == [CAROL]
    assert entries["tg-00001"]["removed"] == []
    assert entries["tg-00000"]["msg"] == "added 1 assignment and removed 1 assignment"
    assert held(emu, fleet["tg-00000"]) == {(ALICE, DATA_OWNER)}
    assert held(emu, fleet["tg-00001"]) == {(ALICE, DATA_OWNER), (CAROL, DATA_OWNER)}
    # the task's exclusive is every target's default, and a target may turn it off
    result = ok(run(exclusive=True, targets=[target("tg-00001", user(ALICE), exclusive=False),
                                             target("tg-00002", user(ALICE))]))
    assert [(e["exclusive"], e["removed"]) for e in result["targets"]] == [(False, []), (True, [])]
    assert held(emu, fleet["tg-00001"]) == {(ALICE, DATA_OWNER), (CAROL, DATA_OWNER)}


# ---- each target fails on its own ----------------------------------------------------------------------------------

def test_an_assignee_that_does_not_resolve_fails_its_target_alone(emu, run, fleet, mark):
    start = mark()
    result = run(targets=[target("tg-00000", dict(assignee="alice@contoso.com")),
                          target("tg-00001", dict(assignee="alice@contoso.com"), dict(assignee="nobody@contoso.com")),
                          target("tg-00002", dict(assignee="carol@contoso.com"))])
    assert result["failed"] is True
    entries = by_instance(result)
    bad = entries["tg-00001"]
    assert bad["failed"] is True and bad["changed"] is False and bad["added"] == []
    assert bad["msg"].startswith("assignments[1] (nobody@contoso.com, %s): " % DATA_OWNER), bad["msg"]
    assert "Nothing was changed." in bad["msg"]
    assert result["msg"].startswith("1 of 3 targets failed: instance 'tg-00001' (resource group '%s'): assignments[1] "
                                    "(nobody@contoso.com" % RG), result["msg"]
    assert [(e["failed"], e["changed"]) for e in (entries["tg-00000"], entries["tg-00002"])] == [(False, True)] * 2
    assert result["changed"] is True and len(result["added"]) == 2
    assert held(emu, fleet["tg-00001"]) == set()
    assert not [w for w in write_calls(emu.requests(since=start)) if "tg-00001" in w[1]], "nothing written for it"
    graph = [e for e in emu.requests(since=start) if e["path"].lower().startswith("/v1.0/")]
    assert not [e for e in graph if "alice" in e["path"] and "carol" not in e["path"]][1:], \
        "each assignee is looked up once for all targets"


def test_a_missing_instance_fails_alone_in_a_real_run(emu, run, fleet, mark):
    start = mark()
    result = run(targets=[target("tg-00000", user(ALICE)), target("tg-99999", user(ALICE)), target("tg-00001", user(ALICE))])
    assert result["failed"] is True
    entries = by_instance(result)
    assert entries["tg-99999"]["failed"] is True and entries["tg-99999"]["changed"] is False
    assert entries["tg-99999"]["instance_exists"] is False
    assert "'tg-99999' does not exist" in entries["tg-99999"]["msg"]
    assert entries["tg-99999"]["msg"].endswith("Nothing was changed. (code: ResourceNotFound, HTTP 404)")
    assert result["msg"].startswith("1 of 3 targets failed: instance 'tg-99999' (resource group '%s'): " % RG)
    assert not entries["tg-00000"]["failed"] and not entries["tg-00001"]["failed"]
    assert held(emu, fleet["tg-00000"]) == {(ALICE, DATA_OWNER)} == held(emu, fleet["tg-00001"])
    assert [m for m, p in write_calls(emu.requests(since=start))] == ["PUT", "PUT"]
    lists = [e for e in emu.requests(since=start) if e["path"].lower().endswith("/digitaltwinsinstances")]
    assert len(lists) == 1, "existence is read with one list of the group's instances"


def test_a_failing_read_fails_its_target_alone_among_concurrent_reads(emu, run, fleet, mark):
    """The ten targets' lists are sent concurrently (more than the pool's bound); the one that fails fails its target
    alone, in check mode and in a real run, and the results keep the input order."""
    names = sorted(fleet)
    targets = [target(name, user(ALICE)) for name in names]
    denied = r"/digitalTwinsInstances/tg-00004/providers/Microsoft\.Authorization/roleAssignments$"
    for check in (True, False):
        emu.inject_fault(path_regex=denied, method="GET", kind="status", status=403, error_code="AuthorizationFailed",
                         count=1)
        start = mark()
        result = run(check=check, targets=targets)
        assert result["failed"] is True
        assert [e["instance"] for e in result["targets"]] == names
        entries = by_instance(result)
        bad = entries.pop("tg-00004")
        assert bad["failed"] is True and bad["changed"] is False and bad["added"] == []
        assert bad["msg"].startswith("Could not list the role assignments at %s" % fleet["tg-00004"]), bad["msg"]
        assert "AuthorizationFailed" in bad["msg"] and bad["instance_exists"] is None
        assert result["msg"].startswith("1 of 10 targets failed: instance 'tg-00004' (resource group '%s'): Could not "
                                        "list the role assignments" % RG), result["msg"]
        assert [(e["failed"], e["changed"], len(e["added"])) for e in entries.values()] == [(False, True, 1)] * 9
        assert set(result["diff"]["after"]) == set(fleet[name] for name in entries)
        lists, dummy = split(emu.requests(since=start))
        assert [e["status"] for e in lists if "tg-00004" in e["path"]] == [403], "not read again, nor retried"
        written = [path for method, path in write_calls(emu.requests(since=start))]
        assert (len(written), any("tg-00004" in path for path in written)) == ((0, False) if check else (9, False))
    assert held(emu, fleet["tg-00004"]) == set()
    assert all(held(emu, fleet[name]) == {(ALICE, DATA_OWNER)} for name in entries)


def test_a_permission_refused_on_one_instance_fails_it_alone(emu, run, fleet, mark):
    caller, env = new_caller(emu, "sp-fleet-caller")
    rg_scope = fleet["tg-00000"].split("/providers/")[0]
    ok(run(scope=rg_scope, assignee_object_id=caller["id"], principal_type="ServicePrincipal", role="Contributor"))
    ok(run(scope=fleet["tg-00000"], assignee_object_id=caller["id"], principal_type="ServicePrincipal",
           role="User Access Administrator"))
    start = mark()
    result = run(env=env, targets=[target("tg-00000", user(ALICE)), target("tg-00001", user(ALICE))])
    entries = by_instance(result)
    assert entries["tg-00000"]["failed"] is False and entries["tg-00000"]["changed"] is True
    refused = entries["tg-00001"]
    assert refused["failed"] is True and refused["changed"] is False
    assert "lacks %s at scope %s" % (WRITE, fleet["tg-00001"]) in refused["msg"]
    assert "Nothing was changed." in refused["msg"]
    assert result["msg"].startswith("1 of 2 targets failed: instance 'tg-00001'")
    assert held(emu, fleet["tg-00001"]) == set() and (ALICE, DATA_OWNER) in held(emu, fleet["tg-00000"])
    assert [m for m, p in write_calls(emu.requests(since=start))] == ["PUT"]
    reads = [e["path"] for e in emu.requests(since=start) if e["path"].lower().endswith("/permissions")]
    assert len(reads) == 3, "the group once (memoised), then each instance the group does not allow: %r" % reads


def test_bad_input_fails_its_target_and_every_target_is_validated_first(emu, run, fleet, mark):
    start = mark()
    result = run(targets=[dict(instance="tg-00000", assignments=[user(ALICE)]),                  # no resource group
                          target("tg-00001", dict(assignee_object_id=ALICE)),                    # no principal type
                          dict(scope=fleet["tg-00002"], resource_group=RG, assignments=[]),      # both forms
                          target("tg-00003")])
    entries = result["targets"]
    assert [e["failed"] for e in entries] == [True, True, True, False]
    assert entries[0]["msg"] == "targets[0]: instance 'tg-00000' needs resource_group. Nothing was changed."
    assert entries[1]["msg"].startswith("assignments[0] (%s, %s): principal_type is required" % (ALICE, DATA_OWNER))
    assert entries[2]["msg"].startswith("targets[2]: give either scope, or instance and resource_group, not both.")
    assert result["msg"].startswith("3 of 4 targets failed: targets[0] (instance 'tg-00000'): targets[0]: instance")
    assert entries[3]["msg"] == "no change: 0 assignments declared, in place"
    assert write_calls(emu.requests(since=start)) == []
    # nothing valid: nothing is sent at all
    start = mark()
    result = run(targets=[dict(instance="tg-00000", assignments=[user(ALICE)])])
    assert result["failed"] is True and len(result["targets"]) == 1
    assert emu.requests(since=start) == []


def test_a_scope_declared_twice_fails_the_later_target(emu, run, fleet):
    result = run(targets=[target("tg-00000", user(ALICE)), target("tg-00001", user(ALICE)),
                          dict(scope=fleet["tg-00000"], assignments=[user(CAROL)])])
    entries = result["targets"]
    assert [e["failed"] for e in entries] == [False, False, True]
    assert entries[2]["msg"].startswith("Scope %s is declared twice, in targets[0] and targets[2]" % fleet["tg-00000"])
    assert held(emu, fleet["tg-00000"]) == {(ALICE, DATA_OWNER)}


def test_a_target_that_does_not_verify_in_time_fails_alone(emu, run, fleet):
    ok(run(targets=[target("tg-00000", user(ALICE))]))
    emu.settings(role_assignment_list_lag_seconds=3600)
    result = run(verify_timeout=1, targets=[target("tg-00000", user(ALICE)), target("tg-00001", user(CAROL))])
    entries = by_instance(result)
    assert entries["tg-00000"]["failed"] is False
    assert entries["tg-00001"]["failed"] is True and entries["tg-00001"]["changed"] is True
    assert "Missing: %s (%s) on instance 'tg-00001'" % (CAROL, DATA_OWNER) in entries["tg-00001"]["msg"]
    assert result["msg"].startswith("1 of 2 targets failed: instance 'tg-00001'")


# ---- check mode on instances that do not exist yet -----------------------------------------------------------------

def test_check_mode_on_new_instances_predicts_exactly_without_writes_or_warnings(emu, run, fleet, mark):
    names = ["tn-%05d" % i for i in range(10)]
    targets = [target(name, dict(assignee="alice@contoso.com"), dict(assignee="carol@contoso.com", role=DATA_READER))
               for name in names]
    start = mark()
    check = ok(run(check=True, targets=targets))
    entries = check["targets"]
    assert all(e["changed"] and not e["failed"] and e["instance_exists"] is False for e in entries)
    assert entries[3]["msg"] == ("would add 2 assignments once instance 'tn-00003' exists (it does not exist yet; an "
                                 "earlier task of the run is expected to create it)")
    assert check["warning_texts"] == []
    log = emu.requests(since=start)
    assert write_calls(log) == []
    # one list of role assignments per target, plus a constant: sign-in, one look-up per assignee, one list of the
    # group's instances and one permissions read of the group (measured: 10 + 8)
    per_target, shared = split(log)
    assert len(per_target) == 10
    assert len(graph(log)) == 2
    assert sorted(e["path"].rsplit("/", 1)[-1].lower() for e in shared) == ["digitaltwinsinstances", "permissions"]
    assert len(log) <= 10 + 9, [(e["method"], e["path"]) for e in log]
    predicted = [[(s["scope"], s["principal_id"], s["role_definition_id"], s["name"]) for s in e["assignments"]]
                 for e in entries]
    assert all(len(p) == 2 for p in predicted)

    emu.bulk_instances(count=10, resource_group=RG, name_prefix="tn")  # what the play's earlier task does
    applied = ok(run(targets=targets))
    assert applied["warning_texts"] == []
    assert [[(s["scope"], s["principal_id"], s["role_definition_id"], s["name"]) for s in e["assignments"]]
            for e in applied["targets"]] == predicted, "the prediction is what the real run does"
    assert [e["instance_exists"] for e in applied["targets"]] == [True] * 10


def test_check_mode_in_a_resource_group_that_does_not_exist_yet(emu, run, mark):
    start = mark()
    check = ok(run(check=True, targets=[dict(instance="tg-a", resource_group="rg-fleet-new", assignments=[user(ALICE)]),
                                        dict(instance="tg-b", resource_group="rg-fleet-new", assignments=[user(ALICE)])]))
    assert [(e["changed"], e["instance_exists"], len(e["added"])) for e in check["targets"]] == [(True, False, 1)] * 2
    assert check["warning_texts"] == []
    log = emu.requests(since=start)
    assert write_calls(log) == []
    # the list of the group's instances says the group does not exist: no permissions read is sent for it
    assert [e for e in log if e["path"].lower().endswith("/permissions")] == []


def test_notices_false_gives_no_notice_and_skips_the_directory_read(emu, run, fleet, mark):
    unknown = "0e000000-0000-4000-8000-0000000000ff"
    # alice by name: the directory is read anyway, so an unknown object id is checked (one more read) and noticed
    targets = [dict(instance="tg-00000", resource_group=RG,
                    assignments=[dict(assignee_object_id=unknown, principal_type="User"),
                                 dict(assignee="alice@contoso.com")])]
    start = mark()
    noticed = ok(run(check=True, targets=targets))
    assert any(unknown in text and "not an object in the directory" in text for text in noticed["warning_texts"])
    assert any(e["path"].endswith("/getByIds") for e in emu.requests(since=start))
    start = mark()
    quiet = ok(run(check=True, targets=targets, notices=False))
    assert quiet["warning_texts"] == [] and quiet["targets"][0]["changed"]
    assert not any(e["path"].endswith("/getByIds") for e in emu.requests(since=start))


# ---- budgets -------------------------------------------------------------------------------------------------------

def test_a_converged_fleet_costs_one_request_per_target(emu, run, fleet, mark):
    targets = [target(name, dict(assignee="alice@contoso.com"), dict(assignee="carol@contoso.com", role=DATA_READER))
               for name in sorted(fleet)]
    ok(run(targets=targets))
    start = mark()
    again = ok(run(targets=targets))
    assert again["changed"] is False
    log = emu.requests(since=start)
    # one list of role assignments per target, plus sign-in and one look-up per assignee (measured: 10 + 6)
    per_target, shared = split(log)
    assert len(per_target) == 10 and all(e["method"] == "GET" for e in per_target)
    assert len(graph(log)) == 2 and shared == []
    assert len(log) <= 10 + 7, [(e["method"], e["path"]) for e in log]


# ---- a play: one call for the fleet, each host its own outcome -----------------------------------------------------

def test_a_play_converges_the_fleet_once_and_hands_each_host_its_outcome(emu, run_playbook, fleet, tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(textwrap.dedent("""\
        fleet:
          vars:
            ansible_connection: local
          hosts:
            line-0: {twin_access: {instance: tg-00000, resource_group: %(rg)s, assignments: [{assignee: alice@contoso.com}]}}
            line-1: {twin_access: {instance: tg-00001, resource_group: %(rg)s, assignments: [{assignee: carol@contoso.com}]}}
            line-9: {twin_access: {instance: tg-99999, resource_group: %(rg)s, assignments: [{assignee: alice@contoso.com}]}}
        """ % dict(rg=RG)))
    playbook = textwrap.dedent("""\
        - hosts: fleet
          gather_facts: false
          tasks:
            - name: Access of the fleet, in one call
              twinops.digital_twins.dt_role_assignment:
                targets: "{{ ansible_play_hosts | map('extract', hostvars, 'twin_access') | list }}"
              run_once: true
              register: fleet_access
              failed_when: false
            - name: Each host its own outcome
              ansible.builtin.assert:
                that: not fleet_access.targets[ansible_play_hosts.index(inventory_hostname)].failed
                fail_msg: "{{ fleet_access.targets[ansible_play_hosts.index(inventory_hostname)].msg }}"
        """)
    result = run_playbook(playbook, inventory=str(inventory))
    recap = result.recap()
    assert (recap["line-0"]["failed"], recap["line-1"]["failed"], recap["line-9"]["failed"]) == (0, 0, 1), result.output
    assert "Azure Digital Twins instance 'tg-99999' does not exist" in result.output
    assert held(emu, fleet["tg-00000"]) == {(ALICE, DATA_OWNER)} and held(emu, fleet["tg-00001"]) == {(CAROL, DATA_OWNER)}
