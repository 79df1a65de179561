# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""The targets form of dt_role_assignment (``targets:``): the access of many scopes, one declared set each.

Each target is an instance (or any scope) with its own ``assignments`` and its own ``exclusive``, and converges, or
fails, on its own: a target whose input is bad, whose assignee or role does not resolve, whose instance is missing (real
run), whose permission pre-check refuses, whose write fails or whose read-back times out is reported failed with its
own message, and every other target converges. A failure of the call itself (sign-in, cloud metadata) still fails the
whole task.

The expensive work is shared, through the list form's pipeline (``_access.converge_plans``): every distinct assignee
is looked up once, in one Graph session; roles once per distinct value and scope; permissions are read once per scope
(many instances of one resource group answer from one read of the group); whether instances exist is read with one
list per resource group; the assignments of all targets are listed concurrently, their writes run in one bounded pool
and their read-back in one loop.

In check mode, a target whose instance does not exist yet is predicted as getting every declared assignment and says
so in its own result (``instance_exists: false``), without a warning: the same declaration runs in check mode before
every real run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.twinops.digital_twins.plugins.module_utils._access import (
    Target,
    capitalized,
    check_consistent,
    converge_plans,
    declared_states,
    group_by_scope,
    parse_items,
    resolve_principals,
    resolve_roles,
    set_diff,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import (
    instance_id,
    parse_scope,
    scope_key,
    validate_resource_group,
)

NOTHING_CHANGED = "Nothing was changed."


@dataclass
class TargetRun:
    """One target of the call: its declaration, its plan and, when it failed, why."""

    index: int
    raw: dict
    exclusive: bool
    target: Target = None
    items: list = field(default_factory=list)
    plan: object = None  # _access.ScopePlan
    error: object = None  # DigitalTwinsError

    def fail(self, error):
        if self.error is None:
            self.error = error

    @property
    def label(self):
        """How the task's message names the target."""
        if self.target is not None and self.target.instance:
            return "instance '%s' (resource group '%s')" % (self.target.instance, self.target.resource_group)
        if self.target is not None:
            return "scope %s" % self.target.scope
        if self.raw.get("instance"):
            return "targets[%d] (instance '%s')" % (self.index, self.raw["instance"])
        return "targets[%d]" % self.index


def _with_nothing_changed(error):
    if not error.message.endswith(NOTHING_CHANGED):
        error.message = "%s %s" % (error.message, NOTHING_CHANGED)
    return error


def target_of(raw, subscription_id):
    """The Target of one ``targets`` entry (validated, no request)."""
    scope, instance, resource_group = raw.get("scope"), raw.get("instance"), raw.get("resource_group")
    if scope and (instance or resource_group):
        raise DigitalTwinsError("give either scope, or instance and resource_group, not both.")
    if scope:
        return Target(parse_scope(scope).id)
    if instance:
        if not resource_group:
            raise DigitalTwinsError("instance %r needs resource_group." % instance)
        validate_resource_group(resource_group)
        return Target(instance_id(subscription_id, resource_group, instance), instance, resource_group)
    if resource_group:
        raise DigitalTwinsError("resource_group is given without instance; for the resource group itself use scope.")
    raise DigitalTwinsError("it names no instance or scope: give instance and resource_group, or scope.")


def parse_target(index, raw, params, subscription_id):
    """One TargetRun, validated (no request); a bad target carries its error and is not run."""
    exclusive = params["exclusive"] if raw.get("exclusive") is None else raw["exclusive"]
    run = TargetRun(index, raw, exclusive)
    try:
        try:
            run.target = target_of(raw, subscription_id)
            if raw.get("assignments") is None:
                raise DigitalTwinsError("it has no assignments: give the list of its assignments (an empty list "
                                        "declares that it holds none).")
        except DigitalTwinsError as err:
            err.message = "targets[%d]: %s" % (index, err.message)
            raise
        defaults = dict(instance=run.target.instance, resource_group=run.target.resource_group,
                        scope=None if run.target.instance else run.target.scope, role=params["role"],
                        state=params["state"])
        run.items = parse_items(raw["assignments"], defaults, subscription_id)
    except DigitalTwinsError as err:
        run.error = _with_nothing_changed(err)
        return run
    for item in run.items:
        item.owner = run
    return run


def parse_targets(raw_targets, params, subscription_id):
    """Every target validated, in input order; the later of two targets that name one scope fails."""
    runs = [parse_target(index, raw, params, subscription_id) for index, raw in enumerate(raw_targets)]
    first = {}
    for run in runs:
        if run.target is None:
            continue
        key = scope_key(run.target.scope)
        if key in first:
            run.fail(DigitalTwinsError("%s is declared twice, in targets[%d] and targets[%d]: declare each scope once "
                                       "(merge the two assignments lists). %s"
                                       % (capitalized(run.target.label), first[key].index, run.index,
                                          NOTHING_CHANGED)))
        else:
            first[key] = run
    return runs


def _live(runs):
    return [run for run in runs if run.error is None]


def _fail_item(item, error):
    item.owner.fail(error)


def _converge(context, params, runs):
    """The shared work for the valid targets, then each one's plan through the list form's pipeline."""
    client = context.authorization()  # the first request (cloud metadata, token) only after every target is checked
    resolve_roles([item for run in _live(runs) for item in run.items],
                  lambda value, scope: context.resolve_role(value, scope, lambda: client), failed=_fail_item)
    resolve_principals([item for run in _live(runs) for item in run.items], context.resolve_many, failed=_fail_item)
    for run in _live(runs):
        check_consistent(run.items, failed=_fail_item)
    for run in _live(runs):
        [run.plan] = group_by_scope(run.items, run.target)
        run.plan.exclusive = run.exclusive
    converge_plans(context, client, [run.plan for run in _live(runs)], params, isolate=True)
    for run in runs:
        if run.plan is not None and run.plan.error is not None:
            run.fail(run.plan.error)


def converge_targets(context, params):
    """Validate every target, share the look-ups, then converge each target's scope on its own (see the module text).

    Returns (result, failed runs); ``result`` holds ``targets`` (one entry per target, in input order), ``changed``,
    ``added``, ``removed`` and ``diff``.
    """
    runs = parse_targets(params["targets"], params, context.subscription_id)
    if _live(runs):
        _converge(context, params, runs)
    entries = [target_result(run, context.check_mode) for run in runs]
    diff = {"before": {}, "after": {}}
    for entry in entries:
        for side in ("before", "after"):
            diff[side].update(entry["diff"][side])
    result = dict(changed=any(entry["changed"] for entry in entries),
                  added=[state for entry in entries for state in entry["added"]],
                  removed=[state for entry in entries for state in entry["removed"]],
                  diff=diff, targets=entries)
    return result, [run for run in runs if run.error is not None]


def failure_message(failed, total):
    """The task's message when targets failed: how many, and each one's message."""
    each = "; ".join("%s: %s" % (run.label, run.error) for run in failed)
    return "%d of %d targets failed: %s" % (len(failed), total, each)


def _count(number, noun="assignment"):
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


def outcome_message(run, check_mode):
    """What happened to a target (would happen, in check mode), in words."""
    if run.error is not None:
        return str(run.error)
    plan = run.plan
    added, removed = len(plan.added), len(plan.removed)
    if check_mode and not plan.exists:
        where = ("instance '%s'" % run.target.instance) if run.target.instance else run.target.scope
        return ("would add %s once %s exists (it does not exist yet; an earlier task of the run is expected to "
                "create it)" % (_count(added), where))
    if not added and not removed:
        declared = len(set(item.key for item in run.items if item.state == "present"))
        return "no change: %s declared, in place" % _count(declared)
    words = []
    if added:
        words.append(("would add %s" if check_mode else "added %s") % _count(added))
    if removed:
        words.append(("would remove %s" if check_mode else "removed %s") % _count(removed))
    return " and ".join(words)


def target_result(run, check_mode):
    """One entry of ``targets``: where, what it declares after the run, what changed, and the outcome."""
    plan = run.plan
    target = run.target
    read = plan is not None and plan.read
    return dict(
        instance=target.instance if target else run.raw.get("instance"),
        resource_group=target.resource_group if target else run.raw.get("resource_group"),
        scope=target.scope if target else run.raw.get("scope"),
        exclusive=run.exclusive,
        changed=bool(plan is not None and (plan.added or plan.removed)),
        failed=run.error is not None,
        msg=outcome_message(run, check_mode),
        instance_exists=plan.exists if read else None,
        assignments=declared_states(run.items, [plan]) if read else [],
        added=list(plan.added) if plan is not None else [],
        removed=list(plan.removed) if plan is not None else [],
        diff=set_diff([plan]) if read else {"before": {}, "after": {}},
    )
