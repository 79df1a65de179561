#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: dt_role_assignment
short_description: Grant or revoke an Azure role on an Azure Digital Twins instance or any scope
version_added: 0.1.0
description:
  - Makes sure one principal holds (or does not hold) one Azure role at one scope, by default
    C(Azure Digital Twins Data Owner) on a Digital Twins instance.
  - The assignee can be given the way people know it, as a user principal name, an email address (guests and
    personal Microsoft accounts included), an object id, a service principal's application (client) id or display
    name, or a group's display name, and is resolved through Microsoft Graph. Or it is given as
    O(assignee_object_id) and O(principal_type), which needs no directory access at all.
  - An assignment is identified by its scope, principal and role, compared case-insensitively. A new assignment gets
    a name derived from those three, the same name Bicep's C(getRoleAssignmentName) function gives it, so parallel runs never
    create duplicates. An equal assignment created elsewhere under another name is adopted (RV(assignment.adopted)),
    not duplicated, and never reported as an error. Other roles the assignee holds are left alone.
  - Right after a principal is created, Azure RBAC may not know it yet (C(PrincipalNotFound)). The module always sends
    the principal type and retries for up to O(principal_wait_timeout) seconds.
  - Warns when the assignee holds Owner or Contributor on the instance but no Azure Digital Twins data role, which
    gives no access to models, twins or routes. The list form (O(assignments)) and the targets form (O(targets)) give
    this warning, and the one about a guest assignee, only for assignments the run adds (would add, in check mode),
    once per principal.
  - Before it creates or removes an assignment, in check mode too, the module reads the caller's effective permissions
    at the scope (O(check_permissions)) and fails, before any write, when the caller may not write or delete role
    assignments there. A run that changes nothing sends no extra request.
  - B(List form.) O(assignments) declares a set of assignments, on one instance or on many (each item may name its own
    O(assignments[].instance) and O(assignments[].resource_group), or O(assignments[].scope)). Every item is validated
    before the first request, and a bad item fails the task, naming it, with nothing written. Roles resolve once per
    distinct value and scope, assignees once per distinct value (the directory look-ups run concurrently), the
    assignments of each scope are listed once, and these lists, the writes and the lists of the read-back run
    concurrently (at most 8 at a time; throttled requests are retried after the time Azure asks for). With
    O(exclusive=true) the module also removes what the set does not declare. After its writes it reads back until
    every declared assignment is visible (O(verify_timeout)).
  - In check mode, an instance (or resource group) that does not exist yet is predicted as holding no assignment, so
    every declared assignment is reported as added, with a warning that the prediction assumes an earlier task of the
    run creates it (as M(twinops.digital_twins.dt_instance) does). The real run fails, before any write, when the
    instance is still missing.
author:
  - twinops maintainers (@twinops)
attributes:
  check_mode:
    support: full
    details:
      - Resolves the assignee and role and reads the current assignments; sends no write request.
      - When a change is predicted, also checks that the caller may make it (O(check_permissions)), so a dry run
        fails where the real run would.
      - An instance that does not exist yet is predicted as holding nothing, with a warning (with O(targets), in the
        target's own result instead, RV(targets[].instance_exists)).
  diff_mode:
    support: full
    details:
      - The single form shows the assignment before and after. The list form and the targets form show, per scope,
        the assignments of the managed roles before and after, one line each (role, assignee and object id).
options:
  instance:
    description:
      - Name of the Azure Digital Twins instance to assign the role on.
      - Requires O(resource_group). Mutually exclusive with O(scope).
      - With O(assignments), the instance of every item that names no instance or scope of its own.
    type: str
  resource_group:
    description:
      - Resource group of O(instance).
    type: str
  scope:
    description:
      - Any Azure scope instead of an instance, such as C(/subscriptions/<id>/resourceGroups/<name>) or a resource id.
      - Mutually exclusive with O(instance) and O(resource_group).
    type: str
  assignee:
    description:
      - Who receives the role, resolved through Microsoft Graph.
      - A value with C(@) is looked up as user principal name first, then as C(mail), C(otherMails) and the guest
        user principal name C(<email with @ as _>#EXT#@<tenant domain>), so an invited guest or personal Microsoft
        account can be given by the email address they were invited with.
      - A GUID is looked up as an object id, then as a service principal's application (client) id.
      - Anything else is a display name of a user, service principal or group; it must match exactly one.
      - Needs permission to read the directory (for example C(Directory.Read.All)). Without it, use
        O(assignee_object_id) and O(principal_type).
      - Exactly one of O(assignee), O(assignee_object_id) and O(assignments) is required.
    type: str
  assignee_object_id:
    description:
      - Object id of the principal. Skips the directory lookup entirely.
      - The way to assign personal Microsoft accounts and guests whose lookup fails, and to run without
        Microsoft Graph permissions.
      - Azure does not check the directory when O(principal_type) is given, so an object id that no principal has
        (a mistyped id) still gets an assignment, which grants nothing until such an object exists (it does not fail
        after O(principal_wait_timeout)). An object id never costs a directory request; when the same task reads the
        directory anyway (the list form with items given by O(assignments[].assignee)), the module warns about a new
        assignment for an object id the directory does not hold.
    type: str
  principal_type:
    description:
      - Type of the principal given by O(assignee_object_id). Required with it when O(state=present).
      - Sent to Azure with the assignment, which lets Azure accept a principal that was created moments ago.
    type: str
    choices: [User, Group, ServicePrincipal, ForeignGroup, Device]
  role:
    description:
      - The role, as name (for example V(Azure Digital Twins Data Reader)), role definition GUID or full role
        definition id.
      - The Azure Digital Twins Data Owner and Data Reader, Owner, Contributor, Reader and User Access Administrator
        roles resolve without a request; other names are looked up at the scope.
      - With O(assignments), the role of every item that names none.
    type: str
    default: Azure Digital Twins Data Owner
  state:
    description:
      - V(present) makes sure the assignment exists; V(absent) removes it.
      - With O(assignments), the state of every item that names none.
    type: str
    choices: [present, absent]
    default: present
  assignments:
    description:
      - The list form. A set of assignments to converge in one call, on one scope or many. Each item takes the options
        of the single form.
      - Mutually exclusive with O(assignee), O(assignee_object_id) and O(principal_type).
      - An empty list declares that the task's O(instance) or O(scope) holds none, so nothing is added there and,
        with O(exclusive=true), every direct data-role assignment there is removed.
    type: list
    elements: dict
    suboptions:
      assignee:
        description:
          - Who receives the role, looked up as O(assignee) is. Exactly one of O(assignments[].assignee) and
            O(assignments[].assignee_object_id).
        type: str
      assignee_object_id:
        description:
          - Object id of the principal, as O(assignee_object_id).
        type: str
      principal_type:
        description:
          - Type of the principal given by O(assignments[].assignee_object_id); required with it when the item is
            V(present).
        type: str
        choices: [User, Group, ServicePrincipal, ForeignGroup, Device]
      role:
        description:
          - The role, as O(role). Defaults to O(role).
        type: str
      state:
        description:
          - V(present) or V(absent). Defaults to O(state).
        type: str
        choices: [present, absent]
      instance:
        description:
          - Instance of this item, with O(assignments[].resource_group) (or O(resource_group)). Defaults to
            O(instance).
        type: str
      resource_group:
        description:
          - Resource group of O(assignments[].instance). Defaults to O(resource_group).
        type: str
      scope:
        description:
          - Any scope for this item instead of an instance. Defaults to O(scope).
        type: str
  targets:
    description:
      - The targets form. The access of many scopes in one call (a fleet of instances), each target with its own
        declared set (O(targets[].assignments)) and its own O(targets[].exclusive).
      - Each target converges, or fails, on its own. A target whose input is bad, whose assignee or role does not
        resolve, whose instance does not exist (in a real run), whose permission pre-check refuses, whose write fails
        or whose read-back times out is reported with RV(targets[].failed=true) and its own RV(targets[].msg); every
        other target converges. The task then fails at the end, with every target's result in RV(targets).
      - Two targets that name the same scope are refused; the later one fails.
      - Every target is validated before the first request. A target that is not valid sends nothing; a call whose
        targets are all invalid sends no request at all.
      - The work is shared. Every distinct assignee is looked up once, in one directory session, for all targets;
        roles resolve once per distinct value and scope; the caller's permissions are read once per scope (the
        resource group first, so many instances of one group cost one read); whether instances exist is read with
        one list per resource group, only for instances without assignments of their own; the lists of all
        targets' assignments, then their writes, then their read-back run concurrently (at most 8 requests at a
        time). A run that changes nothing costs one request per target (the list of its assignments) plus sign-in
        and the directory look-ups.
      - In check mode, a target whose instance (or resource group) does not exist yet is predicted as getting every
        declared assignment, and says so in its own result (RV(targets[].instance_exists=false)), without a warning.
      - O(role), O(state), O(verify), O(verify_timeout), O(principal_wait_timeout), O(check_permissions) and the
        authentication options apply to every target.
      - Mutually exclusive with O(assignments), O(assignee), O(assignee_object_id), O(principal_type), O(scope),
        O(instance) and O(resource_group).
    type: list
    elements: dict
    suboptions:
      instance:
        description:
          - The instance of this target, with O(targets[].resource_group).
        type: str
      resource_group:
        description:
          - Resource group of O(targets[].instance).
        type: str
      scope:
        description:
          - Any scope instead of an instance.
        type: str
      assignments:
        description:
          - The assignments this target declares, each with the options of an item of O(assignments) except where it
            applies (the target says that).
          - An empty list declares that the target holds none; with O(targets[].exclusive=true), every direct
            data-role assignment there is removed.
          - Required.
        type: list
        elements: dict
        suboptions:
          assignee:
            description:
              - As O(assignments[].assignee).
            type: str
          assignee_object_id:
            description:
              - As O(assignments[].assignee_object_id).
            type: str
          principal_type:
            description:
              - As O(assignments[].principal_type).
            type: str
            choices: [User, Group, ServicePrincipal, ForeignGroup, Device]
          role:
            description:
              - As O(assignments[].role).
            type: str
          state:
            description:
              - As O(assignments[].state).
            type: str
            choices: [present, absent]
      exclusive:
        description:
          - As O(exclusive), for this target. Defaults to O(exclusive).
        type: bool
  exclusive:
    description:
      - With O(assignments), also remove, at each scope the items name, every direct assignment whose role is managed
        there and whose (principal, role) pair the call does not declare.
      - The managed roles of a scope are the roles the call declares there plus the Azure Digital Twins Data Owner
        and Data Reader roles. Inherited assignments (made on a parent scope) and other roles are never touched.
      - Needs O(assignments) or O(targets); with O(targets), the default of O(targets[].exclusive).
    type: bool
    default: false
  verify:
    description:
      - With O(assignments) or O(targets), read back after the writes until the assignments are as declared (O(verify_timeout)).
      - V(false) trusts Azure's answers to the writes.
    type: bool
    default: true
  verify_timeout:
    description:
      - With O(assignments) or O(targets), how long to read back, in seconds, after the writes, until every declared assignment is
        visible and every removed one gone. Azure's reads can lag its writes for a few seconds.
      - When the time is up, the task fails and lists what is missing, by assignee and role as written (with
        O(targets), each target that is not verified fails on its own).
      - V(0) reads back once.
    type: int
    default: 60
  principal_wait_timeout:
    description:
      - How long to retry, in seconds, while Azure RBAC reports the principal as not found (replication delay after
        the principal was created), with a backoff capped at 15 seconds.
      - V(0) fails at the first C(PrincipalNotFound).
      - Azure answers C(PrincipalNotFound) for a principal it does not know yet only in some cases; with a principal
        type given it usually creates the assignment at once, even for an object id that no principal has (see
        O(assignee_object_id)).
    type: int
    default: 180
  check_permissions:
    description:
      - Before creating or removing an assignment, read the caller's effective permissions at the scope (Azure's
        permissions operation, inherited and group assignments included) and fail before any write when they do not
        allow C(Microsoft.Authorization/roleAssignments/write) (or C(/delete) with O(state=absent)). This also happens
        in check mode, so a dry run fails where the real run would, instead of the real run failing halfway.
      - Read only when a change is needed; a run that changes nothing sends no extra request. Each scope is read at
        most once per task; with O(targets), the resource group is read first (once for all its instances), and an
        instance only when its group does not allow the change.
      - A scope that does not exist yet (a new instance in check mode) is checked at its resource group. Azure documents
        no permissions operation for a subscription, a management group or the root scope, so there, and in a resource
        group that does not exist yet, nothing is checked in advance. Nothing is checked either when the permissions
        cannot be read (for example a custom role without C(Microsoft.Authorization/permissions/read)); in check mode
        the module then warns. In these cases Azure still refuses a write the caller may not make.
      - Deny assignments and conditions on the caller's own role assignments are not evaluated in advance.
      - V(false) skips the check, and Azure alone decides when the write is sent.
    type: bool
    default: true
  notices:
    description:
      - Give as warnings the notices about what the task adds (a guest (B2B) user; an Owner or Contributor without an
        Azure Digital Twins data role; an O(assignee_object_id) the directory does not know, which costs one directory
        read).
      - V(false) leaves them out, with that read. For a dry run in check mode whose real run follows (as the
        C(twinops.digital_twins.setup) role does), so that the notices are given once, by the call that makes the
        change.
    type: bool
    default: true
extends_documentation_fragment:
  - twinops.digital_twins.azure_auth
  - twinops.digital_twins.attributes
notes:
  - Creating and deleting role assignments needs Owner, User Access Administrator or Role Based Access Control
    Administrator at the scope or above (or a custom role with C(Microsoft.Authorization/roleAssignments/write) and
    C(/delete)). Contributor is not enough. O(check_permissions) finds this out before anything is written.
  - Azure Digital Twins accepts data-plane tokens only from the instance's tenant. A guest holding a data role must
    sign in to this tenant, not their home tenant.
seealso:
  - module: twinops.digital_twins.dt_role_assignment_info
  - module: twinops.digital_twins.dt_instance
  - name: Azure Digital Twins security
    description: Roles that grant access to the Azure Digital Twins data plane.
    link: https://learn.microsoft.com/azure/digital-twins/concepts-security
"""

EXAMPLES = r"""
- name: Give a user data access to an instance
  twinops.digital_twins.dt_role_assignment:
    instance: factory-twins
    resource_group: rg-twins
    assignee: alice@contoso.com

- name: Give an invited guest read-only data access, by the email they were invited with
  twinops.digital_twins.dt_role_assignment:
    instance: factory-twins
    resource_group: rg-twins
    assignee: bob@outlook.com
    role: Azure Digital Twins Data Reader

- name: Grant a pipeline's service principal by appId, on the resource group
  twinops.digital_twins.dt_role_assignment:
    scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-twins
    assignee: 3f1c2a7e-0000-4000-8000-000000000001
    role: Contributor

- name: Assign without any directory access (personal accounts, automation without Graph permissions)
  twinops.digital_twins.dt_role_assignment:
    instance: factory-twins
    resource_group: rg-twins
    assignee_object_id: 0e000000-0000-4000-8000-00000000a11c
    principal_type: User

- name: Assign to a managed identity created in the same play, waiting for replication
  twinops.digital_twins.dt_role_assignment:
    instance: factory-twins
    resource_group: rg-twins
    assignee_object_id: "{{ identity.principal_id }}"
    principal_type: ServicePrincipal
    principal_wait_timeout: 300

- name: Remove a group's access
  twinops.digital_twins.dt_role_assignment:
    instance: factory-twins
    resource_group: rg-twins
    assignee: dt-operators
    state: absent

- name: Declare the whole access of an instance; remove every other data-role assignment on it
  twinops.digital_twins.dt_role_assignment:
    instance: factory-twins
    resource_group: rg-twins
    assignments:
      - assignee: alice@contoso.com                 # role defaults to Azure Digital Twins Data Owner
      - assignee: bob@outlook.com
        role: Azure Digital Twins Data Reader
      - assignee_object_id: a0700000-0000-4000-8000-0000000000a4
        principal_type: ServicePrincipal
        role: Azure Digital Twins Data Reader
    exclusive: true
  register: access

- name: Converge the access of several instances in one call
  twinops.digital_twins.dt_role_assignment:
    resource_group: rg-twins
    assignments:
      - instance: factory-twins
        assignee: alice@contoso.com
      - instance: plant-twins
        assignee: alice@contoso.com
      - scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-twins
        assignee: dt-operators
        role: Reader

- name: Converge the access of a fleet, one instance per inventory host, in one call; each instance on its own
  twinops.digital_twins.dt_role_assignment:
    targets: >-
      {{ ansible_play_hosts | map('extract', hostvars)
         | map(attribute='twin_access') | list }}
    exclusive: true
  # twin_access of a host, for example:
  #   {instance: line-1-twins, resource_group: rg-twins,
  #    assignments: [{assignee: alice@contoso.com}, {assignee: bob@outlook.com, role: Azure Digital Twins Data Reader}]}
  run_once: true
  register: fleet_access
  failed_when: false

- name: Each host gets its own outcome
  ansible.builtin.assert:
    that: not fleet_access.targets[ansible_play_hosts.index(inventory_hostname)].failed
    fail_msg: "{{ fleet_access.targets[ansible_play_hosts.index(inventory_hostname)].msg }}"
"""

RETURN = r"""
assignment:
  description:
    - The role assignment after the task; what it would be in check mode.
    - Empty when O(state=absent).
  returned: without O(assignments)
  type: dict
  contains:
    id:
      description: ARM id of the assignment.
      returned: when present
      type: str
      sample: "/subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins\
        /providers/Microsoft.Authorization/roleAssignments/8c2f7f0e-3d1b-5b8e-9a55-0d1f4c2b6e11"
    name:
      description: Name of the assignment, derived from scope, principal and role unless it was adopted.
      returned: when present
      type: str
      sample: 8c2f7f0e-3d1b-5b8e-9a55-0d1f4c2b6e11
    scope:
      description: Scope of the assignment.
      returned: when present
      type: str
      sample: /subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins
    principal_id:
      description: Object id of the principal.
      returned: when present
      type: str
      sample: 0e000000-0000-4000-8000-00000000a11c
    principal_type:
      description: Type of the principal.
      returned: when present
      type: str
      sample: User
    role_definition_id:
      description: Id of the role definition.
      returned: when present
      type: str
      sample: /subscriptions/5ab5c000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleDefinitions/bcd981a7-7f74-457b-83e1-cceb9e632ffe
    role_name:
      description: Name of the role.
      returned: when present
      type: str
      sample: Azure Digital Twins Data Owner
    assignee:
      description: The assignee as given (O(assignee) or O(assignee_object_id)).
      returned: when present
      type: str
      sample: alice@contoso.com
    resolved_by:
      description:
        - How the assignee was found.
        - V(userPrincipalName), V(mail), V(otherMails), V(guest_upn), V(object_id), V(app_id), V(display_name), or
          V(given) for O(assignee_object_id).
      returned: when present
      type: str
      sample: userPrincipalName
    adopted:
      description: Whether an equal assignment made elsewhere under another name was found and kept.
      returned: when present
      type: bool
      sample: false
assignments:
  description:
    - With O(assignments), every declared V(present) assignment after the task (what it would be in check mode), in
      the order declared, each in the shape of RV(assignment).
  returned: with O(assignments)
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins\
        /providers/Microsoft.Authorization/roleAssignments/8c2f7f0e-3d1b-5b8e-9a55-0d1f4c2b6e11"
      name: 8c2f7f0e-3d1b-5b8e-9a55-0d1f4c2b6e11
      scope: /subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins
      principal_id: 0e000000-0000-4000-8000-00000000a11c
      principal_type: User
      role_definition_id: "/subscriptions/5ab5c000-0000-4000-8000-000000000001/providers/Microsoft.Authorization\
        /roleDefinitions/bcd981a7-7f74-457b-83e1-cceb9e632ffe"
      role_name: Azure Digital Twins Data Owner
      assignee: alice@contoso.com
      resolved_by: userPrincipalName
      adopted: false
added:
  description:
    - With O(assignments), the assignments this run created (would create in check mode), in the shape of
      RV(assignment).
  returned: with O(assignments) or O(targets)
  type: list
  elements: dict
  sample: []
removed:
  description:
    - With O(assignments), the assignments this run removed (would remove in check mode), O(state=absent) items and
      O(exclusive) together, in the shape of RV(assignment) without RV(assignment.assignee).
  returned: with O(assignments) or O(targets)
  type: list
  elements: dict
  sample: []
targets:
  description:
    - With O(targets), the outcome of every target, in the order given; present when the task fails because targets
      failed, so that a play can read it (with C(failed_when) turned off) and hand each host its own result.
  returned: with O(targets)
  type: list
  elements: dict
  contains:
    instance:
      description: The instance of the target, as given (null for a target given by O(targets[].scope)).
      returned: always
      type: str
      sample: factory-twins
    resource_group:
      description: The resource group of the target's instance, as given.
      returned: always
      type: str
      sample: rg-twins
    scope:
      description: The scope of the target (null when the target's location is not valid).
      returned: always
      type: str
      sample: /subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins
    exclusive:
      description: Whether the target was converged exclusively (O(targets[].exclusive), else O(exclusive)).
      returned: always
      type: bool
      sample: true
    changed:
      description: Whether the run changed the target's assignments (would change them, in check mode).
      returned: always
      type: bool
      sample: true
    failed:
      description: Whether the target failed. A failed target changed nothing unless RV(targets[].changed).
      returned: always
      type: bool
      sample: false
    msg:
      description:
        - What happened to the target, in words; for a failed target, its error (with what to do about it).
      returned: always
      type: str
      sample: added 2 assignments
    instance_exists:
      description:
        - Whether the target's instance (or scope) exists. V(false) in check mode for an instance that an earlier task
          of the play creates; its declared assignments are then all predicted as added.
        - Null when the target failed before its assignments were read.
      returned: always
      type: bool
      sample: true
    assignments:
      description: Every declared V(present) assignment of the target after the run, as RV(assignments).
      returned: always
      type: list
      elements: dict
      sample: []
    added:
      description: The assignments this run created on the target (would create, in check mode), as RV(added).
      returned: always
      type: list
      elements: dict
      sample: []
    removed:
      description: The assignments this run removed from the target (would remove, in check mode), as RV(removed).
      returned: always
      type: list
      elements: dict
      sample: []
    diff:
      description:
        - C(before) and C(after) of the target's scope, the managed assignments there one line each (role, assignee
          and object id), keyed by scope, as the list form's diff. Empty when the target failed before its
          assignments were read.
      returned: always
      type: dict
      sample:
        before:
          /subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins: []
        after:
          /subscriptions/5ab5c000-0000-4000-8000-000000000001/resourceGroups/rg-twins/providers/Microsoft.DigitalTwins/digitalTwinsInstances/factory-twins:
            - "Azure Digital Twins Data Owner: alice@contoso.com (0e000000-0000-4000-8000-00000000a11c)"
"""

from ansible_collections.twinops.digital_twins.plugins.module_utils._assignments import (
    ITEM_OPTIONS,
    TARGET_OPTIONS,
    TARGETS_OPTIONS,
    Desired,
    data_role_warning,
    ensure_absent,
    ensure_present,
    find,
    held_roles,
    instance_scope,
    list_for_principal,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import make_diff
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._graph import GraphDirectory
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import is_instance_scope, validate_scope
from ansible_collections.twinops.digital_twins.plugins.module_utils._module import AzureDTModule
from ansible_collections.twinops.digital_twins.plugins.module_utils._permissions import (
    ROLE_ASSIGNMENTS_DELETE,
    ROLE_ASSIGNMENTS_WRITE,
    caller_label,
    precheck,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._principal import (
    PRINCIPAL_TYPES,
    classify,
    given,
    known_object_ids,
    resolve,
    resolve_many,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import parse_role, resolve_role

ARGUMENT_SPEC = dict(
    TARGET_OPTIONS,
    principal_type=dict(type="str", choices=PRINCIPAL_TYPES),
    role=dict(type="str", default="Azure Digital Twins Data Owner"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    assignments=dict(type="list", elements="dict", options=ITEM_OPTIONS),
    targets=dict(type="list", elements="dict", options=TARGETS_OPTIONS),
    exclusive=dict(type="bool", default=False),
    verify=dict(type="bool", default=True),
    verify_timeout=dict(type="int", default=60),
    principal_wait_timeout=dict(type="int", default=180),
    check_permissions=dict(type="bool", default=True),
    notices=dict(type="bool", default=True),
)


def list_forms():
    """The logic of the list forms (_access, _access_targets), imported when a task needs it: a module process imports
    its sources from the payload on every start, and the single form needs only a small part of them."""
    from ansible_collections.twinops.digital_twins.plugins.module_utils import _access, _access_targets

    return _access, _access_targets


def check_options(params):
    """Checks of the task-level options (no request)."""
    if params["principal_wait_timeout"] < 0:
        raise DigitalTwinsError("principal_wait_timeout must be 0 or more seconds.")
    if params["verify_timeout"] < 0:
        raise DigitalTwinsError("verify_timeout must be 0 or more seconds.")
    if params["assignments"] is None and params["targets"] is None:
        if params["exclusive"]:
            raise DigitalTwinsError("exclusive needs the list form: declare the whole set in assignments (or in "
                                    "targets).")
        if params["resource_group"] and not params["instance"]:
            raise DigitalTwinsError("resource_group goes with instance; for the resource group itself use scope.")


def target_scope(module):
    """The scope from instance + resource_group or scope (validated, no request)."""
    params = module.params
    if params["scope"]:
        return validate_scope(params["scope"])
    return instance_scope(module.session.subscription_id, params["resource_group"], params["instance"])


def given_principal(params, state):
    """The Principal for assignee_object_id (+ principal_type), or None when the assignee must be looked up."""
    if not params["assignee_object_id"]:
        classify(params["assignee"])  # validate before any request
        return None
    principal = given(params["assignee_object_id"], params["principal_type"])
    if principal.principal_type is None and state == "present":
        raise DigitalTwinsError("principal_type is required with assignee_object_id: Azure needs it to accept a "
                                "principal without a directory lookup (User, Group, ServicePrincipal, "
                                "ForeignGroup or Device).")
    return principal


def check_instance(module, scope):
    """Before creating an assignment on an instance given by name, make sure it exists. A missing instance fails the
    real run; in check mode it is predicted as holding nothing, with a warning (an earlier task creates it)."""
    params = module.params
    if not params["instance"]:
        return
    _access = list_forms()[0]
    missing = _access.missing_instance_error(lambda: module.client("digitaltwins"), scope)
    if missing is None:
        return
    if not module.check_mode:
        missing.message += " Nothing was changed."
        raise missing
    module.warn(_access.assumes_created_warning(_access.Target(scope, params["instance"], params["resource_group"])))


def check_permission(module, scope, action):
    """Fail before a write the caller may not make (check_permissions); called only when a write is needed."""
    if not module.params["check_permissions"]:
        return
    precheck(module.client("authorization"), scope, [action], module.session.subscription_id,
             lambda: caller_label(module.params, module.session.method), module.check_mode, module.warn)


def run_single(module):
    """One principal, one role, one scope."""
    params = module.params
    state = params["state"]
    parse_role(params["role"])
    principal = given_principal(params, state)
    scope = target_scope(module)

    role = resolve_role(params["role"], scope, lambda: module.client("authorization"))
    if principal is None:
        principal = resolve(params["assignee"], GraphDirectory(module.session))
    for warning in principal.warnings:
        module.warn(warning)

    desired = Desired(scope, principal, role)
    client = module.client("authorization")
    current = list_for_principal(client, scope, principal.id)

    if state == "present":
        if not find(current, desired):
            check_instance(module, scope)
            check_permission(module, scope, ROLE_ASSIGNMENTS_WRITE)
        changed, assignment = ensure_present(client, desired, current, module.check_mode,
                                             wait_timeout=params["principal_wait_timeout"])
        before = {} if changed else assignment
        held = held_roles(current) + ([(scope, role.id)] if changed else [])
    else:
        existing = find(current, desired)
        if existing:
            check_permission(module, scope, ROLE_ASSIGNMENTS_DELETE)
        changed, removed = ensure_absent(client, desired, current, module.check_mode)
        assignment = {}
        before = removed[0] if removed else {}
        held = held_roles(a for a in current if a not in existing)

    if is_instance_scope(scope):
        warning = data_role_warning(held, scope, principal.label())
        if warning:
            module.warn(warning)

    result = dict(changed=changed, assignment=assignment)
    if module.diff_mode:
        result["diff"] = make_diff(before, assignment)
    module.exit_json(**result)


def list_context(module):
    """What _access needs from the module: clients, resolvers and how to warn."""
    directory = GraphDirectory(module.session)
    _access = list_forms()[0]
    return _access.Context(
        authorization=lambda: module.client("authorization"), digitaltwins=lambda: module.client("digitaltwins"),
        subscription_id=module.session.subscription_id, check_mode=module.check_mode, warn=module.warn,
        resolve_role=resolve_role, resolve_many=lambda values: resolve_many(values, directory),
        known_ids=lambda ids: known_object_ids(ids, directory),
        caller=lambda: caller_label(module.params, module.session.method))


def run_list(module):
    """A declared set of assignments over one or many scopes (see _access.converge)."""
    _access = list_forms()[0]
    result = _access.converge(list_context(module), module.params)
    if not module.diff_mode:
        result.pop("diff")
    module.exit_json(**result)


def run_targets(module):
    """Many scopes, one declared set each, each converging or failing on its own (see _access_targets)."""
    _access_targets = list_forms()[1]
    result, failed = _access_targets.converge_targets(list_context(module), module.params)
    if not module.diff_mode:
        result.pop("diff")
    if failed:
        module.fail_json(_access_targets.failure_message(failed, len(result["targets"])), **result)
    else:
        module.exit_json(**result)


def run_module(module):
    # Everything the user gave is checked before the first request.
    check_options(module.params)
    if module.params["targets"] is not None:
        run_targets(module)
    elif module.params["assignments"] is not None:
        run_list(module)
    else:
        run_single(module)


def main():
    module = AzureDTModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[["scope", "instance"], ["scope", "resource_group"], ["assignee", "assignee_object_id"],
                            ["assignee", "principal_type"], ["assignments", "assignee"],
                            ["assignments", "assignee_object_id"], ["assignments", "principal_type"],
                            ["targets", "assignments"], ["targets", "assignee"], ["targets", "assignee_object_id"],
                            ["targets", "principal_type"], ["targets", "scope"], ["targets", "instance"],
                            ["targets", "resource_group"]],
        required_one_of=[["scope", "instance", "assignments", "targets"],
                         ["assignee", "assignee_object_id", "assignments", "targets"]],
        required_by=dict(instance=["resource_group"]),
    )
    module.run(run_module)


if __name__ == "__main__":
    main()
