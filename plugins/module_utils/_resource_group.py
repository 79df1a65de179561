# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Resource groups: naming rules, SDK model -> returned dict, and ``ensure_*`` returning (changed, predicted_state)."""

from __future__ import annotations

import time

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import (
    call,
    read_or_none,
    timeout_error,
    wait_for_lro,
    wait_until,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import (
    desired_tags,
    make_diff,
    normalise_location,
    tags_differ,
    validate_result_tags,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, azure_errors
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import resource_group_id
from ansible_collections.twinops.digital_twins.plugins.module_utils._locations import LocationChecker


# How many of a group's resources an error lists before "and more".
RESOURCE_LIST_CAP = 20


def group_id(subscription_id, name):
    return resource_group_id(subscription_id, name)


def to_dict(group):
    """The returned ``resource_group`` dict for an SDK ResourceGroup (azure-mgmt-resource 23 and later)."""
    if group is None:
        return {}
    properties = getattr(group, "properties", None)
    return {
        "id": group.id,
        "name": group.name,
        "location": normalise_location(group.location),
        "tags": dict(group.tags or {}),
        "provisioning_state": getattr(properties, "provisioning_state", None),
    }


def get_group(client, name):
    """The SDK ResourceGroup, or None when it does not exist."""
    return read_or_none("read resource group '%s'" % name, client.resource_groups.get, name, group_missing_is_absent=True)


def read_group(client, name):
    """The group as a returned dict, or None when it does not exist."""
    group = get_group(client, name)
    return to_dict(group) if group is not None else None


def wait_while_deleting(client, name, current, deadline):
    """A group still being deleted (by an earlier run that timed out, or by someone else) is waited for."""
    if not current or (current.get("provisioning_state") or "").lower() != "deleting":
        return current
    group = wait_until(lambda: get_group(client, name), lambda found: found is None, deadline,
                       "resource group '%s' to be deleted" % name, state_of=lambda found: "Deleting")
    return to_dict(group) if group is not None else None


def predict_created(subscription_id, name, location, tags):
    """The state a create returns (resource groups are created synchronously, so nothing is unknown)."""
    return {
        "id": group_id(subscription_id, name),
        "name": name,
        "location": normalise_location(location),
        "tags": desired_tags({}, tags, True) or {},
        "provisioning_state": "Succeeded",
    }


def location_checker(client):
    """Checks a region against those the Microsoft.Resources provider lists for groups (one read for many groups)."""
    return LocationChecker(client, "Microsoft.Resources", "resourceGroups", "Creating a resource group",
                           code="LocationNotAvailableForResourceGroup")


def ensure_present(client, subscription_id, name, location, tags, purge_tags, current, check_mode, locations=None,
                   match_location=True):
    """Create the group or bring its tags in line. Returns (changed, state) - the predicted state in check mode.

    ``locations`` (a location_checker shared by many groups) checks the region before a create. With
    ``match_location=False``, ``location`` is only used to create the group: an existing group in another region is
    converged where it is (its state keeps its real location).
    """
    if current is None:
        if not location:
            raise DigitalTwinsError("Resource group '%s' does not exist and location is required to create it." % name)
        (locations or location_checker(client)).check(location)
        predicted = predict_created(subscription_id, name, location, tags)
        if check_mode:
            return True, predicted
        body = {"location": predicted["location"]}
        if tags is not None:
            body["tags"] = predicted["tags"]
        return True, to_dict(call("create resource group '%s'" % name, client.resource_groups.create_or_update, name, body))

    if match_location and location and normalise_location(location) != current["location"]:
        raise DigitalTwinsError(
            "Resource group '%s' is in %s; location %s was requested. The location of a resource group cannot be "
            "changed: omit location, set it to %s, set match_location=false to use location only to create the group, "
            "or use another group." % (name, current["location"], normalise_location(location), current["location"]),
            code="LocationIsCreateOnly")
    wanted = desired_tags(current["tags"], tags, purge_tags)
    validate_result_tags(current["tags"], wanted, "Resource group '%s'" % name)
    if not tags_differ(current["tags"], wanted):
        return False, current
    predicted = dict(current, tags=wanted)
    if check_mode:
        return True, predicted
    return True, to_dict(call("update the tags of resource group '%s'" % name, client.resource_groups.update, name,
                              {"tags": wanted}))


def list_resources(client, name, cap=RESOURCE_LIST_CAP, expected=()):
    """Up to ``cap`` resources of the group as "name (type)" strings, and whether there are more.

    Resources whose ARM id is in ``expected`` (compared case-insensitively) are left out.
    """
    skip = {(resource_id or "").rstrip("/").lower() for resource_id in expected}
    found = []
    with azure_errors("list the resources in resource group '%s'" % name):
        for resource in client.resources.list_by_resource_group(name):
            if (resource.id or "").rstrip("/").lower() in skip:
                continue
            if len(found) == cap:
                return found, True
            found.append("%s (%s)" % (resource.name, resource.type))
    return found, False


def ensure_absent(client, name, current, force, check_mode, wait, deadline, delete_resources=()):
    """Delete the group; refuse when it still holds resources unless ``force``. Returns (changed, {}).

    Resources listed in ``delete_resources`` (ARM ids; for example what a failed run created, a Failed instance
    included) do not block the deletion: they go with the group. Any other resource still does.
    """
    if current is None:
        return False, {}
    if (current.get("provisioning_state") or "").lower() == "deleting":
        if wait and not check_mode:
            wait_while_deleting(client, name, current, deadline)
        return False, {}
    if not force:
        resources, more = list_resources(client, name, expected=delete_resources)
        if resources:
            raise DigitalTwinsError(
                "Resource group '%s' still holds %s resource%s%s: %s%s. Deleting it would delete them too; set force=true "
                "to do that, or remove them first." % (name, ("more than %d" % len(resources)) if more else len(resources),
                                                       "" if len(resources) == 1 and not more else "s",
                                                       " besides delete_resources" if delete_resources else "",
                                                       ", ".join(resources), ", ..." if more else ""),
                code="ResourceGroupNotEmpty")
    if check_mode:
        return True, {}
    action = "delete resource group '%s'" % name
    poller = call(action, client.resource_groups.begin_delete, name, polling=bool(wait))
    if wait:
        wait_for_lro(poller, deadline, action, "resource group '%s' to be deleted" % name,
                     read_state=_read_state(client, name), noun="the resource group")
    return True, {}


def _read_state(client, name):
    def read():
        group = get_group(client, name)
        return to_dict(group)["provisioning_state"] if group is not None else None
    return read


# ---------------------------------------------------------------------------------------------------------------
# List form: many resource groups in one process
#
# Every group is read with one list of the subscription's groups, the regions with one read of the resource
# provider; creates and tag updates are immediate, deletions are sent without waiting and then waited for together
# (one list of the groups per poll). A failing item fails only itself.
#
# Items that name the same group (case-insensitively) are converged once when they declare the same desired state
# (see ``_desired``), and each of them gets that one outcome; when they declare different ones, each of them fails
# and nothing is sent for that group.

class GroupItem:
    """One entry of ``resource_groups``: its validated options (None when its input is bad) and its outcome."""

    def __init__(self, index, options=None, error=None, given=None):
        self.index = index
        self.options = options
        self.error = error
        self.given = given or {}
        self.current = None
        self.after = None
        self.changed = False
        self.pending = False

    @property
    def name(self):
        return self.options["name"] if self.options else _text(self.given.get("name"))

    @property
    def label(self):
        return "resource group '%s'" % self.name if self.name else "resource_groups[%d]" % self.index

    def result(self):
        after = self.after if self.after is not None else (self.current or {})
        if self.error is not None:
            message = str(self.error)
        elif not self.changed:
            message = "unchanged"
        elif self.options["state"] == "absent":
            message = "deleted"
        else:
            message = "created" if self.current is None else "updated"
        return {"name": self.name, "changed": self.changed, "failed": self.error is not None, "msg": message,
                "resource_group": after, "diff": make_diff(self.current, after)}

    def copy_outcome(self, leader):
        """Take the outcome of ``leader``, the item that converged the group this item declares the same way."""
        self.current, self.after, self.changed = leader.current, leader.after, leader.changed
        self.error, self.pending = leader.error, leader.pending


def _text(value):
    return value if isinstance(value, str) else None


def _list_groups(client):
    action = "list the resource groups of the subscription"
    pager = call(action, client.resource_groups.list)
    return {group["name"].lower(): group for group in call(action, lambda: [to_dict(item) for item in pager])}


# The options that must agree between items naming the same group, in the order an error lists them.
_COMPARED = ("state", "match_location", "location", "tags", "purge_tags", "force")


def _desired(options):
    """What an item asks of its group, for comparison with other items naming it. Options without effect (purge_tags
    without tags, location of an item that does not match it, force and tags of the other state) are left out."""
    present = options["state"] == "present"
    match = options.get("match_location", True)
    tags = options["tags"] if present else None
    return {
        "state": options["state"],
        "match_location": match if present else None,
        "location": normalise_location(options["location"]) if present and match and options["location"] else None,
        "tags": desired_tags({}, tags, True) if tags is not None else None,
        "purge_tags": options["purge_tags"] if tags is not None else None,
        "force": options["force"] if not present else None,
    }


def item_numbers(indexes):
    """1-based item numbers, runs of three or more shortened: [0, 1, 2, 4, 5] gives items 1-3, 5 and 6."""
    runs = []
    for number in sorted(index + 1 for index in indexes):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    parts = []
    for first, last in runs:
        parts.extend(["%d-%d" % (first, last)] if last - first > 1 else ["%d" % n for n in range(first, last + 1)])
    text = parts[0] if len(parts) == 1 else "%s and %s" % (", ".join(parts[:-1]), parts[-1])
    return ("items " if len(indexes) > 1 else "item ") + text


def _merge_declarations(valid):
    """Group the items by group name. Returns the leaders (one item per group, converged) and {leader: followers}.

    The items of a group that agree become one leader whose options merge theirs: the first location given creates
    the group, and ``delete_resources`` are the union of theirs. Items that disagree all fail, and have no leader.
    """
    by_name = {}
    for item in valid:
        by_name.setdefault(item.name.lower(), []).append(item)
    leaders, followers = [], {}
    for members in by_name.values():
        if len(members) == 1:
            leaders.append(members[0])
            continue
        wanted = [_desired(item.options) for item in members]
        differing = [key for key in _COMPARED if any(w[key] != wanted[0][key] for w in wanted[1:])]
        if differing:
            error = DigitalTwinsError(
                "Resource group '%s' is declared by %s with different %s; nothing was changed for it. Declare it the "
                "same way in every item." % (members[0].name, item_numbers([item.index for item in members]),
                                             " and ".join(differing)), code="ConflictingItems")
            for item in members:
                item.error = error
            continue
        leader = members[0]
        options = dict(leader.options)
        options["location"] = next((item.options["location"] for item in members if item.options["location"]), None)
        seen, merged = set(), []
        for item in members:
            for resource_id in item.options.get("delete_resources") or []:
                if resource_id.lower() not in seen:
                    seen.add(resource_id.lower())
                    merged.append(resource_id)
        options["delete_resources"] = merged
        leader.options = options
        leaders.append(leader)
        followers[leader] = members[1:]
    return leaders, followers


def ensure_many(client, subscription_id, items, check_mode, wait, deadline, sleep=time.sleep):
    """Converge every valid GroupItem; each ends with changed, after and possibly error. Returns the items."""
    valid, followers = _merge_declarations([item for item in items if item.error is None])
    if not valid:
        return items
    groups = _list_groups(client)
    locations = location_checker(client)
    for item in valid:
        options = item.options
        item.current = groups.get(item.name.lower())
        try:
            if options["state"] == "absent":
                item.changed, item.after = ensure_absent(client, item.name, item.current, options["force"], check_mode,
                                                         False, deadline, delete_resources=options["delete_resources"])
                item.pending = item.changed and wait and not check_mode
            else:
                if wait and not check_mode:
                    item.current = wait_while_deleting(client, item.name, item.current, deadline)
                item.changed, item.after = ensure_present(client, subscription_id, item.name, options["location"],
                                                          options["tags"], options["purge_tags"], item.current, check_mode,
                                                          locations=locations,
                                                          match_location=options.get("match_location", True))
        except DigitalTwinsError as error:
            item.error = error
    delay = 1.0
    while any(item.pending for item in valid):
        pending = [item for item in valid if item.pending]
        if deadline.expired():
            for item in pending:
                item.error = timeout_error("resource group '%s' to be deleted" % item.name, deadline, "Deleting")
                item.pending = False
            break
        sleep(min(delay, deadline.remaining()))
        delay = min(delay * 2, 10.0)
        try:
            groups = _list_groups(client)
        except DigitalTwinsError as error:
            if error.code == "OperationTimedOut":
                continue
            for item in pending:
                item.error, item.pending = error, False
            break
        for item in pending:
            item.pending = item.name.lower() in groups
    for leader, others in followers.items():
        for item in others:
            item.copy_outcome(leader)
    return items
