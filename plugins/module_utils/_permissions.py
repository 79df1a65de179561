# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Whether the caller may write (or delete) role assignments at a scope, asked before the write is sent.

ARM only refuses a role assignment write when it is sent (403). A dry run sends no write, so without asking first, an
identity that may create resources but not assign roles (Contributor) passes a dry run and fails halfway through the
real run. The caller's effective permissions at a scope are read with Permissions_ListForResource or
Permissions_ListForResourceGroup (Microsoft.Authorization 2022-04-01): one entry per permission block of every role
the caller holds there, directly, through a group or inherited from a parent scope. An action is allowed, as Azure
RBAC evaluates it, when one entry's ``actions`` match it and the same entry's ``notActions`` do not; patterns compare
case-insensitively and ``*`` stands for any run of characters (``*``, ``Microsoft.Authorization/*``, ``*/write``,
``Microsoft.Authorization/*/Write``).

A scope that does not exist yet (a new instance predicted in check mode) has no assignments of its own, so the nearest
existing parent answers for it: a parent resource, then the resource group.

The answer is ``unknown``, and the write goes ahead for ARM to decide, when:

- the scope is a subscription, a management group or ``/``, or the resource group does not exist yet:
  Microsoft.Authorization 2022-04-01 documents no permissions operation above the resource group (the spec has only
  the resource group and resource forms, and azure-mgmt-authorization only those two methods).
  ``GET /subscriptions/{id}/providers/Microsoft.Authorization/permissions`` answers on the live service, but it is
  undocumented (Azure/azure-rest-api-specs#19473), so the collection does not depend on it;
- the scope is in another subscription than the session's (the client is bound to one subscription), or has a form
  the operations cannot address (an extension resource below another resource's ``providers``);
- the read itself is refused (403: reading permissions needs ``Microsoft.Authorization/permissions/read``, which a
  custom role may lack) or fails (throttling beyond the retries, 5xx, network, a cloud without this api-version).
  The check is an early warning, not the enforcement: a failed read must not become a new reason for a run to fail.

Not evaluated, and left to ARM at write time (a 403 then, as without this check):

- deny assignments (they can only take permissions away; the permissions operation does not report them);
- conditions on role assignments (ABAC, for example a Role Based Access Control Administrator constrained to some
  roles or principals): the permissions operation reports the role's actions without its condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, azure_errors
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import parse_scope

ROLE_ASSIGNMENTS_WRITE = "Microsoft.Authorization/roleAssignments/write"
ROLE_ASSIGNMENTS_DELETE = "Microsoft.Authorization/roleAssignments/delete"

ALLOWED = "allowed"
DENIED = "denied"
UNKNOWN = "unknown"

ROLE_WRITERS = "Owner, User Access Administrator or Role Based Access Control Administrator"
# 404 codes that mean "this resource does not exist" (its parent may): the parent answers for it.
MISSING_RESOURCE_CODES = ("ResourceNotFound", "ParentResourceNotFound")


# ---- matching ------------------------------------------------------------------------------------------------------

def _pattern(text):
    parts = (text or "").strip().split("*")
    return re.compile("^" + ".*".join(re.escape(part) for part in parts) + "$", re.IGNORECASE | re.DOTALL)


def action_matches(pattern, action):
    """True when an ``actions``/``notActions`` pattern covers ``action`` (case-insensitive, ``*`` = any characters)."""
    if not pattern or not pattern.strip():
        return False
    return bool(_pattern(pattern).match(action.strip()))


def _entry_list(entry, *names):
    for name in names:
        value = entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)
        if value is not None:
            return list(value)
    return []


def is_allowed(entries, action):
    """True when one permission entry (SDK ``Permission`` model or its JSON dict) allows ``action``.

    Every entry is evaluated on its own: a ``notActions`` pattern only removes what the ``actions`` of the same entry
    (one role's permission block) granted, never what another role grants.
    """
    for entry in entries or ():
        actions = _entry_list(entry, "actions")
        not_actions = _entry_list(entry, "not_actions", "notActions")
        if any(action_matches(p, action) for p in actions) and not any(action_matches(p, action) for p in not_actions):
            return True
    return False


def missing_actions(entries, actions):
    """The ``actions`` the entries do not allow, in the order given."""
    return [action for action in actions if not is_allowed(entries, action)]


# ---- where to ask --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One permissions request: a resource (``namespace``, ``parent``, ``resource_type``, ``name``) or a resource group."""

    scope: str
    resource_group: str
    namespace: str = None
    parent: str = ""
    resource_type: str = None
    name: str = None

    @property
    def is_resource(self):
        return self.namespace is not None


def targets(scope, subscription_id):
    """The permission reads that can answer for ``scope``, most specific first: the resource, its parent resources,
    then the resource group. ``(targets, reason)``; no targets and the reason when none can (see the module text).

    ``scope`` is parsed with the collection's scope rules, so a malformed scope raises DigitalTwinsError here too."""
    parsed = parse_scope(scope)
    if parsed.kind in ("root", "management_group"):
        return [], ("Microsoft.Authorization 2022-04-01 has no permissions operation for a management group or the "
                    "root scope")
    if parsed.subscription.lower() != (subscription_id or "").lower():
        return [], "the scope is in another subscription than the one the task works in (%s)" % subscription_id
    if parsed.kind == "subscription":
        return [], "Microsoft.Authorization 2022-04-01 has no permissions operation for a subscription"
    if parsed.is_extension:
        return [], "the permissions operations cannot address a scope of this form"
    rg = parsed.resource_group
    rg_scope = parsed.resource_group_id
    found = []
    pairs = list(parsed.resources)
    while pairs:
        found.append(Target(scope=rg_scope + "/providers/%s/%s" % (parsed.namespace, "/".join("%s/%s" % p for p in pairs)),
                            resource_group=rg, namespace=parsed.namespace,
                            parent="/".join("%s/%s" % p for p in pairs[:-1]), resource_type=pairs[-1][0],
                            name=pairs[-1][1]))
        pairs = pairs[:-1]
    found.append(Target(scope=rg_scope, resource_group=rg))
    return found, None


# ---- the check -----------------------------------------------------------------------------------------------------

@dataclass
class PermissionCheck:
    """The outcome: ``verdict`` (allowed, denied, unknown), the scope that answered, and why when unknown."""

    verdict: str
    scope: str
    checked_at: str = None
    missing: list = field(default_factory=list)
    reason: str = None
    read_failed: bool = False


def read_permissions(client, target, memo=None):
    """The caller's permission entries at ``target`` (all pages).

    ``memo``: a dict shared by the checks of one call; each scope is then read once, its entries or its error kept
    (a scope known not to exist can be entered with ``note_missing``)."""
    key = target.scope.lower()
    if memo is not None and key in memo:
        outcome = memo[key]
        if isinstance(outcome, DigitalTwinsError):
            raise outcome
        return outcome
    try:
        with azure_errors("read the caller's permissions at %s" % target.scope):
            if target.is_resource:
                entries = list(client.permissions.list_for_resource(target.resource_group, target.namespace,
                                                                    target.parent, target.resource_type, target.name))
            else:
                entries = list(client.permissions.list_for_resource_group(target.resource_group))
    except DigitalTwinsError as err:
        if memo is not None:
            memo[key] = err
        raise
    if memo is not None:
        memo[key] = entries
    return entries


def note_missing(memo, scope):
    """Enter in ``memo`` that the resource ``scope`` does not exist, so that its parent answers without a read."""
    memo[scope.lower()] = DigitalTwinsError("%s does not exist." % scope, code="ResourceNotFound", status=404)


def note_missing_group(memo, group_scope):
    """Enter in ``memo`` that the resource group ``group_scope`` does not exist (a list of its instances said so)."""
    memo[group_scope.lower()] = DigitalTwinsError("%s does not exist." % group_scope, code="ResourceGroupNotFound",
                                                  status=404)


def check(client, scope, actions, subscription_id, memo=None, parent_first=False):
    """Whether the caller may perform every one of ``actions`` at ``scope``. Never raises for a failed read.

    ``parent_first``: ask the resource group first and the resource itself only when the group does not allow the
    actions (what the group allows, every resource in it allows; with ``memo``, many resources of one group then
    cost one read)."""
    candidates, reason = targets(scope, subscription_id)
    if parent_first and len(candidates) > 1:
        group = candidates[-1]
        try:
            entries = read_permissions(client, group, memo)
        except DigitalTwinsError:
            entries = None  # the regular order below says what the failure means
        if entries is not None and not missing_actions(entries, actions):
            return PermissionCheck(ALLOWED, scope, checked_at=group.scope)
    for target in candidates:
        try:
            entries = read_permissions(client, target, memo)
        except DigitalTwinsError as err:
            if err.status == 404 and err.code == "ResourceGroupNotFound":
                return PermissionCheck(UNKNOWN, scope, reason="resource group %s does not exist yet, and Microsoft."
                                       "Authorization 2022-04-01 has no permissions operation for a subscription"
                                       % target.resource_group)
            if err.status == 404 and target.is_resource and err.code in MISSING_RESOURCE_CODES:
                continue  # it does not exist yet: its parent answers for it
            return PermissionCheck(UNKNOWN, scope, checked_at=target.scope, reason=str(err), read_failed=True)
        missing = missing_actions(entries, actions)
        return PermissionCheck(DENIED if missing else ALLOWED, scope, checked_at=target.scope, missing=missing)
    return PermissionCheck(UNKNOWN, scope, reason=reason)


def caller_label(params, method):
    """Words for the identity running the task, from its sign-in options (the access token is not read)."""
    client_id = params.get("client_id")
    if method in ("secret", "certificate", "workload_identity"):
        return "service principal with client id %s" % client_id
    if method == "password":
        return "user %s" % params.get("ad_user")
    if method == "cli":
        return "the account signed in to the Azure CLI"
    if method == "msi":
        return "managed identity with client id %s" % client_id if client_id else "the managed identity of this host"
    return "the identity running the task"


def _verbs(actions):
    verbs = []
    if ROLE_ASSIGNMENTS_WRITE in actions:
        verbs.append("assign roles")
    if ROLE_ASSIGNMENTS_DELETE in actions:
        verbs.append("remove role assignments")
    return " or ".join(verbs) or "manage role assignments"


def denied_error(result, caller):
    """The DigitalTwinsError for a DENIED check."""
    missing = result.missing
    if len(missing) > 1 and all(a.startswith("Microsoft.Authorization/roleAssignments/") for a in missing):
        what = "%s and /%s" % (missing[0], "/".join(a.rsplit("/", 1)[-1] for a in missing[1:]))
    else:
        what = " and ".join(missing)
    where = result.scope
    if result.checked_at and result.checked_at.lower() != result.scope.lower():
        where += " (checked at %s, the nearest scope that exists)" % result.checked_at
    return DigitalTwinsError(
        "The caller (%s) lacks %s at scope %s; only %s (or a custom role that allows %s) can %s there; "
        "Contributor is not enough. Grant one of them to the caller at this scope or above, or run the task as an "
        "identity that holds one. Nothing was changed."
        % (caller, what, where, ROLE_WRITERS, "it" if len(missing) == 1 else "them", _verbs(missing)),
        code="AuthorizationPrecheckFailed")


def require(client, scope, actions, subscription_id, caller, memo=None, parent_first=False):
    """``check()``, raising DigitalTwinsError when the caller is denied; returns the PermissionCheck otherwise.

    ``caller`` is a callable that returns the words for the caller (only called for the message).
    """
    result = check(client, scope, actions, subscription_id, memo=memo, parent_first=parent_first)
    if result.verdict == DENIED:
        raise denied_error(result, caller())
    return result


def precheck(client, scope, actions, subscription_id, caller, check_mode, warn, memo=None, parent_first=False):
    """``require()`` before a write; in check mode, a warning when the permissions could not be read (the dry run
    then cannot tell whether the real run may make the change)."""
    result = require(client, scope, actions, subscription_id, caller, memo=memo, parent_first=parent_first)
    if result.verdict == UNKNOWN and result.read_failed and check_mode:
        warn("Could not check in advance that the caller may %s at %s, because its permissions could not be read: %s. "
             "The real run will find out when it sends the change." % (_verbs(actions), scope, result.reason))
