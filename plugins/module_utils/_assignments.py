# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Azure role assignments: scopes, deterministic names, matching on (scope, principal, role), and ensure_*.

An assignment is identified by its (scope, principal id, role definition GUID), compared case-insensitively, which is
also what ARM keeps unique. New assignments get a name derived from that key the way Bicep's
``getRoleAssignmentName()`` does (``guid(toLower(scope), toLower(principalId), toLower(roleGuid))``, an RFC 4122
version 5 UUID in ARM's ``guid()`` namespace), so concurrent runs write the same name and ARM keeps one assignment,
and assignments made by Bicep are recognised as ours. An equal assignment under another name is adopted.

Reads are scope-filtered (``principalId eq '<id>'`` or ``atScope()`` on the scope), never a subscription listing.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, azure_errors
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import (
    assignment_id,
    at_or_above,
    instance_id,
    same_scope,
    scope_key,
    scope_of_assignment_id,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._permissions import ROLE_WRITERS
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import PRINCIPAL_TYPES
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import (
    BUILTIN_BY_GUID,
    CONTROL_ROLE_GUIDS,
    DATA_ROLE_GUIDS,
    guid_of,
)

# The options that name where and to whom, shared by dt_role_assignment and dt_role_assignment_info.
TARGET_OPTIONS = dict(
    instance=dict(type="str"),
    resource_group=dict(type="str"),
    scope=dict(type="str"),
    assignee=dict(type="str"),
    assignee_object_id=dict(type="str"),
)

# The items of the list form (assignments[]); the options are here, not in _access, so that a module which takes the
# list form as an option loads the list form's logic only when a task uses it.
ITEM_OPTIONS = dict(
    assignee=dict(type="str"),
    assignee_object_id=dict(type="str"),
    principal_type=dict(type="str", choices=PRINCIPAL_TYPES),
    role=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"]),
    instance=dict(type="str"),
    resource_group=dict(type="str"),
    scope=dict(type="str"),
)
# The items of the targets form (targets[]): where, then assignments[] without a location of their own.
LOCATION_OPTIONS = ("instance", "resource_group", "scope")
TARGETS_OPTIONS = dict(
    instance=dict(type="str"),
    resource_group=dict(type="str"),
    scope=dict(type="str"),
    assignments=dict(type="list", elements="dict",
                     options=dict((key, value) for key, value in ITEM_OPTIONS.items() if key not in LOCATION_OPTIONS)),
    exclusive=dict(type="bool"),
)

# The namespace of ARM's (and Bicep's) guid() template function.
ARM_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")

# PrincipalNotFound retries: 2 s, 4 s, 8 s, then every 15 s, never beyond principal_wait_timeout.
FIRST_DELAY = 2
MAX_DELAY = 15
# After a 409 RoleAssignmentExists, how long to look for the conflicting assignment (ARM reads can lag writes).
READ_BACK_ATTEMPTS = 4
READ_BACK_DELAY = 2


# ---- scopes ----------------------------------------------------------------------------------------------------------

def instance_scope(subscription_id, resource_group, name):
    """The ARM id of a Digital Twins instance, used as assignment scope (names validated, no request)."""
    return instance_id(subscription_id, resource_group, name)


def scope_of(assignment):
    """The scope of an assignment model (from its id when ARM left ``scope`` out)."""
    return getattr(assignment, "scope", None) or scope_of_assignment_id(getattr(assignment, "id", None))


# ---- names and identity ----------------------------------------------------------------------------------------------

def assignment_name(scope, principal_id, role_guid):
    """The deterministic assignment name for (scope, principal, role), equal to Bicep's getRoleAssignmentName()."""
    key = "-".join([scope_key(scope).rstrip("/"), principal_id.strip().lower(), guid_of(role_guid)])
    return str(uuid.uuid5(ARM_GUID_NAMESPACE, key))


def matches(assignment, scope, principal_id, role_guid):
    """True when an assignment model is the (scope, principal, role) one, compared case-insensitively."""
    return (same_scope(scope_of(assignment), scope)
            and (getattr(assignment, "principal_id", None) or "").lower() == principal_id.lower()
            and guid_of(getattr(assignment, "role_definition_id", None)) == guid_of(role_guid))


@dataclass
class Desired:
    """The assignment a task asks for."""

    scope: str
    principal: object  # _principal.Principal
    role: object  # _roles.Role

    @property
    def name(self):
        return assignment_name(self.scope, self.principal.id, self.role.guid)

    @property
    def id(self):
        return assignment_id(self.scope, self.name)


def to_state(assignment, role_name=None, principal=None, adopted=False):
    """The returned dict of an assignment model (see docs/design.md)."""
    role_definition = getattr(assignment, "role_definition_id", None)
    state = {
        "id": getattr(assignment, "id", None),
        "name": getattr(assignment, "name", None),
        "scope": scope_of(assignment),
        "principal_id": (getattr(assignment, "principal_id", None) or "").lower() or None,
        "principal_type": getattr(assignment, "principal_type", None),
        "role_definition_id": role_definition,
        "role_name": role_name or BUILTIN_BY_GUID.get(guid_of(role_definition)),
    }
    if principal is not None:
        state.update(assignee=principal.assignee, resolved_by=principal.resolved_by, adopted=adopted)
        if not state["principal_type"]:
            state["principal_type"] = principal.principal_type
    return state


def predicted_state(desired):
    """What ARM will hold after creating ``desired``: the check-mode answer."""
    return {
        "id": desired.id,
        "name": desired.name,
        "scope": desired.scope,
        "principal_id": desired.principal.id,
        "principal_type": desired.principal.principal_type,
        "role_definition_id": desired.role.id,
        "role_name": desired.role.name,
        "assignee": desired.principal.assignee,
        "resolved_by": desired.principal.resolved_by,
        "adopted": False,
    }


# ---- reads -----------------------------------------------------------------------------------------------------------

def list_for_principal(client, scope, principal_id):
    """The principal's own assignments at, above and below ``scope`` (one filtered list, no subscription scan)."""
    with azure_errors("list the role assignments of %s at %s" % (principal_id, scope)):
        return list(client.role_assignments.list_for_scope(scope, filter="principalId eq '%s'" % principal_id.lower()))


def list_at_scope(client, scope):
    """Every assignment that applies at ``scope``: on it and on its parents (``atScope()``)."""
    with azure_errors("list the role assignments at %s" % scope):
        return list(client.role_assignments.list_for_scope(scope, filter="atScope()"))


def find(assignments, desired):
    """The assignments equal to ``desired``, the one with the deterministic name first."""
    found = [a for a in assignments if matches(a, desired.scope, desired.principal.id, desired.role.guid)]
    found.sort(key=lambda a: (getattr(a, "name", "") or "").lower() != desired.name)
    return found


def applying_at(client, scope, principal_id=None):
    """The assignments that apply at ``scope`` (on it or a parent), of one principal when given (one list)."""
    fetched = list_for_principal(client, scope, principal_id) if principal_id else list_at_scope(client, scope)
    # principalId filters also return child scopes
    return [a for a in fetched if at_or_above(scope_of(a) or "", scope)]


def select(applying, scope, role_guid=None, include_inherited=False):
    """The direct ones of ``applying`` (and the inherited ones when asked), of one role when given."""
    return [a for a in applying if (include_inherited or same_scope(scope_of(a), scope))
            and (role_guid is None or guid_of(a.role_definition_id) == role_guid)]


def report(selected, scope, role_names=None, principal=None):
    """The returned dicts of ``selected``: direct first, then by scope depth, role name and principal."""
    names = role_names or {}
    states = []
    for item in selected:
        state = to_state(item, names.get(guid_of(item.role_definition_id)))
        state["inherited"] = not same_scope(state["scope"], scope)
        if principal is not None:
            state.update(assignee=principal.assignee, resolved_by=principal.resolved_by)
        states.append(state)
    states.sort(key=lambda a: (a["inherited"], len(a["scope"] or ""), a["role_name"] or "", a["principal_id"] or ""))
    return states


def data_role_warnings(applying, scope, principal_ids, labels):
    """The Owner-is-not-Data-Owner warning for each of ``principal_ids``, from what applies to it at ``scope``."""
    warnings = []
    for principal_id in sorted(set(principal_ids)):
        own = [a for a in applying if (a.principal_id or "").lower() == principal_id]
        label = "%s (%s)" % (labels[principal_id], principal_id) if labels.get(principal_id) else principal_id
        warning = data_role_warning(held_roles(own), scope, "Principal " + label)
        if warning:
            warnings.append(warning)
    return warnings


# ---- writes ----------------------------------------------------------------------------------------------------------

def _create_parameters(desired):
    try:
        from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters
    except ImportError:
        raise DigitalTwinsError("The Python library azure-mgmt-authorization is required "
                                "(pip install azure-mgmt-authorization).") from None
    # principalType is always sent: it lets ARM accept a principal that has not replicated yet.
    return RoleAssignmentCreateParameters(role_definition_id=desired.role.id, principal_id=desired.principal.id,
                                          principal_type=desired.principal.principal_type)


def _denied(err, desired, verb):
    return DigitalTwinsError(
        "The identity running the task may not %s role assignments at %s: that needs %s on the scope or above; "
        "Contributor is not enough. Nothing was changed. Azure said: %s"
        % (verb, desired.scope, ROLE_WRITERS, err.message), code=err.code, status=err.status,
        request_id=err.request_id, tb=err.tb)


def create(client, desired, wait_timeout, sleep=time.sleep, clock=time.monotonic):
    """PUT the assignment; retry PrincipalNotFound (replication delay) with capped backoff for ``wait_timeout`` s."""
    parameters = _create_parameters(desired)
    deadline = clock() + max(0, wait_timeout)
    delay = FIRST_DELAY
    attempts = 0
    while True:
        attempts += 1
        try:
            with azure_errors("create role assignment %s" % desired.id):
                return client.role_assignments.create(desired.scope, desired.name, parameters)
        except DigitalTwinsError as err:
            if err.code == "AuthorizationFailed" or err.status == 403:
                raise _denied(err, desired, "create") from None
            if err.code == "UnmatchedPrincipalType":
                err.hint = ("principal_type must be the type of the object %s in the directory."
                            % desired.principal.id)
                raise
            if err.code != "PrincipalNotFound":
                raise
            remaining = deadline - clock()
            if remaining <= 0:
                raise DigitalTwinsError(
                    "Azure RBAC does not know principal %s (PrincipalNotFound after %d attempt(s) over %d s). If it was "
                    "created moments ago, replication can take a few minutes: raise principal_wait_timeout. Otherwise "
                    "check the object id: a mistyped id never appears."
                    % (desired.principal.label(), attempts, wait_timeout), code=err.code, status=err.status,
                    request_id=err.request_id) from None
            sleep(min(delay, remaining))
            delay = min(delay * 2, MAX_DELAY)


def ensure_present(client, desired, current, check_mode, wait_timeout=180, sleep=time.sleep, clock=time.monotonic):
    """Make ``desired`` exist. ``current`` are the principal's assignments (list_for_principal). -> (changed, state)."""
    existing = find(current, desired)
    if existing:
        found = existing[0]
        return False, to_state(found, desired.role.name, desired.principal,
                               adopted=(found.name or "").lower() != desired.name)
    if check_mode:
        return True, predicted_state(desired)
    try:
        created = create(client, desired, wait_timeout, sleep=sleep, clock=clock)
    except DigitalTwinsError as err:
        if err.code != "RoleAssignmentExists":
            raise
        # Someone made the same (scope, principal, role) under another name since we read: adopt it.
        for attempt in range(READ_BACK_ATTEMPTS):
            existing = find(list_for_principal(client, desired.scope, desired.principal.id), desired)
            if existing:
                return False, to_state(existing[0], desired.role.name, desired.principal,
                                       adopted=(existing[0].name or "").lower() != desired.name)
            if attempt + 1 < READ_BACK_ATTEMPTS:
                sleep(READ_BACK_DELAY)
        raise DigitalTwinsError("Azure reports that %s already holds %r at %s (RoleAssignmentExists), but the "
                                "assignment could not be read back. Re-run the task."
                                % (desired.principal.label(), desired.role.name, desired.scope),
                                code=err.code, status=err.status, request_id=err.request_id) from None
    return True, to_state(created, desired.role.name, desired.principal)


def ensure_absent(client, desired, current, check_mode):
    """Remove every assignment equal to ``desired``. -> (changed, the states of the removed assignments)."""
    existing = find(current, desired)
    if not existing:
        return False, []
    before = [to_state(a, desired.role.name, desired.principal, adopted=(a.name or "").lower() != desired.name)
              for a in existing]
    if not check_mode:
        for assignment in existing:
            try:
                with azure_errors("delete role assignment %s" % assignment.id):
                    client.role_assignments.delete_by_id(assignment.id)
            except DigitalTwinsError as err:
                if err.code == "AuthorizationFailed" or err.status == 403:
                    raise _denied(err, desired, "delete") from None
                raise
    return True, before


# ---- the Owner-is-not-Data-Owner warning -----------------------------------------------------------------------------

def held_roles(assignments):
    """(scope, role definition id) of assignment models: what the data role warning looks at."""
    return [(scope_of(a) or "", getattr(a, "role_definition_id", None)) for a in assignments]


def data_role_warning(held, scope, label):
    """A warning when the roles ``held`` ((scope, role definition id) pairs, see held_roles) applying at ``scope``
    give Owner/Contributor but no Digital Twins data role."""
    applying = set(guid_of(role_definition) for held_scope, role_definition in held if at_or_above(held_scope, scope))
    control = sorted(BUILTIN_BY_GUID[g] for g in applying & CONTROL_ROLE_GUIDS)
    if not control or applying & DATA_ROLE_GUIDS:
        return None
    return ("%s holds %s on %s but no Azure Digital Twins data role assigned to it directly. %s lets it manage the "
            "instance, not its data: reading or writing models, twins and routes needs the 'Azure Digital Twins Data "
            "Owner' or 'Azure Digital Twins Data Reader' role." % (label, " and ".join(control), scope, " and ".join(control)))
