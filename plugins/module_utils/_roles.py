# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Azure RBAC role definitions: the role option (name, GUID or full id) resolved to a GUID, an id and a name.

The built-in roles this collection deals with resolve without a request: their GUIDs are the same in every
tenant and cloud. Other names are looked up with ``$filter=roleName eq '<name>'`` at the assignment scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, azure_errors
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import (
    guid_of,
    is_guid,
    odata_literal,
    parse_role_definition_id,
    role_definition_id,
)

DATA_OWNER = "Azure Digital Twins Data Owner"
DATA_READER = "Azure Digital Twins Data Reader"

# Built-in role name -> GUID (fixed by Microsoft, identical in every tenant).
BUILTIN_ROLES = {
    DATA_OWNER: "bcd981a7-7f74-457b-83e1-cceb9e632ffe",
    DATA_READER: "d57506d4-4c8d-48b1-8587-93c323f6a5a3",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
}
BUILTIN_BY_GUID = {guid: name for name, guid in BUILTIN_ROLES.items()}
_BUILTIN_BY_LOWER_NAME = {name.lower(): name for name in BUILTIN_ROLES}

# The Digital Twins data-plane roles, and the control-plane roles people mistake for them.
DATA_ROLE_GUIDS = frozenset([BUILTIN_ROLES[DATA_OWNER], BUILTIN_ROLES[DATA_READER]])
CONTROL_ROLE_GUIDS = frozenset([BUILTIN_ROLES["Owner"], BUILTIN_ROLES["Contributor"]])

ROLE_NAME_MAX = 512


@dataclass(frozen=True)
class RoleRef:
    """What the user's ``role`` value says, before any request."""

    kind: str  # "name", "guid" or "id"
    value: str  # the role name as given, or the lower-case GUID


@dataclass(frozen=True)
class Role:
    """A resolved role definition."""

    guid: str
    id: str
    name: str


def parse_role(value):
    """Classify the role option: a full role definition id, a GUID or a role name. Raises on malformed input."""
    text = (value or "").strip()
    if not text:
        raise DigitalTwinsError("role must not be empty: give a role name (for example '%s'), its GUID or its full "
                                "role definition id." % DATA_OWNER)
    if is_guid(text):
        return RoleRef("guid", text.lower())
    if text.startswith("/"):
        return RoleRef("id", parse_role_definition_id(text))
    if len(text) > ROLE_NAME_MAX or any(ord(char) < 32 for char in text):
        raise DigitalTwinsError("role %r is not a valid role name." % text[:80])
    return RoleRef("name", text)


def builtin_name(value):
    """The canonical name of a built-in role given by name (any case) or GUID; None when it is not one of them."""
    key = (value or "").strip().lower()
    return _BUILTIN_BY_LOWER_NAME.get(key) or BUILTIN_BY_GUID.get(key)


def resolve_role(value, scope, client=None):
    """Resolve the ``role`` option at ``scope`` to a Role.

    ``client`` is a callable returning the AuthorizationManagementClient; it is called only when the role is not a
    built-in one, so built-in roles cost no request.
    """
    ref = parse_role(value)
    if ref.kind == "name":
        known = builtin_name(ref.value)
        if known:
            guid = BUILTIN_ROLES[known]
            return Role(guid, role_definition_id(scope, guid), known)
        return _by_name(ref.value, scope, client)
    known = BUILTIN_BY_GUID.get(ref.value)
    if known:
        return Role(ref.value, role_definition_id(scope, ref.value), known)
    return _by_guid(ref.value, scope, client)


def _by_name(name, scope, client):
    with azure_errors("look up role definition %r at %s" % (name, scope)):
        found = list(client().role_definitions.list(scope, filter="roleName eq '%s'" % odata_literal(name)))
    # ARM compares roleName case-insensitively; keep exact matches first if it ever returns near matches.
    exact = [d for d in found if (d.role_name or "").lower() == name.lower()]
    if not exact:
        raise DigitalTwinsError(
            "Role %r does not exist at scope %s. Give a role name exactly as Azure shows it (for example '%s' or '%s'), "
            "its GUID or its role definition id; custom roles must list the scope (or a parent) in assignableScopes."
            % (name, scope, DATA_OWNER, DATA_READER))
    guids = sorted(set(guid_of(d.id) for d in exact))
    if len(guids) > 1:
        raise DigitalTwinsError(
            "Role name %r is ambiguous at scope %s: it matches %s. Give the role definition GUID or id instead."
            % (name, scope, ", ".join("%s (%s)" % (d.id, getattr(d, "role_type", None) or "role") for d in exact)))
    definition = exact[0]
    return Role(guids[0], role_definition_id(scope, guids[0]), definition.role_name)


def _by_guid(guid, scope, client):
    try:
        with azure_errors("read role definition %s at %s" % (guid, scope)):
            definition = client().role_definitions.get(scope, guid)
    except DigitalTwinsError as err:
        if err.status == 404 or err.code in ("RoleDefinitionDoesNotExist", "RoleDefinitionNotFound"):
            raise DigitalTwinsError(
                "Role definition %s does not exist at scope %s. Check the GUID, or give the role by name." % (guid, scope),
                code=err.code, status=err.status, request_id=err.request_id) from None
        raise
    return Role(guid, role_definition_id(scope, guid), definition.role_name or guid)


def role_names(client, guids, scope):
    """{guid: role name} for role definition GUIDs: built-ins offline, others with one GET each (None if gone)."""
    names = {}
    for guid in sorted(set(g.lower() for g in guids)):
        if guid in BUILTIN_BY_GUID:
            names[guid] = BUILTIN_BY_GUID[guid]
            continue
        try:
            names[guid] = _by_guid(guid, scope, client).name
        except DigitalTwinsError as err:
            if err.status == 404:
                names[guid] = None  # an assignment whose custom role was deleted
                continue
            raise
    return names
