# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""Resource groups: naming rules, SDK model -> returned dict, and ``ensure_*`` returning (changed, predicted_state)."""

from __future__ import annotations


from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import call, read_or_none, wait_for_lro, wait_until
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import (
    desired_tags,
    normalise_location,
    tags_differ,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError, azure_errors
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import resource_group_id, validate_resource_group
from ansible_collections.twinops.digital_twins.plugins.module_utils._locations import check_location_offered


# How many of a group's resources an error lists before "and more".
RESOURCE_LIST_CAP = 20


def validate_resource_group_name(name, option="resource_group"):
    """Check a resource group name before any request; raises DigitalTwinsError."""
    return validate_resource_group(name, option)


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


def ensure_present(client, subscription_id, name, location, tags, purge_tags, current, check_mode):
    """Create the group or bring its tags in line. Returns (changed, state) - the predicted state in check mode."""
    if current is None:
        if not location:
            raise DigitalTwinsError("Resource group '%s' does not exist and location is required to create it." % name)
        check_location_offered(client, "Microsoft.Resources", "resourceGroups", location, "Creating a resource group",
                               code="LocationNotAvailableForResourceGroup")
        predicted = predict_created(subscription_id, name, location, tags)
        if check_mode:
            return True, predicted
        body = {"location": predicted["location"]}
        if tags is not None:
            body["tags"] = predicted["tags"]
        return True, to_dict(call("create resource group '%s'" % name, client.resource_groups.create_or_update, name, body))

    if location and normalise_location(location) != current["location"]:
        raise DigitalTwinsError(
            "Resource group '%s' is in %s; location %s was requested. The location of a resource group cannot be "
            "changed: omit location, set it to %s, or use another group." % (name, current["location"],
                                                                             normalise_location(location),
                                                                             current["location"]),
            code="LocationIsCreateOnly")
    wanted = desired_tags(current["tags"], tags, purge_tags)
    if not tags_differ(current["tags"], wanted):
        return False, current
    predicted = dict(current, tags=wanted)
    if check_mode:
        return True, predicted
    return True, to_dict(call("update the tags of resource group '%s'" % name, client.resource_groups.update, name,
                              {"tags": wanted}))


def list_resources(client, name, cap=RESOURCE_LIST_CAP):
    """Up to ``cap`` resources of the group as "name (type)" strings, and whether there are more."""
    found = []
    with azure_errors("list the resources in resource group '%s'" % name):
        for resource in client.resources.list_by_resource_group(name):
            if len(found) == cap:
                return found, True
            found.append("%s (%s)" % (resource.name, resource.type))
    return found, False


def ensure_absent(client, name, current, force, check_mode, wait, deadline):
    """Delete the group; refuse when it still holds resources unless ``force``. Returns (changed, {})."""
    if current is None:
        return False, {}
    if (current.get("provisioning_state") or "").lower() == "deleting":
        if wait and not check_mode:
            wait_while_deleting(client, name, current, deadline)
        return False, {}
    if not force:
        resources, more = list_resources(client, name)
        if resources:
            raise DigitalTwinsError(
                "Resource group '%s' still holds %s resource%s: %s%s. Deleting it would delete them too; set force=true "
                "to do that, or remove them first." % (name, ("more than %d" % len(resources)) if more else len(resources),
                                                       "" if len(resources) == 1 and not more else "s",
                                                       ", ".join(resources), ", ..." if more else ""),
                code="ResourceGroupNotEmpty")
    if check_mode:
        return True, {}
    action = "delete resource group '%s'" % name
    poller = call(action, client.resource_groups.begin_delete, name, polling=bool(wait))
    if wait:
        wait_for_lro(poller, deadline, action, "resource group '%s' to be deleted" % name)
    return True, {}
