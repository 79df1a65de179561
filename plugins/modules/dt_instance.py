#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dt_instance
short_description: Create, update and delete Azure Digital Twins instances
version_added: 0.1.0
description:
  - Makes an Azure Digital Twins instance exist with the given location, tags, managed identity and public network
    access, or makes it absent.
  - On create, a C(checkNameAvailability) preflight runs first, because instance names are global across Azure.
  - An existing instance is changed with a C(PATCH) that carries only what differs. Options you leave out
    (O(identity), O(public_network_access), O(tags)) are never reset.
  - The name, the resource group name, the location, the tags and the identity are checked before any request
    is sent.
  - In check mode the module sends no write request and returns the state a real run would return. Values that only
    Azure can assign (RV(instance.host_name), RV(instance.endpoint), the identity's principal and tenant ids, the
    times) are V(null) there when the run would create or change them.
  - With O(instances), many instances are converged in one task (the list form); see O(instances).
author:
  - twinops maintainers (@twinops)
extends_documentation_fragment:
  - twinops.digital_twins.azure_auth
  - twinops.digital_twins.attributes
options:
  name:
    description:
      - Name of the instance. 3 to 63 letters, digits and hyphens, with no hyphen at either end.
      - Names are global across Azure; a name taken by anyone else fails before anything is created.
      - Required unless O(instances) is given; mutually exclusive with it.
    type: str
  resource_group:
    description:
      - Name of the resource group that holds the instance. It must exist (see M(twinops.digital_twins.resource_group)).
      - Required with O(name); mutually exclusive with O(instances).
    type: str
  instances:
    description:
      - The list form. Each item is a dict with the options of one instance, as in the single form - C(name),
        C(resource_group) (both required), C(location), C(tags), C(purge_tags), C(identity), C(public_network_access),
        C(state) - validated item by item. C(purge_tags) and C(state) default to O(purge_tags) and O(state).
      - All items are converged in one process - every resource group is read with one list request, the regions with
        one read of the resource provider, each new name checked once - and every create, update and delete is sent
        without waiting; then the task waits for all of them together, listing each resource group that still has
        pending items once per poll. O(wait) and O(wait_timeout) apply to the whole batch.
      - Each item gets its own result in RV(instances) (C(changed), C(failed), C(msg), C(created), C(diff),
        C(instance)); check mode predicts each item as the single form would, and says what a prediction assumes in
        the item's C(msg) rather than as a warning (a resource group that does not exist yet). An item that fails (bad input, a region that does not offer the
        service, a name taken elsewhere, a provisioning that ends V(Failed)) fails only itself; the others converge, and
        then the task fails naming the failed items, with every item's result.
      - Mutually exclusive with O(name), O(resource_group), O(location), O(tags), O(identity) and
        O(public_network_access).
    type: list
    elements: dict
  location:
    description:
      - Azure region of the instance, such as V(westus2) or V(West Europe) (compared lower-case without spaces).
      - Required to create the instance. It cannot be changed afterwards; a different value is an error, never a
        silent no-op.
      - A region that does not offer Azure Digital Twins fails with the list of regions that do, before anything is
        written and in check mode too (the regions are read from the C(Microsoft.DigitalTwins) resource provider; a
        caller that may not read it gets Azure's own answer to the create request instead).
    type: str
  tags:
    description:
      - Tags of the instance. Values are strings; other values are converted (V(true) becomes C(true)).
      - Left as they are when not given.
    type: dict
  purge_tags:
    description:
      - With V(true), tags not in O(tags) are removed. With V(false), O(tags) are added to the existing ones.
      - Has no effect when O(tags) is not given.
    type: bool
    default: true
  identity:
    description:
      - The managed identity of the instance, used for egress (endpoints, data history).
      - Left as it is when not given. Removing the system-assigned identity deletes its principal and its role
        assignments.
    type: dict
    suboptions:
      type:
        description:
          - V(None) removes every identity.
        type: str
        required: true
        choices: [None, SystemAssigned, UserAssigned, 'SystemAssigned,UserAssigned']
      user_assigned_identities:
        description:
          - Resource ids of user-assigned identities, required with V(UserAssigned) and V(SystemAssigned,UserAssigned).
          - The list is the complete set; identities not listed are detached.
        type: list
        elements: str
        default: []
  public_network_access:
    description:
      - Whether the instance's data plane accepts requests from public networks. Azure creates instances with
        V(Enabled).
      - Left as it is when not given.
    type: str
    choices: [Enabled, Disabled]
  state:
    description:
      - V(present) creates or updates the instance, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait for the create, update or delete to finish. With V(false) the module returns as soon as Azure accepted
        the request, and RV(instance.provisioning_state) is what Azure said then (often V(Provisioning)).
      - With V(true) a provisioning that ends V(Failed) or V(Canceled) fails the task. Only a final state Azure sent is
        reported as Azure's. When the status of the operation cannot be learnt (its status requests keep failing), the
        task fails saying the status is unknown and what the instance's provisioning state is at that moment; a re-run
        converges.
      - When this task created the instance and then fails (provisioning V(Failed), status unknown, timeout), the failed
        result says so with RV(created) and holds the instance in RV(instance), so that a caller can delete it.
      - An instance found busy with an earlier operation (for example after a timed-out run) is waited for first.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long the task may take, in seconds, throttling included. On timeout the task fails and says so; an
        operation already started continues in Azure and re-running the task waits for it and converges.
      - No write request is sent after this time, and a retry that Azure asks to make later than it (C(Retry-After)) is
        not waited for; the task fails at once, naming the request.
    type: int
    default: 1200
notes:
  - An instance whose provisioning ended V(Failed) or V(Canceled) is sent again (a C(PUT) with its current settings and
    the requested ones), which is how Azure retries a provisioning; delete it with O(state=absent) if that keeps failing.
  - Tags are checked against Azure's limits (50 per instance, names up to 512 and values up to 256 characters, no
    C(<>%&\?/) in names) after merging with the existing tags when O(purge_tags=false), before any write and in check
    mode too.
  - A name that C(checkNameAvailability) reports as taken is first looked up in O(resource_group). When the instance is
    there (created meanwhile by a concurrent run of the same task), it is converged like any existing instance instead
    of being reported as a name conflict.
  - In check mode, a resource group that does not exist yet gives a warning rather than an error, so that a play that
    creates the group in an earlier task can be checked. In the list form the item's C(msg) says so instead (it starts
    with C(would be created) and names the group), and there is no warning; a real run fails those items unless the
    group exists by then.
seealso:
  - module: twinops.digital_twins.dt_instance_info
  - module: twinops.digital_twins.resource_group
  - name: Azure Digital Twins instance REST API (2023-01-31)
    description: The C(Microsoft.DigitalTwins/digitalTwinsInstances) resource this module manages.
    link: https://learn.microsoft.com/rest/api/digital-twins/controlplane/instance
"""

EXAMPLES = r"""
- name: Create an instance with a system-assigned identity and no public access
  twinops.digital_twins.dt_instance:
    name: contoso-twins
    resource_group: rg-twins
    location: westus2
    identity:
      type: SystemAssigned
    public_network_access: Disabled
    tags:
      environment: production
  register: twins

- name: Converge several instances in one task
  twinops.digital_twins.dt_instance:
    instances:
      - name: contoso-twins-eu
        resource_group: rg-twins
        location: westeurope
      - name: contoso-twins-us
        resource_group: rg-twins
        location: westus2
        tags:
          environment: production
      - name: contoso-twins-old
        resource_group: rg-twins
        state: absent
  register: fleet

- name: Converge the instance of every host of a fleet in one task, and roll back what a failed run created
  block:
    - name: Converge every host's instance (each host's twins_instance is the dict of one item)
      twinops.digital_twins.dt_instance:
        instances: "{{ ansible_play_hosts | map('extract', hostvars, 'twins_instance') | list }}"
      run_once: true
      register: fleet_instances
  rescue:
    - name: Delete this host's instance if the failed run created it (results are in the order of the items)
      twinops.digital_twins.dt_instance:
        name: "{{ twins_instance.name }}"
        resource_group: "{{ twins_instance.resource_group }}"
        state: absent
      when: fleet_instances.instances[ansible_play_hosts.index(inventory_hostname)].created

- name: Use the endpoint
  ansible.builtin.debug:
    msg: "Data plane at {{ twins.instance.endpoint }}, identity {{ twins.instance.identity.principal_id }}"

- name: Add a tag without touching the others, the identity or the network access
  twinops.digital_twins.dt_instance:
    name: contoso-twins
    resource_group: rg-twins
    tags:
      owner: platform-team
    purge_tags: false

- name: Start deleting an instance and return at once
  twinops.digital_twins.dt_instance:
    name: contoso-twins
    resource_group: rg-twins
    state: absent
    wait: false

- name: Authenticate once for every module of the collection
  module_defaults:
    group/twinops.digital_twins.all:
      subscription_id: "{{ azure_subscription_id }}"
      tenant: "{{ azure_tenant }}"
      client_id: "{{ azure_client_id }}"
      secret: "{{ azure_secret }}"
  block:
    - name: Make sure the instance exists
      twinops.digital_twins.dt_instance:
        name: contoso-twins
        resource_group: rg-twins
        location: westus2
"""

RETURN = r"""
instances:
  description:
    - With O(instances), one result per item, in the order given. Also in the failed result when an item failed.
  returned: with O(instances)
  type: list
  elements: dict
  contains:
    name:
      description: Name of the instance (V(null) for an item whose input could not be read).
      returned: always
      type: str
      sample: contoso-twins
    resource_group:
      description: Resource group of the instance.
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
        - V(created), V(updated), V(re-provisioned), V(deleted) or V(unchanged); the error for a failed item.
        - In check mode, for an item whose resource group does not exist yet, C(would be created) followed by what
          that prediction assumes, in parentheses.
      returned: always
      type: str
      sample: created
    created:
      description:
        - V(true) when this task created the instance, a failed item included (its provisioning ended V(Failed), its
          status could not be learnt, or the wait timed out), so that a caller can roll back exactly what the task
          created (see RV(created)). V(false) for every other item, a create that Azure refused included.
        - Always V(false) in check mode, which creates nothing (the item's RV(instances[].changed) and
          RV(instances[].diff) tell a predicted create).
      returned: always
      type: bool
      sample: true
    resource_group_exists:
      description:
        - Whether the item's resource group exists (as read by this task). A caller that plans in check mode learns
          here which groups an earlier step must create.
      returned: for an item whose input is valid
      type: bool
      sample: true
    instance:
      description: The instance after the task, as RV(instance) of the single form; V({}) when absent.
      returned: always
      type: dict
      sample: {}
    diff:
      description: C(before) and C(after) of the instance, as the single form's diff.
      returned: always
      type: dict
      sample: {}
created:
  description:
    - In a failed result only, V(true) when this task created the instance before it failed (its provisioning ended
      V(Failed), its status could not be learnt, or the wait timed out). RV(instance) then holds the instance as Azure
      had it (at least RV(instance.id)), so that a caller can roll it back (delete it, or its resource group with
      O(twinops.digital_twins.resource_group#module:delete_resources)).
  returned: on failure after Azure accepted the create
  type: bool
  sample: true
instance:
  description:
    - The instance after the task; in check mode, the state a real run would produce.
    - An empty dict when the instance is absent.
  returned: with O(name)
  type: dict
  contains:
    id:
      description: ARM resource id.
      returned: when present
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/contoso-twins
    name:
      description: Name of the instance.
      returned: when present
      type: str
      sample: contoso-twins
    resource_group:
      description: Resource group of the instance.
      returned: when present
      type: str
      sample: rg-twins
    location:
      description: Region, lower-case without spaces.
      returned: when present
      type: str
      sample: westus2
    host_name:
      description:
        - Host name of the data plane, without a scheme.
        - V(null) while provisioning, and in check mode for an instance the run would create.
      returned: when present
      type: str
      sample: contoso-twins.api.wus2.digitaltwins.azure.net
    endpoint:
      description: C(https://) and RV(instance.host_name); V(null) when the host name is.
      returned: when present
      type: str
      sample: https://contoso-twins.api.wus2.digitaltwins.azure.net
    provisioning_state:
      description:
        - Provisioning state, such as V(Succeeded), V(Provisioning) or V(Updating).
        - In check mode, V(Succeeded) for a create or update with O(wait=true) and V(null) with O(wait=false).
      returned: when present
      type: str
      sample: Succeeded
    identity:
      description: The managed identity.
      returned: when present
      type: dict
      contains:
        type:
          description: V(None), V(SystemAssigned), V(UserAssigned) or V(SystemAssigned,UserAssigned).
          returned: always
          type: str
          sample: SystemAssigned
        principal_id:
          description: Object id of the system-assigned identity's principal; V(null) without one, and in check mode for a new one.
          returned: always
          type: str
          sample: 3f2504e0-4f89-11d3-9a0c-0305e82c3301
        tenant_id:
          description: Tenant of the system-assigned identity; V(null) when RV(instance.identity.principal_id) is.
          returned: always
          type: str
          sample: 72f988bf-86f1-41af-91ab-2d7cd011db47
        user_assigned_identities:
          description: User-assigned identities by resource id, each with its C(client_id) and C(principal_id).
          returned: always
          type: dict
          sample: {}
    tags:
      description: Tags of the instance.
      returned: when present
      type: dict
      sample: {environment: production}
    public_network_access:
      description: V(Enabled) or V(Disabled).
      returned: when present
      type: str
      sample: Enabled
    created_time:
      description: When the instance was created (UTC, ISO 8601); V(null) in check mode for a create.
      returned: when present
      type: str
      sample: "2026-11-26T22:00:00Z"
    updated_time:
      description: When the instance was last changed (UTC, ISO 8601); V(null) in check mode when the run would change it.
      returned: when present
      type: str
      sample: "2026-11-26T22:05:00Z"
"""

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import Deadline
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import validate_location, validate_tags
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import validate_resource_group
from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import (
    IDENTITY_TYPES,
    PUBLIC_NETWORK_ACCESS,
    InstanceRequest,
    Item,
    ensure_absent,
    ensure_many,
    ensure_present,
    read_current,
    validate_identity,
    validate_name,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._module import AzureDTModule

IDENTITY_SPEC = dict(type="dict", options=dict(
    type=dict(type="str", required=True, choices=list(IDENTITY_TYPES)),
    user_assigned_identities=dict(type="list", elements="str", default=[]),
))

# The options of one instance: the single form's, and each item of ``instances`` (validated item by item, so that a
# bad item fails alone). purge_tags and state of an item default to the task's.
ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    resource_group=dict(type="str", required=True),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool"),
    identity=IDENTITY_SPEC,
    public_network_access=dict(type="str", choices=list(PUBLIC_NETWORK_ACCESS)),
    state=dict(type="str", choices=["present", "absent"]),
)

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    resource_group=dict(type="str"),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    identity=IDENTITY_SPEC,
    public_network_access=dict(type="str", choices=list(PUBLIC_NETWORK_ACCESS)),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    instances=dict(type="list", elements="dict"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1200),
)
SINGLE_ONLY = ("name", "resource_group", "location", "tags", "identity", "public_network_access")


def check_wait_timeout(params):
    if params["wait_timeout"] <= 0:
        raise DigitalTwinsError("wait_timeout must be a positive number of seconds (got %s)." % params["wait_timeout"])


def request_from(params, subscription_id, wait):
    """Validate one instance's options (no request) and return its InstanceRequest."""
    validate_tags(params["tags"])
    return InstanceRequest(
        subscription_id=subscription_id,
        resource_group=validate_resource_group(params["resource_group"]),
        name=validate_name(params["name"]),
        location=validate_location(params["location"]),
        tags=params["tags"],
        purge_tags=params["purge_tags"],
        identity=validate_identity(params["identity"]),
        public_network_access=params["public_network_access"],
        wait=wait,
    )


def build_request(module):
    """Validate every option of the single form (no request) and return the InstanceRequest."""
    check_wait_timeout(module.params)
    return request_from(module.params, module.session.subscription_id, module.params["wait"])


def build_item(module, index, raw):
    """An Item of the list form: its request, or the error that makes this item (and only it) fail."""
    params = module.params
    if not isinstance(raw, dict):
        return Item(index, error=DigitalTwinsError("instances[%d] is not a dict of options." % index))
    # A key set to null (a templated value left empty) means "not given", as for the single form's options.
    raw = {key: value for key, value in raw.items() if value is not None}
    for key in ("purge_tags", "state"):
        if raw.get(key) is None:
            raw[key] = params[key]
    checked = ArgumentSpecValidator(ITEM_SPEC).validate(raw)
    if checked.error_messages:
        return Item(index, given=raw, error=DigitalTwinsError("; ".join(checked.error_messages) + "."))
    values = checked.validated_parameters
    try:
        request = request_from(values, module.session.subscription_id, params["wait"])
    except DigitalTwinsError as error:
        return Item(index, given=raw, error=error)
    return Item(index, request=request, absent=values["state"] == "absent")


def run_list(module, deadline):
    """The list form: every item converged together; the task fails (with every item's result) if any item failed."""
    items = [build_item(module, index, raw) for index, raw in enumerate(module.params["instances"])]
    client = module.client("digitaltwins")
    session = module.session
    ensure_many(client, session.models("digitaltwins"), items, module.check_mode, deadline,
                resource_client=lambda: module.client("resource"), wait=module.params["wait"],
                locations_key="%s/subscriptions/%s" % (session.cloud.resource_manager.rstrip("/"), session.subscription_id))
    results = [item.result() for item in items]
    changed = any(result["changed"] for result in results)
    failed = [(item, result) for item, result in zip(items, results) if result["failed"]]
    extra = {}
    if module.diff_mode:
        extra["diff"] = [dict(result["diff"], before_header=item.label, after_header=item.label)
                         for item, result in zip(items, results) if result["changed"]]
    if failed:
        raise DigitalTwinsError("%d of %d instances failed: %s" % (
            len(failed), len(items), "; ".join("%s: %s" % (item.label, result["msg"]) for item, result in failed)),
            code="ItemsFailed", result=dict(changed=changed, instances=results, **extra))
    module.exit_json(changed=changed, instances=results, **extra)


def run_module(module):
    check_wait_timeout(module.params)
    deadline = Deadline(module.params["wait_timeout"])
    # Every ARM request of the task keeps to the deadline too (throttling included): see _clients.deadline_retry_policy.
    module.session.deadline = deadline
    if module.params["instances"] is not None:
        return run_list(module, deadline)
    request = build_request(module)
    absent = module.params["state"] == "absent"
    client = module.client("digitaltwins")
    current = read_current(client, request, module.check_mode, absent, module.warn, deadline)
    if absent:
        changed, after = ensure_absent(client, request, current, module.check_mode, deadline)
    else:
        # The resource client is only needed (and imported) to check the region before a create.
        changed, after = ensure_present(client, module.session.models("digitaltwins"), request, current, module.check_mode,
                                        deadline, resource_client=module.client("resource") if current is None else None)
    module.exit_with_state(changed, "instance", current, after)


def main():
    module = AzureDTModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=[(key, "instances") for key in SINGLE_ONLY],
                           required_one_of=[("name", "instances")], required_together=[("name", "resource_group")])
    module.run(run_module)


if __name__ == "__main__":
    main()
