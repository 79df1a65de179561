"""Microsoft.Authorization 2022-04-01: role definitions and role assignments at any scope, and the caller's
permissions at a resource group or resource."""

import re
import time
import uuid

from .. import directory as dirmod
from ..arm_errors import EmulatorError, bad_request, resource_group_not_found, resource_not_found, subscription_not_found
from ..clock import now_iso
from ..rbac import Rbac, scope_key
from ..web import Route, respond
from .base import Provider

API_VERSIONS = ('2015-07-01', '2018-01-01-preview', '2018-09-01-preview', '2020-03-01-preview', '2020-04-01-preview', '2020-08-01-preview',
                '2020-10-01-preview', '2022-01-01-preview', '2022-04-01', '2022-05-01-preview')
RA_READ = 'Microsoft.Authorization/roleAssignments/read'
RA_WRITE = 'Microsoft.Authorization/roleAssignments/write'
RA_DELETE = 'Microsoft.Authorization/roleAssignments/delete'
RD_READ = 'Microsoft.Authorization/roleDefinitions/read'
RD_WRITE = 'Microsoft.Authorization/roleDefinitions/write'
RD_DELETE = 'Microsoft.Authorization/roleDefinitions/delete'
PERMISSIONS_READ = 'Microsoft.Authorization/permissions/read'
GUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
ROLE_ID = re.compile(r'/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)$', re.IGNORECASE)
PRINCIPAL_TYPES = ('User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device')
SUB_OF = re.compile(r'^/subscriptions/([^/]+)', re.IGNORECASE)
RG_OF = re.compile(r'^/subscriptions/([^/]+)/resourceGroups/([^/]+)', re.IGNORECASE)
RESOURCE_OF = re.compile(r'^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/([^/]+)/([^/]+)/([^/]+)', re.IGNORECASE)
CLAUSE_AT_SCOPE = re.compile(r'^atScope\(\)$', re.IGNORECASE)
CLAUSE_PRINCIPAL = re.compile(r"^principalId\s+eq\s+'?(?P<id>[0-9a-fA-F-]{36})'?$", re.IGNORECASE)
CLAUSE_ASSIGNED = re.compile(r"^assignedTo\('(?P<id>[0-9a-fA-F-]{36})'\)$", re.IGNORECASE)
CLAUSE_ROLE_NAME = re.compile(r"^roleName\s+eq\s+'(?P<value>(?:[^']|'')*)'$", re.IGNORECASE)
CLAUSE_TYPE = re.compile(r"^type\s+eq\s+'(?P<value>BuiltInRole|CustomRole)'$", re.IGNORECASE)


def _norm_scope(scope):
    return '/' + scope.strip('/') if scope.strip('/') else '/'


def _role_definition_id(scope, guid):
    match = SUB_OF.match(scope)
    return f'/subscriptions/{match.group(1)}/providers/Microsoft.Authorization/roleDefinitions/{guid}' if match else \
        f'/providers/Microsoft.Authorization/roleDefinitions/{guid}'


def assignment_body(record):
    """The one place that renders a role assignment."""
    return {'properties': {'roleDefinitionId': _role_definition_id(record['scope'], record['roleGuid']), 'principalId': record['principalId'],
                           'principalType': record['principalType'], 'scope': record['scope'], 'condition': record['condition'],
                           'conditionVersion': record['conditionVersion'], 'createdOn': record['createdOn'], 'updatedOn': record['updatedOn'],
                           'createdBy': record['createdBy'], 'updatedBy': record['updatedBy'],
                           'delegatedManagedIdentityResourceId': record['delegatedManagedIdentityResourceId'], 'description': record['description']},
            'id': record['id'], 'type': 'Microsoft.Authorization/roleAssignments', 'name': record['name']}


def definition_body(definition, scope):
    """The one place that renders a role definition; the id is prefixed with the subscription of `scope` when there is one."""
    return {'properties': {'roleName': definition['roleName'], 'type': definition['type'], 'description': definition['description'],
                           'assignableScopes': list(definition['assignableScopes']), 'permissions': [dict(p) for p in definition['permissions']],
                           'createdOn': definition['createdOn'], 'updatedOn': definition['updatedOn'], 'createdBy': definition['createdBy'],
                           'updatedBy': definition['updatedBy']},
            'id': _role_definition_id(scope if definition['type'] == 'BuiltInRole' else definition['scope'], definition['name']),
            'type': 'Microsoft.Authorization/roleDefinitions', 'name': definition['name']}


def _check_api_version(call, _groups):
    if call.api_version not in API_VERSIONS:
        raise bad_request('InvalidApiVersionParameter',
                          f"The api-version '{call.api_version}' is invalid. The supported versions are '{','.join(API_VERSIONS)}'.")


def _check_scope_exists(call, scope):
    """A scope under our subscription must name an existing resource group / Digital Twins instance."""
    state = call.state
    sub = SUB_OF.match(scope)
    if sub and sub.group(1).lower() != state.subscription_id.lower():
        raise subscription_not_found(sub.group(1))
    group = RG_OF.match(scope)
    if group and state.resource_group(group.group(1), group.group(2)) is None:
        raise resource_group_not_found(group.group(2))
    resource = RESOURCE_OF.match(scope)
    if resource:   # a resource of a type some provider emulates must exist; other types are taken on trust
        sub_id, rg, namespace, kind, name = resource.groups()
        if state.find_resource(sub_id, rg, namespace, [kind, name]) is False:
            raise resource_not_found(f'{namespace}/{kind}', name, rg)


def _role_guid(role_definition_id):
    match = ROLE_ID.search(str(role_definition_id or ''))
    return match.group(1).lower() if match else None


def _principal_not_found(call, principal_id):
    return bad_request('PrincipalNotFound',
                       f'Principal {principal_id.replace("-", "")} does not exist in the directory {call.state.tenant_id}. Check that you have the correct '
                       'principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a '
                       'replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, '
                       'User, or Group.  See https://aka.ms/docs-principaltype')


def _kind_to_type(obj):
    return {'user': 'User', 'servicePrincipal': 'ServicePrincipal', 'group': 'Group'}[obj['kind']]


def _validated_assignment_input(call, name):
    body = call.json_body()
    properties = body.get('properties')
    if not isinstance(properties, dict):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'properties is required'.")
    if not GUID.match(name):
        raise bad_request('InvalidRoleAssignmentId', f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.")
    principal_id = properties.get('principalId')
    if not isinstance(principal_id, str) or not GUID.match(principal_id):
        raise bad_request('InvalidPrincipalId', 'A valid principal ID must be provided for role assignment.')
    role_guid = _role_guid(properties.get('roleDefinitionId'))
    if role_guid is None or call.state.rbac.definition(role_guid) is None:
        raise bad_request('RoleDefinitionDoesNotExist', f"The specified role definition with ID '{role_guid or properties.get('roleDefinitionId')}' "
                          'does not exist.')
    principal_type = properties.get('principalType')
    if principal_type is not None and principal_type not in PRINCIPAL_TYPES:
        raise bad_request('InvalidPrincipalType', f"The principal type '{principal_type}' is not valid. Valid values are '{', '.join(PRINCIPAL_TYPES)}'.")
    return properties, principal_id, role_guid, principal_type


def put_assignment(call, scope, name):
    scope = _norm_scope(scope)
    call.require(RA_WRITE, scope)
    properties, principal_id, role_guid, principal_type = _validated_assignment_input(call, name)
    state = call.state
    with state.lock:
        _check_scope_exists(call, scope)
        rbac = state.rbac
        existing = rbac.get(rbac.assignment_id(scope, name))
        if existing is not None:
            if existing['principalId'].lower() != principal_id.lower() or existing['roleGuid'] != role_guid:
                raise bad_request('RoleAssignmentUpdateNotPermitted',
                                  'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.')
            existing['description'] = properties.get('description', existing['description'])
            existing['condition'] = properties.get('condition', existing['condition'])
            existing['conditionVersion'] = properties.get('conditionVersion', existing['conditionVersion'])
            return respond(201, assignment_body(existing))
        if rbac.find_tuple(scope, role_guid, principal_id):
            raise EmulatorError(409, 'RoleAssignmentExists', 'The role assignment already exists.')
        principal = state.directory.arm_visible(principal_id)
        if principal is None and principal_type is None:
            raise _principal_not_found(call, principal_id)
        if principal is not None and principal_type is not None and _kind_to_type(principal) != principal_type:
            raise bad_request('UnmatchedPrincipalType',
                              f"The PrincipalId '{principal_id.replace('-', '')}' has type '{_kind_to_type(principal)}', which is different from "
                              f"specified PrincipalType '{principal_type}'.")
        record = state.add_assignment(scope, name, role_guid, principal or {'id': principal_id, 'kind': None}, created_by=call.caller_oid,
                                      principal_type=principal_type or _kind_to_type(principal), description=properties.get('description'),
                                      condition=properties.get('condition'), condition_version=properties.get('conditionVersion'),
                                      delegated=properties.get('delegatedManagedIdentityResourceId'))
        record['principalId'] = principal_id
        record['_listed_from'] = time.time() + float(state.settings['role_assignment_list_lag_seconds'] or 0)
        return respond(201, assignment_body(record))


def get_assignment(call, scope, name):
    scope = _norm_scope(scope)
    call.require(RA_READ, scope)
    with call.state.lock:
        call.state.advance()
        record = call.state.rbac.get(call.state.rbac.assignment_id(scope, name))
        if record is None:
            raise EmulatorError(404, 'RoleAssignmentNotFound', f"The role assignment '{name}' is not found.")
        return respond(200, assignment_body(record))


def delete_assignment(call, scope, name):
    scope = _norm_scope(scope)
    call.require(RA_DELETE, scope)
    with call.state.lock:
        call.state.advance()
        record = call.state.rbac.remove(call.state.rbac.assignment_id(scope, name))
    if record is None:
        return respond(204)
    return respond(200, assignment_body(record))


def _split_filter(text):
    return [c.strip() for c in re.split(r'\s+and\s+', text.strip(), flags=re.IGNORECASE) if c.strip()]


def list_assignments(call, scope):
    scope = _norm_scope(scope)
    call.require(RA_READ, scope)
    state = call.state
    at_scope = False
    principals = None
    text = call.request.args.get('$filter')
    for clause in _split_filter(text or ''):
        if CLAUSE_AT_SCOPE.match(clause):
            at_scope = True
        elif CLAUSE_PRINCIPAL.match(clause):
            principals = [CLAUSE_PRINCIPAL.match(clause).group('id')]
        elif CLAUSE_ASSIGNED.match(clause):
            wanted = CLAUSE_ASSIGNED.match(clause).group('id')
            principals = 'assigned', wanted
        else:
            raise bad_request('UnsupportedFilter', f"The filter '{text}' is not supported. Supported filters are atScope(), "
                              "principalId eq '{id}' and assignedTo('{id}').")
    with state.lock:
        state.advance()
        rbac = state.rbac
        if isinstance(principals, tuple):
            principals = state.principal_ids_of(principals[1])
        if principals is not None:
            records = rbac.for_principals(principals, scope)
            if at_scope:
                key = scope_key(scope)
                records = [r for r in records if r['scopeKey'] == '/' or key == r['scopeKey'] or key.startswith(r['scopeKey'] + '/')]
        elif at_scope:
            records = rbac.at_or_above(scope)
        else:
            records = rbac.related(scope)
        listed = time.time()
        records = [r for r in records if r.get('_listed_from', 0) <= listed]
        page, next_link = call.page(records, state.settings['role_assignment_page_size'])
        bodies = [assignment_body(r) for r in page]
    return respond(200, {'value': bodies, 'nextLink': next_link} if next_link else {'value': bodies})


# ---- role definitions -------------------------------------------------------------------------------------------

def _visible_definition(call, scope, guid):
    definition = call.state.rbac.definition(guid)
    if definition is None:
        return None
    if definition['type'] == 'CustomRole':
        key = scope_key(scope)
        in_reach = [s for s in definition['assignableScopes'] + [definition['scope']] if scope_key(s) == key or key.startswith(scope_key(s) + '/')
                    or scope_key(s).startswith(key + '/') or key == '/']
        if not in_reach:
            return None
    return definition


def get_definition(call, scope, guid):
    scope = _norm_scope(scope)
    if scope != '/':
        call.require(RD_READ, scope)
    with call.state.lock:
        definition = _visible_definition(call, scope, guid)
        if definition is None:
            raise EmulatorError(404, 'RoleDefinitionDoesNotExist', f"The specified role definition with ID '{guid}' does not exist.")
        return respond(200, definition_body(definition, scope))


def list_definitions(call, scope):
    scope = _norm_scope(scope)
    if scope != '/':
        call.require(RD_READ, scope)
    role_name = role_type = None
    text = call.request.args.get('$filter')
    for clause in _split_filter(text or ''):
        if CLAUSE_ROLE_NAME.match(clause):
            role_name = CLAUSE_ROLE_NAME.match(clause).group('value').replace("''", "'")
        elif CLAUSE_TYPE.match(clause):
            role_type = CLAUSE_TYPE.match(clause).group('value')
        else:
            raise bad_request('UnsupportedFilter', f"The filter '{text}' is not supported. Supported filters are roleName eq '{{name}}' and "
                              "type eq 'BuiltInRole'|'CustomRole'.")
    with call.state.lock:
        bodies = []
        for guid in list(call.state.rbac.definitions):
            definition = _visible_definition(call, scope, guid)
            if definition is None:
                continue
            if role_name is not None and definition['roleName'].lower() != role_name.lower():
                continue
            if role_type is not None and definition['type'].lower() != role_type.lower():
                continue
            bodies.append(definition_body(definition, scope))
    return respond(200, {'value': bodies})


def put_definition(call, scope, guid):
    scope = _norm_scope(scope)
    call.require(RD_WRITE, scope)
    body = call.json_body()
    properties = body.get('properties')
    if not GUID.match(guid):
        raise bad_request('InvalidRoleDefinitionId', f"The role definition ID '{guid}' is not valid. The role definition ID must be a GUID.")
    if not isinstance(properties, dict) or not properties.get('roleName'):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'properties.roleName is required'.")
    scopes = properties.get('assignableScopes') or []
    permissions = properties.get('permissions') or []
    if not isinstance(scopes, list) or not scopes:
        raise bad_request('MissingAssignableScopes', 'The role definition must have at least one assignable scope.')
    if not isinstance(permissions, list) or not all(isinstance(p, dict) for p in permissions):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'permissions must be a list'.")
    state = call.state
    with state.lock:
        existing = state.rbac.definition(guid)
        if existing is not None and existing['type'] == 'BuiltInRole':
            raise EmulatorError(403, 'RoleDefinitionIsBuiltIn', 'Built-in role definitions cannot be modified.')
        same_name = state.rbac.definition_by_name(properties['roleName'])
        if same_name is not None and same_name['name'].lower() != guid.lower():
            raise EmulatorError(409, 'RoleDefinitionWithSameNameExists', 'A custom role with the same name already exists in this directory.')
        for assignable in scopes:
            _check_scope_exists(call, _norm_scope(assignable))
        stamp = now_iso()
        definition = {'name': guid.lower(), 'roleName': properties['roleName'], 'type': 'CustomRole', 'description': properties.get('description'),
                      'assignableScopes': [_norm_scope(s) for s in scopes], 'scope': scope,
                      'permissions': [{'actions': list(p.get('actions') or []), 'notActions': list(p.get('notActions') or []),
                                       'dataActions': list(p.get('dataActions') or []), 'notDataActions': list(p.get('notDataActions') or [])}
                                      for p in permissions],
                      'createdOn': existing['createdOn'] if existing else stamp, 'updatedOn': stamp,
                      'createdBy': existing['createdBy'] if existing else call.caller_oid, 'updatedBy': call.caller_oid}
        state.rbac.add_definition(definition)
        return respond(201, definition_body(definition, scope))


def delete_definition(call, scope, guid):
    scope = _norm_scope(scope)
    call.require(RD_DELETE, scope)
    with call.state.lock:
        definition = call.state.rbac.definition(guid)
        if definition is None:
            return respond(204)
        if definition['type'] == 'BuiltInRole':
            raise EmulatorError(403, 'RoleDefinitionIsBuiltIn', 'Built-in role definitions cannot be deleted.')
        if call.state.rbac.definition_in_use(definition['name']):
            raise EmulatorError(409, 'RoleDefinitionHasAssignments',
                                'There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).')
        del call.state.rbac.definitions[definition['name']]
        return respond(200, definition_body(definition, scope))


# ---- the caller's permissions (Permissions_ListForResourceGroup, Permissions_ListForResource) -----------------------

def _permissions_page(call, scope):
    """The caller's effective permission blocks at `scope`, one page of them (permission_page_size) and its nextLink."""
    state = call.state
    blocks = state.rbac.effective_permissions(state.principal_ids_of(call.caller_oid), scope)
    page, next_link = call.page(blocks, state.settings['permission_page_size'])
    return respond(200, {'value': page, 'nextLink': next_link} if next_link else {'value': page})


def _check_subscription(call, sub):
    """Checked first (SubscriptionNotFound); then authorization, then existence, in ARM's order: a caller who may not
    read at the scope gets 403 even when the scope does not exist."""
    if sub.lower() != call.state.subscription_id.lower():
        raise subscription_not_found(sub)


def list_permissions_for_group(call, sub, rg):
    scope = f'/subscriptions/{sub}/resourceGroups/{rg}'
    _check_subscription(call, sub)
    call.require(PERMISSIONS_READ, scope)
    with call.state.lock:
        if call.state.resource_group(sub, rg) is None:
            raise resource_group_not_found(rg)
        return _permissions_page(call, scope)


def _resource_exists(state, sub, rg, namespace, pairs):
    """Whether a provider holds the resource; types no provider emulates do not exist."""
    return state.find_resource(sub, rg, namespace, pairs) is True


def list_permissions_for_resource(call, sub, rg, namespace, resource):
    # The SDK sends an empty parentResourcePath as an empty segment (.../providers/Microsoft.DigitalTwins//digitalTwinsInstances/x);
    # ARM ignores it, and so does this route.
    pairs = [part for part in resource.split('/') if part]
    _check_subscription(call, sub)
    rg_id = f'/subscriptions/{sub}/resourceGroups/{rg}'
    scope = f"{rg_id}/providers/{namespace}/{'/'.join(pairs)}"
    if len(pairs) < 2 or len(pairs) % 2 or any(part.lower() == 'providers' for part in pairs):
        raise bad_request('InvalidResourceId', f"The resource id '{scope}' is not valid: expected "
                          '/providers/{namespace}/{type}/{name}[/{type}/{name}...].')
    call.require(PERMISSIONS_READ, scope)
    state = call.state
    with state.lock:
        if state.resource_group(sub, rg) is None:
            raise resource_group_not_found(rg)
        if len(pairs) > 2 and not _resource_exists(state, sub, rg, namespace, pairs[:2]):
            raise EmulatorError(404, 'ParentResourceNotFound',
                                f"Can not perform requested operation on nested resource. Parent resource '{pairs[1]}' not found.")
        if not _resource_exists(state, sub, rg, namespace, pairs):
            raise resource_not_found(f"{namespace}/{'/'.join(pairs[:-1])}", pairs[-1], rg)
        return _permissions_page(call, scope)


def _scoped(path, handlers):
    """The same routes at the root scope and below any scope (`scope` is then the path before /providers/...)."""
    return (Route(path, handlers, api=_check_api_version, fixed={'scope': ''}),
            Route('/<path:scope>' + path, handlers, api=_check_api_version))


# ---- admin hooks ------------------------------------------------------------------------------------------------

def admin_bulk_role_assignments(call):
    """POST /_emulator/bulk/role-assignments: `count` assignments of `role` at `scope`, one new service principal each."""
    body = call.json_body(required=False)
    count = int(body.get('count', 0))
    state = call.state
    scope = body.get('scope') or f'/subscriptions/{state.subscription_id}'
    with state.lock:
        definition = state.rbac.definition_by_name(body.get('role') or 'Reader')
        if definition is None or count < 1:
            raise bad_request('InvalidParameter', "'count' must be positive and 'role' must name an existing role definition.")
        for index in range(count):
            principal = state.directory.add(dirmod.new_service_principal(f'bulk-sp-{index:05d}', tenant_id=state.tenant_id))
            state.add_assignment(scope, str(uuid.uuid4()), definition['name'], principal, created_by=None)
        return respond(201, {'created': count, 'scope': scope, 'role': definition['roleName'], 'total': len(state.rbac.assignments)})


class Authorization(Provider):
    name = 'Microsoft.Authorization'
    order = 90
    routes = (
        Route('/subscriptions/<sub>/resourcegroups/<rg>/providers/microsoft.authorization/permissions', {'GET': list_permissions_for_group},
              api=_check_api_version),
        Route('/subscriptions/<sub>/resourcegroups/<rg>/providers/<namespace>/<rest:resource>/providers/microsoft.authorization/permissions',
              {'GET': list_permissions_for_resource}, api=_check_api_version),
        *_scoped('/providers/microsoft.authorization/roleassignments/<name>', {'GET': get_assignment, 'PUT': put_assignment, 'DELETE': delete_assignment}),
        *_scoped('/providers/microsoft.authorization/roleassignments', {'GET': list_assignments}),
        *_scoped('/providers/microsoft.authorization/roledefinitions/<guid>', {'GET': get_definition, 'PUT': put_definition, 'DELETE': delete_definition}),
        *_scoped('/providers/microsoft.authorization/roledefinitions', {'GET': list_definitions}),
    )
    admin_routes = (Route('/_emulator/bulk/role-assignments', {'POST': admin_bulk_role_assignments}, flavour='admin', auth=None),)

    def reset(self, state):
        state.rbac = Rbac()
        for item in state.seed['role_definitions']:
            state.rbac.add_definition({
                'name': item['id'], 'roleName': item['role_name'], 'type': 'BuiltInRole', 'description': ' '.join(str(item['description']).split()),
                'assignableScopes': ['/'], 'scope': '/',
                'permissions': [{'actions': item['actions'], 'notActions': item['not_actions'], 'dataActions': item['data_actions'],
                                 'notDataActions': item['not_data_actions']}],
                'createdOn': '2015-02-02T21:55:09.8806423Z', 'updatedOn': '2024-01-01T00:00:00.0000000Z', 'createdBy': None, 'updatedBy': None})
        for item in state.seed.get('role_assignments', []):
            definition = state.rbac.definition_by_name(item['role'])
            principal = state.seed_keys[item['principal']]
            state.add_assignment(state.subst(item['scope']), item['name'], definition['name'], principal, created_by=None)

    def scope_deleted(self, state, scope):
        state.rbac.remove_under(scope)

    def dump(self, state, call):
        return {'role_assignments': [assignment_body(r) for r in state.rbac.assignments.values()],
                'custom_role_definitions': [d['name'] for d in state.rbac.definitions.values() if d['type'] == 'CustomRole']}


PROVIDER = Authorization()
