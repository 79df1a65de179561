# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The set logic of the list form: validation naming the item, the plan (exclusive), writes, verification."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from azure.core.exceptions import HttpResponseError

from ansible_collections.twinops.digital_twins.plugins.module_utils import _access as access
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import assignment_id
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import Principal
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import resolve_role

SUB = "5ab5c000-0000-4000-8000-000000000001"
RG = "/subscriptions/%s/resourceGroups/rg-twins" % SUB
SCOPE = RG + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt1"
SCOPE2 = RG + "/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt2"
OWNER = "bcd981a7-7f74-457b-83e1-cceb9e632ffe"
READER = "d57506d4-4c8d-48b1-8587-93c323f6a5a3"
PLAIN_READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
ALICE = "0e000000-0000-4000-8000-00000000a11c"
BOB = "0e000000-0000-4000-8000-00000000b0b0"
CAROL = "0e000000-0000-4000-8000-00000000ca01"
DEFAULTS = dict(instance="dt1", resource_group="rg-twins", scope=None, role="Azure Digital Twins Data Owner",
                state="present")


def stored(name, principal, guid=OWNER, scope=SCOPE):
    return SimpleNamespace(id=assignment_id(scope, name), name=name, scope=scope, principal_id=principal,
                           principal_type="User", role_definition_id="/subscriptions/%s/providers/Microsoft."
                           "Authorization/roleDefinitions/%s" % (SUB, guid))


def resolved(assignments, defaults=None):
    items = access.parse_items(assignments, dict(DEFAULTS, **(defaults or {})), SUB)
    access.resolve_roles(items, resolve_role)
    access.resolve_principals(items, lambda values: dict(
        (v, Principal(id=v.split("@")[0], principal_type="User", resolved_by="userPrincipalName", assignee=v))
        for v in values))
    return items


def given(object_id, **extra):
    return dict(assignee_object_id=object_id, principal_type="User", **extra)


class FakeClient:
    def __init__(self, listed=(), fail_on=()):
        self.listed = list(listed)
        self.fail_on = set(fail_on)
        self.role_assignments = self
        self.created, self.deleted = [], []
        self.lock = threading.Lock()

    def list_for_scope(self, scope, filter=None):  # pylint: disable=redefined-builtin
        return iter([a for a in self.listed if a.scope.lower() == scope.lower() or scope.lower().startswith(a.scope.lower() + "/")])

    def create(self, scope, name, parameters):
        if parameters.principal_id in self.fail_on:
            error = HttpResponseError(message="boom")
            error.status_code = 400
            error.error = SimpleNamespace(code="BadRequest", message="boom")
            raise error
        made = SimpleNamespace(id=assignment_id(scope, name), name=name, scope=scope, principal_id=parameters.principal_id,
                               principal_type=parameters.principal_type, role_definition_id=parameters.role_definition_id)
        with self.lock:
            self.created.append(made)
            self.listed.append(made)
        return made

    def delete_by_id(self, assignment_id_):
        with self.lock:
            self.deleted.append(assignment_id_)
            self.listed = [a for a in self.listed if a.id != assignment_id_]


# ---- validation ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("item, words", [
    (dict(), "exactly one of assignee and assignee_object_id"),
    (dict(assignee="a@b.c", principal_type="User"), "principal_type goes with assignee_object_id"),
    (dict(assignee_object_id=ALICE), "principal_type is required"),
    (given(ALICE, scope=RG + "/..", instance=None), "is not an Azure scope"),
    (given(ALICE, scope=RG, instance="dt2"), "either scope, or instance and resource_group"),
    (given(ALICE, role="/x/y"), "not a role definition id"),
    (given(ALICE, instance="-x-"), "not a valid Azure Digital Twins instance name"),
])
def test_every_item_is_validated_and_the_bad_one_named(item, words):
    raw = dict(item)
    raw.setdefault("role", None)
    with pytest.raises(DigitalTwinsError) as caught:
        access.parse_items([given(BOB), raw], DEFAULTS, SUB)
    assert caught.value.message.startswith("assignments[1] (")
    assert caught.value.message.endswith("Nothing was changed.")
    if words:
        assert words in caught.value.message


def test_an_item_needs_a_scope_from_itself_or_the_task():
    with pytest.raises(DigitalTwinsError, match="names no instance or scope"):
        access.parse_items([given(ALICE)], dict(DEFAULTS, instance=None, resource_group=None), SUB)
    with pytest.raises(DigitalTwinsError, match="needs resource_group"):
        access.parse_items([given(ALICE, instance="dt2")], dict(DEFAULTS, instance=None, resource_group=None), SUB)


def test_items_inherit_and_override_task_options():
    items = access.parse_items([given(ALICE), given(BOB, instance="dt2", role="Azure Digital Twins Data Reader"),
                                given(CAROL, scope=RG, state="absent")], DEFAULTS, SUB)
    assert [i.target.scope for i in items] == [SCOPE, SCOPE2, RG]
    assert [i.role_value for i in items] == ["Azure Digital Twins Data Owner", "Azure Digital Twins Data Reader",
                                             "Azure Digital Twins Data Owner"]
    assert [i.state for i in items] == ["present", "present", "absent"]


def test_an_empty_list_manages_the_task_scope():
    assert access.parse_items([], DEFAULTS, SUB) == []
    target = access.task_target(DEFAULTS, SUB)
    [plan] = access.group_by_scope([], target)
    assert plan.target.scope == SCOPE and plan.items == []
    plan.current = [stored("a", ALICE), stored("b", BOB, guid=PLAIN_READER)]
    access.plan_scope(plan, exclusive=True)
    assert [a.name for a in plan.remove] == ["a"]
    assert access.group_by_scope(resolved([given(ALICE, instance="dt2")]), target)[0].target.scope == SCOPE2


def test_look_ups_run_once_per_distinct_value_and_errors_name_the_item():
    asked = []

    def resolve_many(values):
        asked.append(values)
        return dict((v, DigitalTwinsError("No user %s." % v) if v.startswith("x") else
                     Principal(id=ALICE, principal_type="User", resolved_by="mail", assignee=v)) for v in values)

    items = access.parse_items([dict(assignee="a@b.c"), dict(assignee="a@b.c", instance="dt2"),
                                dict(assignee="x@b.c")], DEFAULTS, SUB)
    with pytest.raises(DigitalTwinsError, match=r"^assignments\[2\] \(x@b.c, Azure Digital Twins Data Owner\): No user"):
        access.resolve_principals(items, resolve_many)
    assert asked == [["a@b.c", "x@b.c"]]


def test_roles_resolve_once_per_value_and_scope():
    calls = []
    items = access.parse_items([given(ALICE), given(BOB), given(CAROL, instance="dt2")], DEFAULTS, SUB)
    access.resolve_roles(items, lambda value, scope: calls.append((value, scope)) or resolve_role(value, scope))
    assert calls == [("Azure Digital Twins Data Owner", SCOPE), ("Azure Digital Twins Data Owner", SCOPE2)]


def test_present_and_absent_for_the_same_assignment_is_refused():
    items = resolved([given(ALICE), dict(assignee_object_id=ALICE, state="absent")])
    with pytest.raises(DigitalTwinsError, match="both present and absent"):
        access.check_consistent(items)


# ---- the plan --------------------------------------------------------------------------------------------------------

def planned(items, listed, exclusive):
    client = FakeClient(listed)
    plans = access.group_by_scope(items)
    for plan in plans:
        access.read_current(client, plan, False, None)
        access.plan_scope(plan, exclusive)
    return client, plans


def test_plan_adds_what_is_missing_and_keeps_what_is_there():
    items = resolved([given(ALICE), given(BOB)])
    dummy, [plan] = planned(items, [stored("n1", ALICE)], exclusive=False)
    assert [i.principal.id for i in plan.add] == [BOB]
    assert plan.remove == [] and len(plan.kept) == 1


def test_exclusive_removes_only_direct_managed_roles_not_declared():
    listed = [stored("a", ALICE), stored("b", BOB), stored("c", CAROL, guid=PLAIN_READER),
              stored("d", CAROL, guid=READER), stored("e", BOB, scope=RG),
              stored("f", ALICE, guid=READER)]
    items = resolved([given(ALICE)])
    dummy, [plan] = planned(items, listed, exclusive=True)
    assert sorted(a.name for a in plan.remove) == ["b", "d", "f"], "plain Reader and the inherited one stay"
    items = resolved([given(ALICE), given(CAROL, role="Reader")])
    dummy, [plan] = planned(items, listed, exclusive=True)
    assert sorted(a.name for a in plan.remove) == ["b", "d", "f"], "Reader is managed now, and Carol's is declared"
    dummy, [plan] = planned(resolved([given(ALICE)]), listed, exclusive=False)
    assert plan.remove == []


def test_duplicates_are_added_once():
    items = resolved([given(ALICE), given(ALICE)])
    dummy, [plan] = planned(items, [], exclusive=False)
    assert len(plan.add) == 1


# ---- the pool of requests ------------------------------------------------------------------------------------------

def test_in_pool_runs_at_once_keeps_the_order_and_each_error():
    barrier = threading.Barrier(3, timeout=10)

    def work(number):
        barrier.wait()  # returns only once all three run at the same time
        if number == 1:
            raise DigitalTwinsError("no %d" % number)
        return number * 10

    outcomes = access.in_pool(work, [0, 1, 2], workers=3)
    assert [result for result, error in outcomes] == [0, None, 20]
    assert [error.message if error else None for result, error in outcomes] == [None, "no 1", None]


def test_in_pool_keeps_to_its_bound_and_raises_what_is_not_a_module_error():
    running, most, lock = [0], [0], threading.Lock()

    def work(number):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.02)
        with lock:
            running[0] -= 1
        return number

    assert access.in_pool(work, range(9), workers=3) == [(n, None) for n in range(9)]
    assert most[0] == 3
    assert access.in_pool(work, [], workers=3) == []
    with pytest.raises(ZeroDivisionError):
        access.in_pool(lambda n: 1 // n, [1, 0, 2])


# ---- writes and verification -----------------------------------------------------------------------------------------

def test_writes_run_and_results_are_reported():
    items = resolved([given(ALICE), given(BOB), given(CAROL, instance="dt2")])
    client, plans = planned(items, [stored("x", "0e000000-0000-4000-8000-0000000000ff")], exclusive=True)
    access.apply_plans(client, plans, 0)
    assert len(client.created) == 3 and len(client.deleted) == 1
    states = access.declared_states(items, plans)
    assert [s["principal_id"] for s in states] == [ALICE, BOB, CAROL]
    access.verify(client, plans, 5, sleep=lambda s: None)
    diff = access.set_diff(plans)
    assert diff["before"][SCOPE] == ["Azure Digital Twins Data Owner: 0e000000-0000-4000-8000-0000000000ff"]
    assert len(diff["after"][SCOPE]) == 2


def test_a_failed_write_reports_what_did_change():
    items = resolved([given(ALICE), given(BOB)])
    client, plans = planned(items, [], exclusive=False)
    client.fail_on = {BOB}
    with pytest.raises(DigitalTwinsError) as caught:
        access.apply_plans(client, plans, 0)
    message = caught.value.message
    assert message.startswith("1 of the role assignment changes failed: adding %s (Azure Digital Twins Data Owner)" % BOB)
    assert "Changed before the failure: added Azure Digital Twins Data Owner %s" % ALICE in message
    assert "Nothing was changed" not in message


def test_a_failed_write_with_nothing_done_says_so():
    items = resolved([given(BOB)])
    client, plans = planned(items, [], exclusive=False)
    client.fail_on = {BOB}
    with pytest.raises(DigitalTwinsError, match="Nothing was changed"):
        access.apply_plans(client, plans, 0)


def test_verification_waits_then_names_what_is_missing():
    items = resolved([given(ALICE), dict(assignee="bob@contoso.com", role="Azure Digital Twins Data Reader")])
    client, plans = planned(items, [], exclusive=False)
    access.apply_plans(client, plans, 0)
    client.listed = []  # written, but never listed
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(DigitalTwinsError) as caught:
        access.verify(client, plans, 12, sleep=sleep, clock=lambda: now[0])
    assert sleeps == [1, 2, 4, 5]
    assert ("Missing: %s (Azure Digital Twins Data Owner) on instance 'dt1' in resource group 'rg-twins'; "
            "bob@contoso.com (Azure Digital Twins Data Reader) on instance 'dt1'" % ALICE) in caught.value.message
    assert caught.value.code == "AssignmentsNotVerified"


def test_check_mode_prediction_and_missing_scope():
    warnings = []

    class Missing(FakeClient):
        def list_for_scope(self, scope, filter=None):  # pylint: disable=redefined-builtin
            error = HttpResponseError(message="Resource group 'rg-twins' could not be found.")
            error.status_code = 404
            error.error = SimpleNamespace(code="ResourceGroupNotFound", message=error.message)
            raise error

    items = resolved([given(ALICE)])
    [plan] = access.group_by_scope(items)
    access.read_current(Missing(), plan, True, warnings.append)
    access.plan_scope(plan, True)
    access.predict([plan])
    assert not plan.exists and [s["principal_id"] for s in plan.added] == [ALICE]
    assert "does not exist yet" in warnings[0]
    with pytest.raises(DigitalTwinsError, match="does not exist"):
        access.read_current(Missing(), plan, False, warnings.append)


def test_unknown_object_ids_warn_only_when_the_directory_answers():
    items = resolved([given(ALICE), given(BOB)])
    dummy, plans = planned(items, [], exclusive=False)
    assert access.unknown_object_ids(plans, lambda ids: None) == []
    [warning] = access.unknown_object_ids(plans, lambda ids: {ALICE})
    assert BOB in warning and "not an object in the directory" in warning
