# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Access as a declared set: the list form of dt_role_assignment (``assignments:``, ``exclusive``, verification).

One call converges the access of one or many scopes (instances or any scope):

1. every item is validated before the first request (``parse_items``); a bad item fails the task, naming it;
2. roles resolve once per distinct value and scope, assignees once per distinct value (the directory lookups run
   concurrently in one Graph session);
3. the assignments that apply at each scope are listed once (``atScope()``), the lists of all scopes sent concurrently
   (at most ``WORKERS`` at a time); an instance scope without assignments of its own that gets some is confirmed to
   exist, with one list of instances per resource group;
4. the plan: what to add, what to remove (``state: absent`` items, and with ``exclusive`` the direct assignments of a
   managed role whose (principal, role) the call does not declare); managed roles at a scope are the roles the call
   declares there plus the Azure Digital Twins data roles;
5. the caller's permissions are checked at each scope that changes, before any write (each scope read once per call);
6. writes run concurrently, at most ``WORKERS`` at a time (azure-core honours ``Retry-After`` on throttling);
7. the module reads back (the pending scopes of each poll concurrently) until every declared assignment is visible
   and every removed one gone, for at most ``verify_timeout`` seconds, and otherwise fails with the list of what is
   missing, as the user wrote it.

In check mode, a scope whose instance (or resource group) does not exist yet holds nothing: every declared
assignment is predicted as added, with a warning that the prediction assumes an earlier task creates the instance.

The guest and Owner-without-data-role warnings are given only for assignments the call adds (would add, in check
mode), once per principal, so that a converged declaration runs silently.

Steps 3 to 7 are ``converge_plans``, shared with the targets form (``_access_targets``), which runs them with failures
kept per scope (``isolate``) instead of raised.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.twinops.digital_twins.plugins.module_utils._assignments import (
    Desired,
    data_role_warning,
    ensure_present,
    find,
    held_roles,
    list_at_scope,
    predicted_state,
    scope_of,
    to_state,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import read_or_none
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, azure_errors
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import (
    guid_of,
    instance_id,
    parse_scope,
    same_scope,
    scope_key,
    validate_resource_group,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._permissions import (
    ROLE_ASSIGNMENTS_DELETE,
    ROLE_ASSIGNMENTS_WRITE,
    note_missing,
    note_missing_group,
    precheck,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import PRINCIPAL_TYPES, classify, given
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import DATA_ROLE_GUIDS, parse_role

# Concurrent role assignment requests per call: the lists of the scopes, the writes, the lists of the read-back.
WORKERS = 8
# Read-back: 1 s, 2 s, 4 s, then every 5 s, until verify_timeout.
VERIFY_FIRST_DELAY = 1
VERIFY_MAX_DELAY = 5
MISSING_SCOPE_CODES = ("ResourceNotFound", "ResourceGroupNotFound", "ParentResourceNotFound")


# ---- the declaration -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One scope the call converges, and the instance it is, when given by name."""

    scope: str
    instance: str = None
    resource_group: str = None

    @property
    def label(self):
        if self.instance:
            return "instance '%s' in resource group '%s'" % (self.instance, self.resource_group)
        return "scope %s" % self.scope


@dataclass
class Item:
    """One declared assignment, validated; ``principal`` and ``role`` are filled in by resolution."""

    index: int
    target: Target
    assignee: str  # as the user wrote it: the assignee, or the object id
    lookup: str  # the assignee value to resolve through the directory; None when given by object id
    role_value: str
    state: str
    principal: object = None  # _principal.Principal
    role: object = None  # _roles.Role
    owner: object = None  # what a failure of this item belongs to, when failures are isolated (see converge_plans)

    @property
    def label(self):
        return "%s (%s)" % (self.assignee, self.role.name if self.role else self.role_value)

    @property
    def header(self):
        """How an error names the item: its index, and who and which role as written."""
        return "assignments[%d] (%s, %s)" % (self.index, self.assignee, self.role_value)

    @property
    def key(self):
        return (scope_key(self.target.scope), self.principal.id, self.role.guid)

    def desired(self):
        return Desired(self.target.scope, self.principal, self.role)


def _describe_raw(raw, defaults):
    who = raw.get("assignee") or raw.get("assignee_object_id") or "no assignee"
    return "%s, %s" % (who, raw.get("role") or defaults["role"])


def _target(raw, defaults, subscription_id):
    own_scope, own_instance = raw.get("scope"), raw.get("instance")
    if own_scope and (own_instance or raw.get("resource_group")):
        raise DigitalTwinsError("give either scope, or instance and resource_group, not both.")
    if own_scope:
        return Target(parse_scope(own_scope).id)
    instance = own_instance or (None if raw.get("resource_group") else defaults["instance"])
    resource_group = raw.get("resource_group") or defaults["resource_group"]
    if instance:
        if not resource_group:
            raise DigitalTwinsError("instance %r needs resource_group (on the item or on the task)." % instance)
        validate_resource_group(resource_group)
        return Target(instance_id(subscription_id, resource_group, instance), instance, resource_group)
    if raw.get("resource_group"):
        raise DigitalTwinsError("resource_group is given without instance; for the resource group itself use scope.")
    if defaults["scope"]:
        return Target(parse_scope(defaults["scope"]).id)
    raise DigitalTwinsError("it names no instance or scope: give instance and resource_group, or scope, on the item or "
                            "on the task.")


def _parse_item(index, raw, defaults, subscription_id):
    target = _target(raw, defaults, subscription_id)
    role_value = raw.get("role") or defaults["role"]
    parse_role(role_value)
    state = raw.get("state") or defaults["state"]
    if bool(raw.get("assignee")) == bool(raw.get("assignee_object_id")):
        raise DigitalTwinsError("give exactly one of assignee and assignee_object_id.")
    if raw.get("assignee"):
        if raw.get("principal_type"):
            raise DigitalTwinsError("principal_type goes with assignee_object_id only (assignee is looked up).")
        classify(raw["assignee"])
        return Item(index, target, raw["assignee"].strip(), raw["assignee"].strip(), role_value, state)
    principal = given(raw["assignee_object_id"], raw.get("principal_type"))
    if principal.principal_type is None and state == "present":
        raise DigitalTwinsError("principal_type is required with assignee_object_id: Azure needs it to accept a "
                                "principal without a directory lookup (%s)." % ", ".join(PRINCIPAL_TYPES))
    return Item(index, target, raw["assignee_object_id"].strip(), None, role_value, state, principal=principal)


def task_target(defaults, subscription_id):
    """The task-level instance or scope as a Target (validated), or None."""
    if defaults["scope"]:
        return Target(parse_scope(defaults["scope"]).id)
    if defaults["instance"]:
        return Target(instance_id(subscription_id, defaults["resource_group"], defaults["instance"]),
                      defaults["instance"], defaults["resource_group"])
    return None


def parse_items(assignments, defaults, subscription_id):
    """Validate every item (no request); raises naming the first bad item. ``defaults``: the task-level options."""
    items = []
    for index, raw in enumerate(assignments):
        try:
            items.append(_parse_item(index, raw, defaults, subscription_id))
        except DigitalTwinsError as err:
            raise DigitalTwinsError("assignments[%d] (%s): %s Nothing was changed."
                                    % (index, _describe_raw(raw, defaults), err.message)) from None
    return items


# ---- resolution ------------------------------------------------------------------------------------------------------

def item_error(item, err):
    """``err`` about ``item``, named by its header."""
    return DigitalTwinsError("%s: %s Nothing was changed." % (item.header, err.message), code=err.code,
                             status=err.status, request_id=err.request_id, hint=err.hint)


def _raise(item, err):
    raise err


def resolve_roles(items, resolve_one, failed=_raise):
    """Fill in each item's role; ``resolve_one(value, scope)`` is called once per distinct (value, scope).

    A role that does not resolve is ``failed(item, error)`` for every item that names it (by default, raised)."""
    cache = {}
    for item in items:
        key = (item.role_value.strip().lower(), scope_key(item.target.scope))
        if key not in cache:
            try:
                cache[key] = resolve_one(item.role_value, item.target.scope)
            except DigitalTwinsError as err:
                cache[key] = err
        if isinstance(cache[key], DigitalTwinsError):
            failed(item, item_error(item, cache[key]))
            continue
        item.role = cache[key]


def resolve_principals(items, resolve_many, failed=_raise):
    """Fill in each looked-up item's principal; ``resolve_many(values)`` returns {value: Principal or error}, and is
    called once, with every distinct value. An assignee that does not resolve is ``failed(item, error)``."""
    values = sorted(set(item.lookup for item in items if item.lookup))
    found = resolve_many(values) if values else {}
    for item in items:
        if not item.lookup:
            continue
        outcome = found[item.lookup]
        if isinstance(outcome, DigitalTwinsError):
            failed(item, item_error(item, outcome))
            continue
        item.principal = outcome


def check_consistent(items, failed=_raise):
    """Refuse a declaration that wants one (scope, principal, role) both present and absent."""
    states = {}
    for item in items:
        earlier = states.setdefault(item.key, item)
        if earlier.state != item.state:
            message = ("assignments[%d] and assignments[%d] declare %s on %s both present and absent. Nothing was "
                       "changed." % (earlier.index, item.index, item.label, item.target.label))
            failed(item, DigitalTwinsError(message))


def principal_warnings(plans, seen=None):
    """The look-up warnings (a guest user, ...) of each principal that gets an assignment from this run (would get
    one, in check mode), once per principal; ``seen``: the principal ids already warned about."""
    seen = set() if seen is None else seen
    warnings = []
    for plan in plans:
        added = set((state["principal_id"] or "").lower() for state in plan.added)
        for item in plan.items:
            if item.principal.id.lower() in added and item.principal.id not in seen:
                seen.add(item.principal.id)
                warnings.extend(item.principal.warnings)
    return warnings


# ---- the plan --------------------------------------------------------------------------------------------------------

@dataclass
class ScopePlan:
    """What one scope holds and what the call changes there."""

    target: Target
    items: list
    current: list = field(default_factory=list)  # assignments at and above the scope (SDK models)
    exists: bool = True
    group_missing: bool = False  # its resource group does not exist (learnt when confirming the instance)
    add: list = field(default_factory=list)  # Items
    remove: list = field(default_factory=list)  # SDK models (direct, at this scope)
    added: list = field(default_factory=list)  # returned states
    removed: list = field(default_factory=list)  # returned states
    kept: dict = field(default_factory=dict)  # item key -> returned state of an existing assignment
    exclusive: bool = False
    read: bool = False  # whether ``current`` was read
    error: object = None  # the DigitalTwinsError that stopped this scope, when failures are isolated

    @property
    def direct(self):
        return [a for a in self.current if same_scope(scope_of(a) or "", self.target.scope)]

    def managed_guids(self):
        return set(DATA_ROLE_GUIDS) | set(item.role.guid for item in self.items)


def group_by_scope(items, empty_target=None):
    """One ScopePlan per scope the items name; ``empty_target`` (the task's scope, for an empty list) holds none."""
    plans = {}
    if empty_target is not None and not items:
        plans[scope_key(empty_target.scope)] = ScopePlan(empty_target, [])
    for item in items:
        key = scope_key(item.target.scope)
        if key not in plans:
            plans[key] = ScopePlan(item.target, [])
        plans[key].items.append(item)
    return list(plans.values())


def outcome(function, *args):
    """(what ``function(*args)`` returns, None), or (None, the DigitalTwinsError it raised)."""
    try:
        return function(*args), None
    except DigitalTwinsError as err:
        return None, err


def in_pool(function, items, workers=WORKERS):
    """``outcome(function, item)`` of each of ``items``, in their order, at most ``workers`` running at a time (one
    item runs in the calling thread). Any other exception than a DigitalTwinsError is raised."""
    items = list(items)
    if len(items) <= 1:
        return [outcome(function, item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(lambda item: outcome(function, item), items))


def list_scopes(client, plans):
    """The ``outcome`` of listing the assignments at each plan's scope, the lists sent concurrently."""
    return in_pool(lambda plan: list_at_scope(client, plan.target.scope), plans)


def read_current(client, plan, check_mode, warn, listing=None):
    """List the assignments at the scope; a scope that does not exist holds none (check mode) or fails.

    ``listing``: the ``outcome`` of that list when it was sent already (see list_scopes)."""
    listed, err = listing or outcome(list_at_scope, client, plan.target.scope)
    if err is None:
        plan.current = listed
        return
    if err.status != 404 or err.code not in MISSING_SCOPE_CODES:
        raise err
    plan.exists = False
    plan.group_missing = err.code == "ResourceGroupNotFound"
    plan.current = []
    if not check_mode:
        raise DigitalTwinsError("%s does not exist (%s). Create it first (twinops.digital_twins.dt_instance or "
                                "twinops.digital_twins.resource_group). Nothing was changed."
                                % (capitalized(plan.target.label), err.message), code=err.code, status=404,
                                request_id=err.request_id)
    if warn:
        warn(assumes_created_warning(plan.target))


def reworded(error, message):
    """A copy of ``error`` with another message (the code, status, request id and hint kept)."""
    return DigitalTwinsError(message, code=error.code, status=error.status, request_id=error.request_id,
                             hint=error.hint)


def capitalized(text):
    """``text`` with its first letter in upper case (``str.capitalize`` would lower the rest: names, scopes)."""
    return text[:1].upper() + text[1:]


def assumes_created_warning(target):
    return ("Check mode: %s does not exist yet, so every assignment declared on it is predicted as added. The "
            "prediction assumes an earlier task of the run (twinops.digital_twins.dt_instance) creates it; the real "
            "run fails if it still does not exist." % target.label)


def plan_scope(plan, exclusive):
    """Fill in ``add``, ``remove`` and ``kept`` from ``current`` and the declared items."""
    declared = set()
    removing = {}
    for item in plan.items:
        found = find(plan.current, item.desired())
        if item.state == "present":
            if (item.principal.id, item.role.guid) in declared:
                continue  # declared twice
            declared.add((item.principal.id, item.role.guid))
            if found:
                plan.kept[item.key] = to_state(found[0], item.role.name, item.principal,
                                               adopted=(found[0].name or "").lower() != item.desired().name)
            else:
                plan.add.append(item)
        else:
            for assignment in found:
                removing[(assignment.id or "").lower()] = assignment
    if exclusive:
        managed = plan.managed_guids()
        for assignment in plan.direct:
            pair = ((assignment.principal_id or "").lower(), guid_of(assignment.role_definition_id))
            if pair[1] in managed and pair not in declared:
                removing[(assignment.id or "").lower()] = assignment
    plan.remove = list(removing.values())


def check_permissions(client, plan, subscription_id, caller, check_mode, warn, memo=None, parent_first=False):
    """Fail before any write when the caller may not make this scope's changes (see _permissions); ``memo``: the
    permission reads of the call, so that each scope is read once (a scope known not to exist is not read)."""
    actions = ([ROLE_ASSIGNMENTS_WRITE] if plan.add else []) + ([ROLE_ASSIGNMENTS_DELETE] if plan.remove else [])
    if not actions:
        return
    if memo is not None and not plan.exists and parse_scope(plan.target.scope).kind == "resource":
        note_missing(memo, plan.target.scope)
        if plan.group_missing:
            note_missing_group(memo, parse_scope(plan.target.scope).resource_group_id)
    precheck(client, plan.target.scope, actions, subscription_id, caller, check_mode, warn, memo=memo,
             parent_first=parent_first)


# ---- writes ----------------------------------------------------------------------------------------------------------

def _delete(client, assignment):
    with azure_errors("delete role assignment %s" % assignment.id):
        client.role_assignments.delete_by_id(assignment.id)


def apply_plans(client, plans, principal_wait_timeout, workers=WORKERS):
    """Send every planned write concurrently; fills ``added``/``removed``. Raises listing failures and what changed."""
    failures = write_plans(client, plans, principal_wait_timeout, workers)
    if failures:
        raise write_failure(plans, failures)


def write_plans(client, plans, principal_wait_timeout, workers=WORKERS):
    """Send every planned write of ``plans`` concurrently, in one bounded pool; fills ``added``/``removed``.

    Returns the failures: (plan, "add" or "remove", Item or assignment, DigitalTwinsError)."""
    jobs = []
    for plan in plans:
        for item in plan.add:
            jobs.append((plan, "add", item))
        for assignment in plan.remove:
            jobs.append((plan, "remove", assignment))
    if not jobs:
        return []

    def run(job):
        plan, kind, what = job
        if kind == "add":
            changed, state = ensure_present(client, what.desired(), plan.current, False,
                                            wait_timeout=principal_wait_timeout)
            return changed, state
        _delete(client, what)
        return True, None

    failures = []
    for (plan, kind, what), (done, err) in zip(jobs, in_pool(run, jobs, workers)):
        if err is not None:
            failures.append((plan, kind, what, err))
            continue
        changed, state = done
        if kind == "add":
            if changed:
                plan.added.append(state)
            else:  # made meanwhile by someone else: adopted, not added by this run
                plan.kept[what.key] = state
        else:
            plan.removed.append(removed_state(what))
    return failures


def removed_state(assignment):
    return to_state(assignment)


def _change_words(plans):
    added = ["%s %s on %s" % (s.get("role_name"), s.get("assignee") or s.get("principal_id"), p.target.label)
             for p in plans for s in p.added]
    removed = ["%s %s on %s" % (s.get("role_name"), s.get("principal_id"), p.target.label)
               for p in plans for s in p.removed]
    return added, removed


def write_failure(plans, failures):
    lines = []
    for plan, kind, what, err in failures:
        who = what.label if kind == "add" else "%s of %s" % (what.role_definition_id, what.principal_id)
        lines.append("%s %s on %s: %s" % ("adding" if kind == "add" else "removing", who, plan.target.label,
                                          err.message))
    added, removed = _change_words(plans)
    if added or removed:
        done = "Changed before the failure: %s." % "; ".join(["added " + a for a in added] +
                                                             ["removed " + r for r in removed])
    else:
        done = "Nothing was changed."
    first = failures[0][3]
    return DigitalTwinsError("%d of the role assignment changes failed: %s. %s"
                             % (len(failures), " | ".join(lines), done), code=first.code, status=first.status,
                             request_id=first.request_id)


def predict(plans):
    """Check mode: what the writes would return."""
    for plan in plans:
        plan.added = [predicted_state(item.desired()) for item in plan.add]
        plan.removed = [removed_state(a) for a in plan.remove]


# ---- verification ----------------------------------------------------------------------------------------------------

def unverified(plan, listed):
    """The labels of what the read-back does not show yet: declared assignments missing, removed ones still there."""
    missing = []
    for item in plan.items:
        if item.state == "present" and not find(listed, item.desired()):
            missing.append("%s on %s" % (item.label, plan.target.label))
    gone_ids = set((a.id or "").lower() for a in plan.remove)
    for assignment in listed:
        if (assignment.id or "").lower() in gone_ids:
            missing.append("the removal of %s for %s on %s"
                           % (assignment.role_definition_id, assignment.principal_id, plan.target.label))
    return missing


def verify(client, plans, timeout, sleep=time.sleep, clock=time.monotonic):
    """Read back every scope that changed until it shows what was declared; raises listing what it does not."""
    gaps = read_back(client, plans, timeout, sleep=sleep, clock=clock)
    if gaps:
        raise not_verified(timeout, [gap for plan_gaps in gaps.values() for gap in plan_gaps])


def read_back(client, plans, timeout, sleep=time.sleep, clock=time.monotonic, failed=None):
    """Read back every scope of ``plans`` that changed, each poll listing only the scopes still unverified (the lists
    sent concurrently), until all show what was declared or ``timeout`` is up. Returns {id(plan): [what is missing]}
    for those that do not.

    A list that fails is raised, or, with ``failed``, given to ``failed(plan, error)`` and that scope is not read again.
    """
    pending = [plan for plan in plans if plan.add or plan.remove]
    deadline = clock() + max(0, timeout)
    delay = VERIFY_FIRST_DELAY
    gaps = {}
    while True:
        still, gaps = [], {}
        for plan, (listed, err) in zip(pending, list_scopes(client, pending)):
            if err is not None:
                if failed is None:
                    raise err
                failed(plan, err)
                continue
            missing = unverified(plan, listed)
            if missing:
                still.append(plan)
                gaps[id(plan)] = missing
        pending = still
        remaining = deadline - clock()
        if not pending or remaining <= 0:
            break
        sleep(min(delay, remaining))
        delay = min(delay * 2, VERIFY_MAX_DELAY)
    return gaps


def not_verified(timeout, missing):
    return DigitalTwinsError(
        "The role assignments were written, but %d s later Azure does not show them as declared. Missing: %s. ARM "
        "reads can lag writes: re-run the task (it changes only what is still missing), or raise verify_timeout."
        % (timeout, "; ".join(missing)), code="AssignmentsNotVerified")


# ---- results ---------------------------------------------------------------------------------------------------------

def _state_key(state):
    return (scope_key(state["scope"]), (state["principal_id"] or "").lower(), guid_of(state["role_definition_id"]))


def declared_states(items, plans):
    """Every declared (present) assignment after the run, in declaration order, each once."""
    by_key = {}
    for plan in plans:
        by_key.update(plan.kept)
        by_key.update((_state_key(state), state) for state in plan.added)
    states, seen = [], set()
    for item in items:
        if item.state == "present" and item.key not in seen and item.key in by_key:
            seen.add(item.key)
            state = dict(by_key[item.key])
            state.update(assignee=item.principal.assignee, resolved_by=item.principal.resolved_by)
            states.append(state)
    return states


def _entry(state):
    who = state.get("assignee") or state.get("principal_id")
    if who != state.get("principal_id"):
        who = "%s (%s)" % (who, state.get("principal_id"))
    return "%s: %s" % (state.get("role_name") or guid_of(state.get("role_definition_id")), who)


def set_diff(plans):
    """before/after per scope: the managed assignments there, one line each."""
    before, after = {}, {}
    for plan in plans:
        managed = plan.managed_guids()
        names = dict((item.role.guid, item.role.name) for item in plan.items)
        held = [to_state(a, names.get(guid_of(a.role_definition_id))) for a in plan.direct
                if guid_of(a.role_definition_id) in managed]
        removed_ids = set((s["id"] or "").lower() for s in plan.removed)
        lines_before = sorted(_entry(s) for s in held)
        lines_after = sorted([_entry(s) for s in held if (s["id"] or "").lower() not in removed_ids]
                             + [_entry(s) for s in plan.added])
        before[plan.target.scope] = lines_before
        after[plan.target.scope] = lines_after
    return {"before": before, "after": after}


def role_warnings(plans, seen=None):
    """The Owner-is-not-Data-Owner warning for each principal that gets an assignment on an instance scope from this
    run (would get one, in check mode), at most once per principal (``seen``: the principal ids already warned
    about); the warning names the first such scope and counts the others."""
    seen = set() if seen is None else seen
    found = {}  # principal id -> [warning, how many more scopes]
    for plan in plans:
        if not plan.added or not parse_scope(plan.target.scope).is_instance:
            continue
        removed_ids = set((a.id or "").lower() for a in plan.remove)
        added = set((state["principal_id"] or "").lower() for state in plan.added)
        principals = {}
        for item in plan.items:
            if item.state == "present" and item.principal.id.lower() in added:
                principals.setdefault(item.principal.id, item.principal)
        for principal_id, principal in sorted(principals.items()):
            if principal_id in seen:
                continue
            held = held_roles(a for a in plan.current if (a.principal_id or "").lower() == principal_id
                              and (a.id or "").lower() not in removed_ids)
            held += [(s["scope"], s["role_definition_id"]) for s in plan.added if s["principal_id"] == principal_id]
            warning = data_role_warning(held, plan.target.scope, principal.label())
            if not warning:
                continue
            if principal_id in found:
                found[principal_id][1] += 1
            else:
                found[principal_id] = [warning, 0]
    seen.update(found)
    return [warning if more == 0 else "%s The same holds on %d other instance%s of this task."
            % (warning, more, "" if more == 1 else "s") for warning, more in found.values()]


# ---- the whole run -----------------------------------------------------------------------------------------------------

@dataclass
class Context:
    """What converge() needs from the module: clients, resolvers and how to warn."""

    authorization: object  # callable returning the AuthorizationManagementClient (called after validation)
    digitaltwins: object  # callable returning the AzureDigitalTwinsManagementClient
    subscription_id: str
    check_mode: bool
    warn: object  # callable(message)
    resolve_role: object  # callable(value, scope, client_factory) -> Role
    resolve_many: object  # callable(values) -> {value: Principal or DigitalTwinsError}
    known_ids: object  # callable(object ids) -> set of ids the directory holds, or None
    caller: object  # callable() -> words for the caller


def converge(context, params):
    """The list form: validate, resolve, plan, check permissions, then write and verify (or predict, in check mode).

    Any failure fails the call. Returns the module result: changed, assignments, added, removed and diff.
    """
    defaults = dict((key, params[key]) for key in ("instance", "resource_group", "scope", "role", "state"))
    items = parse_items(params["assignments"], defaults, context.subscription_id)
    empty_target = task_target(defaults, context.subscription_id)
    client = context.authorization()  # the first request (cloud metadata, token) only after every item is valid
    resolve_roles(items, lambda value, scope: context.resolve_role(value, scope, lambda: client))
    resolve_principals(items, context.resolve_many)
    check_consistent(items)

    plans = group_by_scope(items, empty_target)
    for plan in plans:
        plan.exclusive = params["exclusive"]
    converge_plans(context, client, plans, params)

    added = [state for plan in plans for state in plan.added]
    removed = [state for plan in plans for state in plan.removed]
    return dict(changed=bool(added or removed), assignments=declared_states(items, plans), added=added,
                removed=removed, diff=set_diff(plans))


def converge_plans(context, client, plans, params, isolate=False):
    """Steps 3 to 7 for scopes whose items are resolved: read, plan, confirm instances, check permissions, then write
    and read back (or predict, in check mode), and warn about what was added.

    Without ``isolate``, the first failure is raised (the list form). With it, a failure that belongs to a scope is
    kept in its plan's ``error``, the scope takes no further part, and every other scope converges; the writes of all
    scopes share one pool and their read-back one loop. Failures of the call itself (sign-in, the directory session)
    are raised either way.
    """
    def fail(plan, err):
        if not isolate:
            raise err
        plan.error = err

    def live():
        return [plan for plan in plans if plan.error is None]

    warn_missing = None if isolate else context.warn
    reading = live()
    for plan, listing in zip(reading, list_scopes(client, reading)):
        try:
            read_current(client, plan, context.check_mode, warn_missing, listing=listing)
        except DigitalTwinsError as err:
            fail(plan, err)
            continue
        plan.read = True
        plan_scope(plan, plan.exclusive)
    confirm_instances(context.digitaltwins, live(), context.check_mode, warn_missing, fail=fail,
                      subscription_id=context.subscription_id, always=isolate)
    if params["check_permissions"]:
        _check_all_permissions(context, client, live(), fail, parent_first=isolate)
    notices = params.get("notices", True)
    if notices and any(item.lookup for plan in plans for item in plan.items):  # the directory is read anyway
        for warning in unknown_object_ids(live(), context.known_ids):
            context.warn(warning)

    if context.check_mode:
        predict(live())
    else:
        _write_and_read_back(client, live(), params, fail, isolate)
    for warning in (principal_warnings(plans) + role_warnings(plans)) if notices else ():
        context.warn(warning)


def _check_all_permissions(context, client, plans, fail, parent_first):
    """The permission pre-check of every plan, each scope read once; a permissions read that failed for many scopes is
    warned about once."""
    memo, unreadable = {}, []
    for plan in plans:
        try:
            check_permissions(client, plan, context.subscription_id, context.caller, context.check_mode,
                              unreadable.append, memo=memo, parent_first=parent_first)
        except DigitalTwinsError as err:
            fail(plan, err)
    if len(unreadable) == 1:
        context.warn(unreadable[0])
    elif unreadable:
        context.warn("%s The same holds for %d other scopes of this task." % (unreadable[0], len(unreadable) - 1))


def _write_and_read_back(client, plans, params, fail, isolate):
    """Every write of ``plans`` in one pool, then the read-back of those whose writes all succeeded, in one loop."""
    failures = write_plans(client, plans, params["principal_wait_timeout"])
    if failures and not isolate:
        raise write_failure(plans, failures)
    for plan in plans:
        own = [failure for failure in failures if failure[0] is plan]
        if own:
            plan.error = write_failure([plan], own)
    if not params["verify"]:
        return
    written = [plan for plan in plans if plan.error is None]
    timeout = params["verify_timeout"]

    def unreadable(plan, err):
        fail(plan, reworded(err, "The role assignments were written, but reading them back failed: %s Re-run the "
                                 "task to check them." % err.message))

    gaps = read_back(client, written, timeout, failed=unreadable if isolate else None)
    if gaps and not isolate:
        raise not_verified(timeout, [gap for plan in written for gap in gaps.get(id(plan), [])])
    for plan in written:
        if id(plan) in gaps and plan.error is None:
            plan.error = not_verified(timeout, gaps[id(plan)])


# ---- instances that do not exist yet ---------------------------------------------------------------------------------

def confirm_instances(dt_client, plans, check_mode, warn, fail=None, subscription_id=None, always=False):
    """For an instance scope that gets assignments and has none of its own, make sure the instance exists.

    Listing role assignments does not tell a missing resource from one without assignments, so the instances of the
    resource group are listed (one request per resource group, only then). A missing instance fails the real run
    before any write (``fail(plan, error)``, by default raised); in check mode it is predicted as holding nothing,
    with a warning when ``warn`` is given. ``always``: confirm an instance scope without assignments of its own even
    when nothing is added there. Instances in another subscription than ``subscription_id`` (when given) are not
    confirmed: the client lists the session's subscription.
    """
    groups = {}
    for plan in plans:
        if not plan.exists or not (plan.add or always) or plan.direct:
            continue
        parsed = parse_scope(plan.target.scope)
        if not parsed.is_instance:
            continue
        if subscription_id and parsed.subscription.lower() != subscription_id.lower():
            continue
        groups.setdefault(parsed.resource_group.lower(), (parsed.resource_group, []))[1].append(plan)
    for resource_group, group_plans in groups.values():
        try:
            names = instance_names(dt_client, resource_group)
            if names is None:  # the group does not exist: no instance either, and no permissions to read there
                names = set()
                for plan in group_plans:
                    plan.group_missing = True
        except DigitalTwinsError as err:
            if fail is None:
                raise
            for plan in group_plans:
                fail(plan, reworded(err, "%s Nothing was changed." % err.message))
            continue
        for plan in group_plans:
            if parse_scope(plan.target.scope).resources[0][1].lower() in names:
                continue
            plan.exists = False
            if not check_mode:
                missing = missing_error(plan.target.scope)
                missing.message += " Nothing was changed."
                if fail is None:
                    raise missing
                fail(plan, missing)
                continue
            if warn:
                warn(assumes_created_warning(plan.target))


def instance_names(dt_client, resource_group):
    """The names (lower case) of the instances in ``resource_group`` (one list); None when the group does not exist."""
    action = "list the Azure Digital Twins instances in resource group '%s'" % resource_group
    pager = read_or_none(action, dt_client().digital_twins.list_by_resource_group, resource_group,
                         group_missing_is_absent=True)
    if pager is None:
        return None
    found = read_or_none(action, lambda: [(item.name or "").lower() for item in pager], group_missing_is_absent=True)
    return None if found is None else set(found)


def missing_error(scope):
    parsed = parse_scope(scope)
    return DigitalTwinsError("Azure Digital Twins instance %r does not exist in resource group %r of subscription %s. "
                             "Create it first (twinops.digital_twins.dt_instance)."
                             % (parsed.resources[0][1], parsed.resource_group, parsed.subscription),
                             code="ResourceNotFound", status=404)


def missing_instance_error(dt_client, scope):
    """None when the instance ``scope`` names exists, else the error that says it does not (one read)."""
    parsed = parse_scope(scope)
    name = parsed.resources[0][1]
    found = read_or_none("read Azure Digital Twins instance '%s'" % name, dt_client().digital_twins.get,
                         parsed.resource_group, name, group_missing_is_absent=True)
    if found is not None:
        return None
    return missing_error(scope)


def unknown_object_ids(plans, directory_ids):
    """Warnings for principals given by object id that get an assignment but that the directory does not know.

    ``directory_ids(ids)`` returns the set of ids the directory knows, or None when it cannot be read (then nothing is
    said: without Graph permissions, object ids are the way to assign).
    """
    given_ids = sorted(set(item.principal.id for plan in plans for item in plan.add
                           if item.principal.resolved_by == "given"))
    if not given_ids:
        return []
    known = directory_ids(given_ids)
    if known is None:
        return []
    return ["assignee_object_id %s is not an object in the directory. Azure creates a role assignment for an object "
            "id it does not know when principal_type is given (it cannot tell a mistyped id from a principal that has "
            "not replicated yet), and the assignment grants nothing until such an object exists. Check the id."
            % object_id for object_id in given_ids if object_id not in known]
