# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The targets form (_access_targets) with fake clients: validation per target, isolation of failures, shared work,
check mode on instances that do not exist yet, results and messages; and the list form's warnings."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from azure.core.exceptions import HttpResponseError

from ansible_collections.twinops.digital_twins.plugins.module_utils import _access as access
from ansible_collections.twinops.digital_twins.plugins.module_utils import _access_targets as targets
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import assignment_id
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import Principal
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import resolve_role

SUB = "5ab5c000-0000-4000-8000-000000000001"
RG = "/subscriptions/%s/resourceGroups/rg-twins" % SUB
OWNER = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
ALICE = "0e000000-0000-4000-8000-00000000a11c"
BOB = "0e000000-0000-4000-8000-00000000b0b0"
CAROL = "0e000000-0000-4000-8000-00000000ca01"
PARAMS = dict(role="Azure Digital Twins Data Owner", state="present", exclusive=False, verify=True, verify_timeout=0,
              principal_wait_timeout=0, check_permissions=False)


def scope(name):
    return RG + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/" + name


def stored(name, principal, at, guid=OWNER):
    return SimpleNamespace(id=assignment_id(at, name), name=name, scope=at, principal_id=principal, principal_type="User",
                           role_definition_id="/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s"
                           % (SUB, guid))


def http_error(status, code):
    error = HttpResponseError(message=code)
    error.status_code = status
    error.error = SimpleNamespace(code=code, message=code)
    return error


class FakeAuthorization:
    """role_assignments and permissions of one fake subscription; records every call."""

    def __init__(self, listed=(), fail_on=(), permissions=None):
        self.listed = list(listed)
        self.fail_on = set(fail_on)
        self.answers = permissions or {}
        self.role_assignments = self
        self.permissions = self
        self.calls = []
        self.lock = threading.Lock()

    def list_for_scope(self, at, filter=None):  # pylint: disable=redefined-builtin
        self.calls.append(("list", at))
        return iter([a for a in self.listed if at.lower() == a.scope.lower() or at.lower().startswith(a.scope.lower() + "/")])

    def create(self, at, name, parameters):
        with self.lock:
            self.calls.append(("create", at))
        if (at.rsplit("/", 1)[-1], parameters.principal_id) in self.fail_on:
            raise http_error(400, "BadRequest")
        made = stored(name, parameters.principal_id, at, parameters.role_definition_id.rsplit("/", 1)[-1])
        with self.lock:
            self.listed.append(made)
        return made

    def delete_by_id(self, assignment_id_):
        with self.lock:
            self.calls.append(("delete", assignment_id_))
            self.listed = [a for a in self.listed if a.id != assignment_id_]

    def _answer(self, at):
        self.calls.append(("permissions", at))
        answer = self.answers.get(at.lower(), [{"actions": ["*"], "notActions": []}])
        if isinstance(answer, Exception):
            raise answer
        return iter(answer)

    def list_for_resource(self, resource_group, namespace, parent, resource_type, name):
        return self._answer(("%s/providers/%s/%s/%s" % (RG, namespace, resource_type, name)).lower())

    def list_for_resource_group(self, resource_group):
        return self._answer(RG.lower())


class FakeTwins:
    def __init__(self, names):
        self.names = list(names)
        self.digital_twins = self
        self.listed_groups = []

    def list_by_resource_group(self, resource_group):
        self.listed_groups.append(resource_group)
        return iter([SimpleNamespace(name=name) for name in self.names])


def principal_of(value):
    ids = {"alice@contoso.com": ALICE, "bob@outlook.com": BOB, "carol@contoso.com": CAROL}
    if value not in ids:
        return DigitalTwinsError("No user %s was found." % value)
    return Principal(id=ids[value], principal_type="User", resolved_by="userPrincipalName", assignee=value,
                     warnings=["%s is a guest." % value] if value.startswith("bob") else [])


class Harness:
    def __init__(self, listed=(), instances=("dt1", "dt2", "dt3"), check_mode=False, **client):
        self.authorization = FakeAuthorization(listed, **client)
        self.twins = FakeTwins(instances)
        self.warnings = []
        self.lookups = []
        self.context = access.Context(
            authorization=lambda: self.authorization, digitaltwins=lambda: self.twins, subscription_id=SUB,
            check_mode=check_mode, warn=self.warnings.append,
            resolve_role=resolve_role,
            resolve_many=self.resolve_many, known_ids=lambda ids: None, caller=lambda: "the caller")

    def resolve_many(self, values):
        self.lookups.append(list(values))
        return dict((value, principal_of(value)) for value in values)

    def run(self, entries, **params):
        return targets.converge_targets(self.context, dict(PARAMS, targets=entries, **params))


def entry(name, *assignments, **extra):
    return dict(dict(instance=name, resource_group="rg-twins", scope=None, exclusive=None,
                     assignments=[dict(dict(assignee=None, assignee_object_id=None, principal_type=None, role=None,
                                            state=None), **a) for a in assignments]), **extra)


# ---- validation ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, words", [
    (dict(instance="dt1", resource_group=None, assignments=[]), "targets[1]: instance 'dt1' needs resource_group."),
    (dict(scope=RG, instance="dt1", resource_group="rg-twins", assignments=[]), "targets[1]: give either scope, or"),
    (dict(resource_group="rg-twins", assignments=[]), "targets[1]: resource_group is given without instance"),
    (dict(assignments=[]), "targets[1]: it names no instance or scope"),
    (dict(instance="dt1", resource_group="rg-twins", assignments=None), "targets[1]: it has no assignments"),
    (dict(instance="-dt-", resource_group="rg-twins", assignments=[]), "targets[1]: "),
    (dict(scope=RG + "/..", assignments=[]), "is not an Azure scope"),
    (dict(instance="dt1", resource_group="rg-twins", assignments=[dict(assignee_object_id=ALICE)]),
     "assignments[0] (%s, Azure Digital Twins Data Owner): principal_type is required" % ALICE),
])
def test_a_bad_target_fails_alone_and_the_others_are_still_validated(raw, words):
    runs = targets.parse_targets([entry("dt2"), raw, entry("dt3", dict(assignee="x"))], PARAMS, SUB)
    assert [run.error is None for run in runs] == [True, False, True]
    assert words in runs[1].error.message and runs[1].error.message.endswith("Nothing was changed.")
    assert runs[2].items[0].owner is runs[2]


def test_targets_inherit_the_task_options_and_set_their_own_exclusive():
    runs = targets.parse_targets([entry("dt1", dict(assignee="a@b.c")), entry("dt2", exclusive=False),
                                  dict(scope=RG, assignments=[dict(assignee="a@b.c", role="Reader", state="absent")],
                                       exclusive=None)], dict(PARAMS, exclusive=True, state="present"), SUB)
    assert [run.exclusive for run in runs] == [True, False, True]
    assert [run.target.scope for run in runs] == [scope("dt1"), scope("dt2"), RG]
    assert [(i.target.scope, i.role_value, i.state) for i in runs[0].items] == [
        (scope("dt1"), "Azure Digital Twins Data Owner", "present")]
    assert [(i.target.scope, i.role_value, i.state) for i in runs[2].items] == [(RG, "Reader", "absent")]
    assert [run.label for run in runs] == ["instance 'dt1' (resource group 'rg-twins')",
                                           "instance 'dt2' (resource group 'rg-twins')", "scope %s" % RG]


def test_the_later_of_two_targets_on_one_scope_fails():
    runs = targets.parse_targets([entry("dt1"), entry("dt2"), dict(scope=scope("DT1"), assignments=[])], PARAMS, SUB)
    assert [run.error is None for run in runs] == [True, True, False]
    assert runs[2].error.message.startswith("Scope %s is declared twice, in targets[0] and targets[2]" % scope("DT1"))


def test_all_targets_invalid_sends_no_request():
    harness = Harness()
    harness.context.authorization = lambda: pytest.fail("no client may be made")
    result, failed = harness.run([dict(instance="dt1", assignments=[])])
    assert len(failed) == 1 and result["targets"][0]["failed"] and result["changed"] is False


# ---- isolation -------------------------------------------------------------------------------------------------------

def test_an_assignee_that_does_not_resolve_fails_only_the_targets_that_use_it():
    harness = Harness()
    result, failed = harness.run([entry("dt1", dict(assignee="alice@contoso.com")),
                                  entry("dt2", dict(assignee="alice@contoso.com"), dict(assignee="nobody@contoso.com")),
                                  entry("dt3", dict(assignee="carol@contoso.com"), dict(assignee="nobody@contoso.com"))])
    assert harness.lookups == [["alice@contoso.com", "carol@contoso.com", "nobody@contoso.com"]], "one session"
    assert [e["failed"] for e in result["targets"]] == [False, True, True]
    assert [run.index for run in failed] == [1, 2]
    assert result["targets"][1]["msg"].startswith("assignments[1] (nobody@contoso.com, Azure Digital Twins Data Owner): "
                                                  "No user nobody@contoso.com was found. Nothing was changed.")
    assert [c for c in harness.authorization.calls if c[0] == "create"] == [("create", scope("dt1"))]
    assert targets.failure_message(failed, 3).startswith(
        "2 of 3 targets failed: instance 'dt2' (resource group 'rg-twins'): assignments[1] (nobody@contoso.com, "
        "Azure Digital Twins Data Owner): No user nobody@contoso.com was found. Nothing was changed.; instance 'dt3' ")


def test_a_missing_instance_fails_alone_and_existence_costs_one_list_per_group():
    harness = Harness(instances=["dt1", "dt3"])
    result, failed = harness.run([entry(name, dict(assignee="alice@contoso.com")) for name in ("dt1", "dt2", "dt3")])
    assert [run.index for run in failed] == [1]
    assert "'dt2' does not exist in resource group 'rg-twins'" in result["targets"][1]["msg"]
    assert result["targets"][1]["msg"].startswith("Azure Digital Twins instance")
    assert "Nothing was changed." in result["targets"][1]["msg"]
    assert harness.twins.listed_groups == ["rg-twins"]
    assert sorted(c[1] for c in harness.authorization.calls if c[0] == "create") == [scope("dt1"), scope("dt3")]


def test_a_failed_write_and_a_refused_permission_fail_their_targets_alone():
    harness = Harness(fail_on={("dt2", BOB)}, permissions={
        RG.lower(): [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}],
        scope("dt3").lower(): [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}]})
    result, failed = harness.run([entry("dt1", dict(assignee="alice@contoso.com")),
                                  entry("dt2", dict(assignee="alice@contoso.com"), dict(assignee="bob@outlook.com")),
                                  entry("dt3", dict(assignee="alice@contoso.com"))], check_permissions=True)
    first, second, third = result["targets"]
    assert (first["failed"], first["changed"]) == (False, True)
    assert (second["failed"], second["changed"], len(second["added"])) == (True, True, 1)
    assert second["msg"].startswith("1 of the role assignment changes failed: adding bob@outlook.com")
    assert "Changed before the failure: added Azure Digital Twins Data Owner" in second["msg"]
    assert (third["failed"], third["changed"]) == (True, False)
    assert "lacks Microsoft.Authorization/roleAssignments/write at scope %s" % scope("dt3") in third["msg"]
    assert [run.index for run in failed] == [1, 2]
    reads = [c[1] for c in harness.authorization.calls if c[0] == "permissions"]
    assert reads == [RG.lower(), scope("dt1").lower(), scope("dt2").lower(), scope("dt3").lower()]
    assert [s["principal_id"] for s in result["added"]] == [ALICE, ALICE]


def test_a_target_that_does_not_verify_fails_alone():
    harness = Harness(listed=[stored("a", ALICE, scope("dt1"))])
    lagging = harness.authorization.list_for_scope

    def list_for_scope(at, filter=None):  # pylint: disable=redefined-builtin
        listed = list(lagging(at, filter))
        return iter([a for a in listed if a.name == "a"])  # the new one never shows

    harness.authorization.list_for_scope = list_for_scope
    result, failed = harness.run([entry("dt1", dict(assignee="alice@contoso.com")),
                                  entry("dt2", dict(assignee="carol@contoso.com"))])
    assert [run.index for run in failed] == [1]
    assert result["targets"][1]["changed"] is True
    assert "Missing: carol@contoso.com (Azure Digital Twins Data Owner) on instance 'dt2'" in result["targets"][1]["msg"]


def test_exclusive_per_target():
    listed = [stored("c1", CAROL, scope("dt1")), stored("c2", CAROL, scope("dt2"))]
    harness = Harness(listed=listed)
    result, failed = harness.run([entry("dt1", dict(assignee="alice@contoso.com"), exclusive=True),
                                  entry("dt2", dict(assignee="alice@contoso.com"))])
    assert not failed
    assert [[s["principal_id"] for s in e["removed"]] for e in result["targets"]] == [[CAROL], []]
    assert [e["msg"] for e in result["targets"]] == ["added 1 assignment and removed 1 assignment", "added 1 assignment"]
    assert set(result["diff"]["before"]) == {scope("dt1"), scope("dt2")}


# ---- check mode ------------------------------------------------------------------------------------------------------

def test_check_mode_predicts_new_instances_in_their_own_result_without_a_warning():
    harness = Harness(instances=["dt1"], check_mode=True, permissions={
        RG.lower(): [{"actions": ["*"], "notActions": []}]})
    result, failed = harness.run([entry(name, dict(assignee="alice@contoso.com"), dict(assignee="carol@contoso.com"))
                                  for name in ("dt1", "dt2", "dt3")], check_permissions=True)
    assert not failed and harness.warnings == []
    assert [e["instance_exists"] for e in result["targets"]] == [True, False, False]
    assert result["targets"][1]["msg"].startswith("would add 2 assignments once instance 'dt2' exists")
    assert result["targets"][0]["msg"] == "would add 2 assignments"
    assert [c[0] for c in harness.authorization.calls] == ["list"] * 3 + ["permissions"]
    assert harness.twins.listed_groups == ["rg-twins"]
    assert len(result["added"]) == 6


def test_no_change_reads_one_list_per_target_and_nothing_else():
    listed = [stored("a%d" % i, ALICE, scope("dt%d" % i)) for i in (1, 2, 3)]
    harness = Harness(listed=listed)
    result, failed = harness.run([entry("dt%d" % i, dict(assignee="alice@contoso.com")) for i in (1, 2, 3)],
                                 check_permissions=True)
    assert not failed and result["changed"] is False
    assert [c[0] for c in harness.authorization.calls] == ["list"] * 3 and harness.twins.listed_groups == []
    assert [e["msg"] for e in result["targets"]] == ["no change: 1 assignment declared, in place"] * 3


# ---- warnings only for what a run adds ------------------------------------------------------------------------------

def test_a_guest_is_warned_about_once_and_only_when_added():
    harness = Harness(listed=[stored("b", BOB, scope("dt1"))])
    harness.run([entry("dt1", dict(assignee="bob@outlook.com")), entry("dt2", dict(assignee="bob@outlook.com")),
                 entry("dt3", dict(assignee="bob@outlook.com"))])
    assert harness.warnings == ["bob@outlook.com is a guest."]
    harness.warnings.clear()
    harness.run([entry("dt1", dict(assignee="bob@outlook.com")), entry("dt2", dict(assignee="bob@outlook.com"))])
    assert harness.warnings == []


def test_owner_without_data_role_is_warned_about_once_per_principal_when_added():
    harness = Harness()
    harness.run([entry(name, dict(assignee="alice@contoso.com", role="Contributor")) for name in ("dt1", "dt2", "dt3")])
    assert len(harness.warnings) == 1
    assert "Contributor on %s" % scope("dt1") in harness.warnings[0]
    assert harness.warnings[0].endswith("The same holds on 2 other instances of this task.")
    harness.warnings.clear()
    harness.run([entry(name, dict(assignee="alice@contoso.com", role="Contributor")) for name in ("dt1", "dt2", "dt3")])
    assert harness.warnings == [], "nothing added, nothing said"


def test_the_list_form_warns_only_for_what_it_adds():
    harness = Harness(listed=[stored("b", BOB, scope("dt1"))])
    params = dict(PARAMS, instance="dt1", resource_group="rg-twins", scope=None,
                  assignments=[dict(assignee="bob@outlook.com", assignee_object_id=None, principal_type=None, role=None,
                                    state=None, instance=None, resource_group=None, scope=None)])
    result = access.converge(harness.context, params)
    assert result["changed"] is False and harness.warnings == []
    params["assignments"][0]["instance"] = "dt2"
    result = access.converge(harness.context, params)
    assert result["changed"] is True and harness.warnings == ["bob@outlook.com is a guest."]


def test_permissions_that_cannot_be_read_are_warned_about_once_in_check_mode():
    harness = Harness(check_mode=True, permissions=dict(
        [(RG.lower(), http_error(403, "AuthorizationFailed"))]
        + [(scope(name).lower(), http_error(403, "AuthorizationFailed")) for name in ("dt1", "dt2", "dt3")]))
    result, failed = harness.run([entry(name, dict(assignee="alice@contoso.com")) for name in ("dt1", "dt2", "dt3")],
                                 check_permissions=True)
    assert not failed and result["changed"] is True
    assert len(harness.warnings) == 1, harness.warnings
    assert "could not be read" in harness.warnings[0]
    assert harness.warnings[0].endswith("The same holds for 2 other scopes of this task.")


def test_a_group_whose_instances_cannot_be_listed_fails_its_targets_alone():
    harness = Harness()

    def refused(resource_group):
        raise http_error(403, "AuthorizationFailed")

    harness.twins.list_by_resource_group = refused
    listed = [stored("a", ALICE, RG)]
    harness.authorization.listed = listed  # the group itself holds one: its scope target needs no existence check
    result, failed = harness.run([entry("dt1", dict(assignee="carol@contoso.com")),
                                  dict(scope=RG, assignments=[dict(assignee="carol@contoso.com", assignee_object_id=None,
                                                                   principal_type=None, role=None, state=None)])])
    assert [run.index for run in failed] == [0]
    assert result["targets"][0]["msg"].startswith("Could not list the Azure Digital Twins instances in resource group "
                                                  "'rg-twins': AuthorizationFailed Nothing was changed.")
    assert [c[1] for c in harness.authorization.calls if c[0] == "create"] == [RG]


def test_the_lists_of_all_scopes_are_sent_at_once_and_the_list_form_raises_the_first_failure():
    harness = Harness(instances=["dt%d" % i for i in range(1, 5)])
    listing = harness.authorization.list_for_scope
    barrier = threading.Barrier(4, timeout=10)

    def list_for_scope(at, filter=None):  # pylint: disable=redefined-builtin
        barrier.wait()  # returns only once the four lists are sent together
        if at in (scope("dt2"), scope("dt4")):
            raise http_error(403, "AuthorizationFailed")
        return listing(at, filter)

    harness.authorization.list_for_scope = list_for_scope
    item = dict(assignee="alice@contoso.com", assignee_object_id=None, principal_type=None, role=None, state=None,
                resource_group=None, scope=None)
    params = dict(PARAMS, instance=None, resource_group="rg-twins", scope=None,
                  assignments=[dict(item, instance="dt%d" % i) for i in range(1, 5)])
    with pytest.raises(DigitalTwinsError) as caught:
        access.converge(harness.context, params)
    assert caught.value.message.startswith("Could not list the role assignments at %s" % scope("dt2"))
    assert [c[0] for c in harness.authorization.calls] == ["list"] * 2, "no write, nor anything else"

    barrier.reset()
    result, failed = harness.run([entry("dt%d" % i, dict(assignee="alice@contoso.com")) for i in range(1, 5)],
                                 verify=False)  # (the read-back would list two scopes only)
    assert [run.index for run in failed] == [1, 3]
    assert [(e["instance"], e["failed"], len(e["added"])) for e in result["targets"]] == [
        ("dt1", False, 1), ("dt2", True, 0), ("dt3", False, 1), ("dt4", True, 0)]


def test_a_read_back_that_fails_fails_its_target_alone():
    harness = Harness()
    listing = harness.authorization.list_for_scope
    calls = []

    def list_for_scope(at, filter=None):  # pylint: disable=redefined-builtin
        calls.append(at)
        if at == scope("dt2") and calls.count(at) > 1:
            raise http_error(503, "ServiceUnavailable")
        return listing(at, filter)

    harness.authorization.list_for_scope = list_for_scope
    result, failed = harness.run([entry("dt1", dict(assignee="alice@contoso.com")),
                                  entry("dt2", dict(assignee="alice@contoso.com"))], verify_timeout=5)
    assert [run.index for run in failed] == [1]
    second = result["targets"][1]
    assert second["changed"] is True and len(second["added"]) == 1
    assert second["msg"].startswith("The role assignments were written, but reading them back failed: Could not list")
    assert calls.count(scope("dt2")) == 2, "not read again after the failure"
