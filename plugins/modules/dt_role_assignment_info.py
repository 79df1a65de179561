#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dt_role_assignment_info
short_description: List the Azure role assignments on an Azure Digital Twins instance or any scope
version_added: 0.1.0
description:
  - Lists the role assignments made directly on an Azure Digital Twins instance (or any scope), and optionally those
    inherited from its resource group, subscription and management groups.
  - Filters by assignee and by role, and adds the principals' display names when the directory can be read.
  - Reads only the assignments that apply at the scope (or those of one principal); it never lists a whole
    subscription.
  - A failed Azure Resource Manager request or token request fails the task. Display names are optional, so when
    Microsoft Graph cannot be read the module warns and leaves them out.
  - Warns about principals that hold Owner or Contributor on the instance but no Azure Digital Twins data role.
author:
  - twinops maintainers (@twinops)
options:
  instance:
    description:
      - Name of the Azure Digital Twins instance. Requires O(resource_group). Mutually exclusive with O(scope).
    type: str
  resource_group:
    description:
      - Resource group of O(instance).
    type: str
  scope:
    description:
      - Any Azure scope instead of an instance.
    type: str
  assignee:
    description:
      - Only the assignments of this principal, given as in M(twinops.digital_twins.dt_role_assignment)
        (user principal name, email, object id, appId or display name) and resolved through Microsoft Graph.
      - Mutually exclusive with O(assignee_object_id).
    type: str
  assignee_object_id:
    description:
      - Only the assignments of the principal with this object id. Needs no directory access.
    type: str
  role:
    description:
      - Only the assignments of this role, given by name, GUID or role definition id.
    type: str
  include_inherited:
    description:
      - Also list the assignments made on the parents of the scope (resource group, subscription, management groups),
        which apply to it as well.
    type: bool
    default: false
  resolve_names:
    description:
      - Add RV(assignments[].principal_display_name) from Microsoft Graph, in one request.
      - When the directory cannot be read, the module warns and leaves the names out.
    type: bool
    default: true
extends_documentation_fragment:
  - twinops.digital_twins.azure_auth
  - twinops.digital_twins.attributes.info_module
requirements:
  - azure-mgmt-authorization >= 4.0.0
  - msgraph-sdk >= 1.0.0 (for O(assignee) and O(resolve_names))
seealso:
  - module: twinops.digital_twins.dt_role_assignment
"""

EXAMPLES = r"""
- name: List who has access to an instance, with inherited assignments
  twinops.digital_twins.dt_role_assignment_info:
    instance: factory-twins
    resource_group: rg-twins
    include_inherited: true
  register: access

- name: Check that a user can read the instance's data
  twinops.digital_twins.dt_role_assignment_info:
    instance: factory-twins
    resource_group: rg-twins
    assignee: alice@contoso.com
    role: Azure Digital Twins Data Reader
    include_inherited: true
  register: alice_access

- name: Fail when she has no data role
  ansible.builtin.assert:
    that:
      - alice_access.assignments | length > 0

- name: List the assignments of a principal without directory access
  twinops.digital_twins.dt_role_assignment_info:
    scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-twins
    assignee_object_id: 0e000000-0000-4000-8000-00000000a11c
    resolve_names: false
"""

RETURN = r"""
assignments:
  description:
    - The role assignments at the scope (and above it with O(include_inherited)), sorted with direct ones first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: ARM id of the assignment.
      returned: always
      type: str
      sample: "/subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins\
        /providers/Microsoft.Authorization/roleAssignments/8c2f7f0e-3d1b-5b8e-9a55-0d1f4c2b6e11"
    name:
      description: Name of the assignment.
      returned: always
      type: str
      sample: 8c2f7f0e-3d1b-5b8e-9a55-0d1f4c2b6e11
    scope:
      description: Scope the assignment was made on.
      returned: always
      type: str
      sample: /subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins
    principal_id:
      description: Object id of the principal.
      returned: always
      type: str
      sample: 0e000000-0000-4000-8000-00000000a11c
    principal_type:
      description: Type of the principal, as recorded on the assignment.
      returned: always
      type: str
      sample: User
    principal_display_name:
      description: Display name of the principal from Microsoft Graph.
      returned: when O(resolve_names=true) and the directory could be read
      type: str
      sample: Alice Anders
    role_definition_id:
      description: Id of the role definition.
      returned: always
      type: str
      sample: /subscriptions/5ab5c000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleDefinitions/bcd981a7-7f74-457b-83e1-cceb9e632ffe
    role_name:
      description: Name of the role; null when its definition no longer exists.
      returned: always
      type: str
      sample: Azure Digital Twins Data Owner
    inherited:
      description: Whether the assignment was made on a parent of the scope.
      returned: always
      type: bool
      sample: false
    assignee:
      description: The assignee filter as given.
      returned: when O(assignee) or O(assignee_object_id) is given
      type: str
      sample: alice@contoso.com
    resolved_by:
      description: How the assignee filter was resolved, as in M(twinops.digital_twins.dt_role_assignment).
      returned: when O(assignee) or O(assignee_object_id) is given
      type: str
      sample: userPrincipalName
"""

from ansible_collections.twinops.digital_twins.plugins.module_utils._access import missing_instance_error
from ansible_collections.twinops.digital_twins.plugins.module_utils._assignments import (
    TARGET_OPTIONS,
    applying_at,
    data_role_warnings,
    instance_scope,
    report,
    scope_of,
    select,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._graph import GraphDirectory
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import guid_of, is_instance_scope, same_scope, validate_scope
from ansible_collections.twinops.digital_twins.plugins.module_utils._module import AzureDTModule
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import classify, display_names, given, resolve
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import parse_role, resolve_role, role_names

ARGUMENT_SPEC = dict(
    TARGET_OPTIONS,
    role=dict(type="str"),
    include_inherited=dict(type="bool", default=False),
    resolve_names=dict(type="bool", default=True),
)


def read_filters(module):
    """(scope, principal or None, assignee to look up or None) from the options, validated before any request."""
    params = module.params
    if params["role"] is not None:
        parse_role(params["role"])
    principal = given(params["assignee_object_id"], None) if params["assignee_object_id"] else None
    if params["assignee"] is not None:
        classify(params["assignee"])
    if params["scope"]:
        scope = validate_scope(params["scope"])
    else:
        scope = instance_scope(module.session.subscription_id, params["resource_group"], params["instance"])
    return scope, principal


def add_display_names(module, assignments):
    """Each assignment's principal_display_name (one Graph request); a warning when Graph cannot be read."""
    if not module.params["resolve_names"] or not assignments:
        return {}
    try:
        labels = display_names([a["principal_id"] for a in assignments], GraphDirectory(module.session))
    except DigitalTwinsError as err:
        module.warn("Principal display names are left out: Microsoft Graph could not be read (%s)." % err)
        return {}
    for state in assignments:
        if state["principal_id"] in labels:
            state["principal_display_name"] = labels[state["principal_id"]]
    return labels


def run_module(module):
    params = module.params
    scope, principal = read_filters(module)
    client = module.client("authorization")
    role = resolve_role(params["role"], scope, lambda: client) if params["role"] is not None else None
    if principal is None and params["assignee"] is not None:
        principal = resolve(params["assignee"], GraphDirectory(module.session))

    applying = applying_at(client, scope, principal.id if principal else None)
    if params["instance"] and not any(same_scope(scope_of(a), scope) for a in applying):
        # Listing cannot tell a missing instance from one without assignments of its own; one read can.
        missing = missing_instance_error(lambda: module.client("digitaltwins"), scope)
        if missing is not None:
            raise missing
    selected = select(applying, scope, role.guid if role else None, params["include_inherited"])
    names = role_names(lambda: client, [guid_of(a.role_definition_id) for a in selected], scope)
    assignments = report(selected, scope, names, principal)
    labels = add_display_names(module, assignments)
    if is_instance_scope(scope):
        for warning in data_role_warnings(applying, scope, [a["principal_id"] for a in assignments], labels):
            module.warn(warning)
    module.exit_json(changed=False, assignments=assignments)


def main():
    module = AzureDTModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[["scope", "instance"], ["scope", "resource_group"], ["assignee", "assignee_object_id"]],
        required_one_of=[["scope", "instance"]],
        required_together=[["instance", "resource_group"]],
    )
    module.run(run_module)


if __name__ == "__main__":
    main()
