#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: resource_group
short_description: Create, tag and delete Azure resource groups
version_added: 0.1.0
description:
  - Makes an Azure resource group exist with the given location and tags, or makes it absent.
  - O(state=absent) refuses to delete a group that still holds resources, and lists them, unless O(force=true).
  - The name, the location and the tags are checked before any request is sent; the tags again after merging with the
    existing ones when O(purge_tags=false) (at most 50 per group), before any write and in check mode too.
  - In check mode the module sends no write request and returns the state a real run would return.
  - With O(resource_groups), many groups are converged in one task (the list form); see O(resource_groups).
author:
  - twinops maintainers (@twinops)
extends_documentation_fragment:
  - twinops.digital_twins.azure_auth
  - twinops.digital_twins.attributes
options:
  name:
    description:
      - Name of the resource group. 1 to 90 letters, digits, underscores, hyphens, periods and parentheses, not
        ending with a period.
      - Required unless O(resource_groups) is given; mutually exclusive with it.
    type: str
  location:
    description:
      - Azure region of the group, such as V(westus2) or V(West Europe) (compared lower-case without spaces).
      - Required to create the group. It cannot be changed afterwards; a different value is an error, unless
        O(match_location=false).
      - Before a create (in check mode too) the region is checked against the regions the C(Microsoft.Resources) resource
        provider lists for resource groups; a region it does not list fails with those regions and nothing is written. A
        caller that may not read the provider leaves the check to Azure.
    type: str
  tags:
    description:
      - Tags of the group. Values are strings; other values are converted (V(true) becomes C(true)).
      - Left as they are when not given.
    type: dict
  purge_tags:
    description:
      - With V(true), tags not in O(tags) are removed. With V(false), O(tags) are added to the existing ones.
      - Has no effect when O(tags) is not given.
    type: bool
    default: true
  state:
    description:
      - V(present) creates the group or updates its tags, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), delete the group even if it still holds resources, which deletes them too.
      - Without it, such a group is not deleted and the task fails listing (up to 20 of) its resources.
    type: bool
    default: false
  delete_resources:
    description:
      - With O(state=absent), ARM ids of resources that may be deleted with the group without O(force). For example
        the instance a failed run created (RV(twinops.digital_twins.dt_instance#module:instance.id) of its failed
        result, which says C(created=true)), a V(Failed) one included, to roll that run back.
      - Any other resource in the group still blocks the deletion, and is listed.
    type: list
    elements: str
    default: []
  match_location:
    description:
      - With V(true), an existing group must be in O(location); a group in another region fails (C(LocationIsCreateOnly))
        and nothing is written.
      - With V(false), O(location) is only used to create the group. An existing group in any region is converged (its
        tags) where it is; RV(resource_group.location) and the diff show its real region.
      - For example many hosts of a fleet that share one group while their instances are in different regions.
    type: bool
    default: true
  resource_groups:
    description:
      - The list form. Each item is a dict with the options of one group, as in the single form - C(name) (required),
        C(location), C(tags), C(purge_tags), C(state), C(force), C(delete_resources), C(match_location) - validated item
        by item. C(purge_tags), C(state), C(force) and C(match_location) default to O(purge_tags), O(state), O(force)
        and O(match_location).
      - Several items may name the same group (compared case-insensitively), as the hosts of a fleet that share one
        group do. When they declare the same C(state), C(tags), C(purge_tags), C(force), C(match_location) and - with
        C(match_location=true) - C(location), the group is converged once and each of them gets the same result; the
        first C(location) given creates the group, and their C(delete_resources) are merged. When they differ, each
        of them fails naming the items and the options that differ, and nothing is sent for that group.
      - All items are converged in one process - the groups are read with one list request, the regions with one read
        of the resource provider - and deletions are sent without waiting, then waited for together (one list request
        per poll). O(wait) and O(wait_timeout) apply to the whole batch.
      - Each item gets its own result in RV(resource_groups) (C(changed), C(failed), C(msg), C(diff),
        C(resource_group)); check mode predicts each item as the single form would. An item that fails fails only
        itself; the others converge, and then the task fails naming the failed items, with every item's result.
      - Mutually exclusive with O(name), O(location), O(tags) and O(delete_resources).
    type: list
    elements: dict
  wait:
    description:
      - Wait for a deletion to finish. Creating and tagging are immediate.
      - A group found still being deleted (for example after a timed-out run) is waited for first, so that
        O(state=present) can create it again.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long the task may take, in seconds, throttling included; it matters mostly for a deletion. On timeout the
        task fails and says so; a deletion continues in Azure and re-running the task converges.
      - No write request is sent after this time, and a retry that Azure asks to make later than it (C(Retry-After)) is
        not waited for; the task fails at once, naming the request.
    type: int
    default: 600
seealso:
  - module: twinops.digital_twins.dt_instance
"""

EXAMPLES = r"""
- name: Create a resource group for the instance
  twinops.digital_twins.resource_group:
    name: rg-twins
    location: westus2
    tags:
      environment: production

- name: Add a tag and keep the others
  twinops.digital_twins.resource_group:
    name: rg-twins
    tags:
      cost-center: "4711"
    purge_tags: false

- name: Delete the group only if it is empty
  twinops.digital_twins.resource_group:
    name: rg-twins
    state: absent

- name: Roll back a failed run that created the group and an instance in it
  twinops.digital_twins.resource_group:
    name: rg-twins
    state: absent
    delete_resources:
      - "{{ instance_result.instance.id }}"
  when: instance_result is failed and instance_result.created | default(false)

- name: Converge several groups in one task
  twinops.digital_twins.resource_group:
    resource_groups:
      - name: rg-twins-eu
        location: westeurope
      - name: rg-twins-us
        location: westus2
        tags:
          environment: production
      - name: rg-twins-old
        state: absent

- name: One group shared by every host of a fleet, whose instances are in different regions
  twinops.digital_twins.resource_group:
    match_location: false   # location only creates the group; where it already is does not matter
    resource_groups: "{{ ansible_play_hosts | map('extract', hostvars, 'twins_group') | list }}"
  run_once: true
  register: fleet_groups
  # each twins_group is, for example, {name: rg-twins-fleet, location: westeurope, tags: {environment: production}};
  # the items that name the same group are converged once and each gets that one result

- name: Delete the group and everything in it
  twinops.digital_twins.resource_group:
    name: rg-twins-scratch
    state: absent
    force: true
"""

RETURN = r"""
resource_groups:
  description:
    - With O(resource_groups), one result per item, in the order given. Also in the failed result when an item failed.
  returned: with O(resource_groups)
  type: list
  elements: dict
  contains:
    name:
      description: Name of the group (V(null) for an item whose input could not be read).
      returned: always
      type: str
      sample: rg-twins
    changed:
      description: Whether this item changed (in check mode, would change).
      returned: always
      type: bool
      sample: true
    failed:
      description: Whether this item failed.
      returned: always
      type: bool
      sample: false
    msg:
      description:
        - V(created), V(updated), V(deleted) or V(unchanged); the error for a failed item.
        - Items that name the same group share one outcome, so they have the same C(msg); when they declare it
          differently, each has the error naming the items and the options that differ.
      returned: always
      type: str
      sample: created
    resource_group:
      description:
        - The group after the task, as RV(resource_group) of the single form; V({}) when absent.
        - With C(match_location=false), C(location) is the group's real region, whatever the item's C(location).
      returned: always
      type: dict
      sample: {}
    diff:
      description: C(before) and C(after) of the group, as the single form's diff.
      returned: always
      type: dict
      sample: {}
resource_group:
  description:
    - The resource group after the task; in check mode, the state a real run would produce.
    - An empty dict when the group is absent.
  returned: with O(name)
  type: dict
  contains:
    id:
      description: ARM resource id.
      returned: when present
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-twins
    name:
      description: Name of the group.
      returned: when present
      type: str
      sample: rg-twins
    location:
      description:
        - Region, lower-case without spaces.
        - The group's real region, also with O(match_location=false) when it differs from O(location).
      returned: when present
      type: str
      sample: westus2
    tags:
      description: Tags of the group.
      returned: when present
      type: dict
      sample: {environment: production}
    provisioning_state:
      description: Provisioning state, V(Succeeded) once created.
      returned: when present
      type: str
      sample: Succeeded
"""

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import Deadline
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import validate_location, validate_tags
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import validate_resource_group
from ansible_collections.twinops.digital_twins.plugins.module_utils._module import AzureDTModule
from ansible_collections.twinops.digital_twins.plugins.module_utils._resource_group import (
    GroupItem,
    ensure_absent,
    item_numbers,
    ensure_many,
    ensure_present,
    read_group,
    wait_while_deleting,
)

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    force=dict(type="bool", default=False),
    delete_resources=dict(type="list", elements="str", default=[]),
    match_location=dict(type="bool", default=True),
    resource_groups=dict(type="list", elements="dict"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


# The options of one group in resource_groups (validated item by item, so that a bad item fails alone); purge_tags,
# state, force and match_location of an item default to the task's.
ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"]),
    force=dict(type="bool"),
    delete_resources=dict(type="list", elements="str", default=[]),
    match_location=dict(type="bool"),
)
SINGLE_ONLY = ("name", "location", "tags")


def validate(params):
    """Every option of one group checked before any request; returns the name and the normalised location."""
    name = validate_resource_group(params["name"], option="name")
    validate_tags(params["tags"])
    return name, validate_location(params["location"])


def build_item(module, index, raw):
    """A GroupItem of the list form: its validated options, or the error that makes this item (and only it) fail."""
    if not isinstance(raw, dict):
        return GroupItem(index, error=DigitalTwinsError("resource_groups[%d] is not a dict of options." % index))
    raw = {key: value for key, value in raw.items() if value is not None}
    for key in ("purge_tags", "state", "force", "match_location"):
        raw.setdefault(key, module.params[key])
    checked = ArgumentSpecValidator(ITEM_SPEC).validate(raw)
    if checked.error_messages:
        return GroupItem(index, given=raw, error=DigitalTwinsError("; ".join(checked.error_messages) + "."))
    options = dict(checked.validated_parameters)
    try:
        options["name"], options["location"] = validate(options)
    except DigitalTwinsError as error:
        return GroupItem(index, given=raw, error=error)
    return GroupItem(index, options=options)


def failure_summary(failed):
    """The failed items, those naming the same group with the same error said once with their item numbers."""
    outcomes = {}
    for item, result in failed:
        outcomes.setdefault((item.label.lower(), result["msg"]), []).append(item)
    parts = []
    for (label, message), members in outcomes.items():
        numbers = " (%s)" % item_numbers([item.index for item in members]) if len(members) > 1 else ""
        parts.append("%s%s: %s" % (members[0].label, numbers, message))
    return "; ".join(parts)


def run_list(module, deadline):
    """The list form: every item converged together; the task fails (with every item's result) if any item failed."""
    items = [build_item(module, index, raw) for index, raw in enumerate(module.params["resource_groups"])]
    ensure_many(module.client("resource"), module.session.subscription_id, items, module.check_mode,
                module.params["wait"], deadline)
    results = [item.result() for item in items]
    changed = any(result["changed"] for result in results)
    extra = {}
    if module.diff_mode:
        # One diff per group: the items that name the same group share its one change.
        shown = set()
        extra["diff"] = []
        for item, result in zip(items, results):
            if result["changed"] and item.label.lower() not in shown:
                shown.add(item.label.lower())
                extra["diff"].append(dict(result["diff"], before_header=item.label, after_header=item.label))
    failed = [(item, result) for item, result in zip(items, results) if result["failed"]]
    if failed:
        raise DigitalTwinsError("%d of %d resource groups failed: %s" % (len(failed), len(items), failure_summary(failed)),
                                code="ItemsFailed", result=dict(changed=changed, resource_groups=results, **extra))
    module.exit_json(changed=changed, resource_groups=results, **extra)


def run_module(module):
    params = module.params
    if params["wait_timeout"] <= 0:
        raise DigitalTwinsError("wait_timeout must be a positive number of seconds (got %s)." % params["wait_timeout"])
    deadline = Deadline(params["wait_timeout"])
    module.session.deadline = deadline
    if params["resource_groups"] is not None:
        return run_list(module, deadline)
    name, location = validate(params)
    client = module.client("resource")
    current = read_group(client, name)
    if params["state"] == "absent":
        changed, after = ensure_absent(client, name, current, params["force"], module.check_mode, params["wait"], deadline,
                                       delete_resources=params["delete_resources"])
    else:
        if params["wait"] and not module.check_mode:
            current = wait_while_deleting(client, name, current, deadline)
        changed, after = ensure_present(client, module.session.subscription_id, name, location, params["tags"],
                                        params["purge_tags"], current, module.check_mode,
                                        match_location=params["match_location"])
    module.exit_with_state(changed, "resource_group", current, after)


def main():
    module = AzureDTModule(argument_spec=ARGUMENT_SPEC,
                           mutually_exclusive=[(key, "resource_groups") for key in SINGLE_ONLY + ("delete_resources",)],
                           required_one_of=[("name", "resource_groups")])
    module.run(run_module)


if __name__ == "__main__":
    main()
