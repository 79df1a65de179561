"""Microsoft.DigitalTwins/digitalTwinsInstances 2023-01-31 control plane, with real long-running operations.

Choices where the live service was not observed (documented in tests/emulator/README.md):
PATCH is synchronous (200, Succeeded); a PUT of a name taken in another resource group or subscription gives 409
NameUnavailable; DELETE or PATCH of an instance that is still Provisioning (or Deleting, for PATCH) gives 409 Conflict;
a PUT on an existing instance in the same place updates it synchronously (200, Succeeded); a PUT while the instance is
Provisioning answers 201 with the running operation's headers.
"""

import base64
import json
import re
import time
import uuid

from .. import directory as dirmod
from ..arm_errors import EmulatorError, bad_request, resource_group_not_found, resource_not_found
from ..clock import now_iso
from ..tags import validate_tags
from ..web import Route, respond
from . import identities
from .base import Provider
from .resources import REGION_NAMES, check_subscription

RESOURCE_TYPE = 'Microsoft.DigitalTwins/digitalTwinsInstances'
DT_READ = 'Microsoft.DigitalTwins/digitalTwinsInstances/read'
DT_WRITE = 'Microsoft.DigitalTwins/digitalTwinsInstances/write'
DT_DELETE = 'Microsoft.DigitalTwins/digitalTwinsInstances/delete'
CHECK_NAME = 'Microsoft.DigitalTwins/locations/checkNameAvailability/read'
NAME = re.compile(r'^(?!-)[A-Za-z0-9-]{3,63}(?<!-)$')
API_VERSIONS = ('2020-03-01-preview', '2020-10-31', '2020-12-01', '2021-06-30-preview', '2022-05-31', '2022-10-31', '2023-01-31')
IDENTITY_TYPES = ('None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned')
NETWORK_ACCESS = ('Enabled', 'Disabled')
TERMINAL_RESULTS = ('Succeeded', 'Failed', 'Canceled')


def instance_id(sub, rg, name):
    return f'/subscriptions/{sub}/resourceGroups/{rg}/providers/{RESOURCE_TYPE}/{name}'


def instance_body(call, inst):
    """The one place that renders a Digital Twins instance."""
    state = inst['provisioningState']
    short = call.state.dt_regions.get(inst['location'], inst['location'])
    properties = {'provisioningState': state, 'createdTime': inst['createdTime'], 'lastUpdatedTime': inst['lastUpdatedTime'],
                  'hostName': None if state in ('Provisioning', 'Failed', 'Canceled') else f"{inst['name']}.api.{short}.digitaltwins.azure.net",
                  'publicNetworkAccess': inst['publicNetworkAccess']}
    if state not in ('Provisioning', 'Deleting'):
        properties['privateEndpointConnections'] = []
    body = {'id': inst['id'], 'name': inst['name'], 'type': RESOURCE_TYPE, 'properties': properties, 'location': inst['location']}
    if inst['identity'] is not None:
        body['identity'] = _identity_body(call, inst)
    body['tags'] = dict(inst['tags']) if inst['tags'] else None
    body['systemData'] = dict(inst['systemData'])
    return body


def _identity_body(call, inst):
    identity = inst['identity']
    out = {'type': identity['type']}
    if 'SystemAssigned' in identity['type']:
        out['principalId'] = inst['systemPrincipalId']
        out['tenantId'] = call.state.tenant_id
    if 'UserAssigned' in identity['type']:
        out['tenantId'] = call.state.tenant_id
        if inst['provisioningState'] == 'Provisioning':   # live ARM fills clientId/principalId only once provisioned
            out['userAssignedIdentities'] = {rid: {'clientId': None, 'principalId': None} for rid in identity['userAssigned']}
        else:
            out['userAssignedIdentities'] = {rid: dict(call.state.user_assigned[rid.lower()]) for rid in identity['userAssigned']}
    return out


def _check_api_version(call, groups):
    if call.api_version in API_VERSIONS:
        return
    location = groups.get('loc')
    if not location:
        inst = call.state.instances.get((groups.get('name') or '').lower())
        location = inst['location'] if inst else None
    if not location and call.request.method == 'PUT':
        try:
            location = json.loads(call.request.get_data(cache=True) or b'{}').get('location')
        except (ValueError, AttributeError):
            location = None
    regions = ', '.join(call.state.dt_regions)
    versions = ', '.join(API_VERSIONS)
    if location:
        raise bad_request('NoRegisteredProviderFound',
                          f"No registered resource provider found for location '{str(location).replace(' ', '').lower()}' and API version "
                          f"'{call.api_version}' for type 'digitalTwinsInstances'. The supported api-versions are '{versions}'. "
                          f"The supported locations are '{regions}'.")
    raise bad_request('InvalidApiVersionParameter', f"The api-version '{call.api_version}' is invalid. The supported versions are '{versions}'.")


def _validate_name(name):
    if not NAME.match(name):
        raise bad_request('InvalidResourceName',
                          f"The resource name '{name}' is invalid. The name must be 3 to 63 characters long, contain only letters, digits and "
                          'hyphens, and must not start or end with a hyphen.')


def _rg_or_404(call, sub, rg):
    group = call.state.resource_group(sub, rg)
    if group is None:
        raise resource_group_not_found(rg)
    return group


def _instance_or_404(call, sub, rg, name):
    _rg_or_404(call, sub, rg)
    inst = call.state.instances.get(name.lower())
    if inst is None or inst['subscription'].lower() != sub.lower() or inst['resourceGroup'].lower() != rg.lower():
        raise resource_not_found(RESOURCE_TYPE, name, rg)
    return inst


def make_instance(state, group, name, location, tags=None, access='Enabled', who=(None, 'Application'), provisioning_state='Provisioning'):
    """A new instance record (not yet stored)."""
    stamp = now_iso()
    return {'id': instance_id(state.subscription_id, group['name'], name), 'name': name, 'subscription': state.subscription_id,
            'resourceGroup': group['name'], 'location': location, 'tags': tags, 'identity': None, 'systemPrincipalId': None,
            'publicNetworkAccess': access, 'provisioningState': provisioning_state, 'createdTime': stamp, 'lastUpdatedTime': stamp,
            'operationId': None, 'systemData': {'createdBy': who[0], 'createdByType': who[1], 'createdAt': stamp, 'lastModifiedBy': who[0],
                                                'lastModifiedByType': who[1], 'lastModifiedAt': stamp}}


def _validate_identity(identity):
    """Raise 400 unless `identity` is None or a well-formed identity block."""
    if identity is None:
        return
    if not isinstance(identity, dict):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'identity must be an object'.")
    kind = identity.get('type')
    if kind not in IDENTITY_TYPES:
        raise bad_request('InvalidIdentityType', f"The identity type '{kind}' is not supported. Supported types are '{', '.join(IDENTITY_TYPES)}'.")
    user_assigned = identity.get('userAssignedIdentities') or {}
    if not isinstance(user_assigned, dict):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'userAssignedIdentities must be an object'.")
    if 'UserAssigned' in kind and not user_assigned:
        raise bad_request('BadRequest', "The identity type 'UserAssigned' requires 'userAssignedIdentities'.")


def _apply_identity(call, inst, identity):
    """Apply a validated identity block; creates (or removes) directory principals for the identities."""
    state = call.state
    if identity is None:
        return
    kind = identity['type']
    user_assigned = identity.get('userAssignedIdentities') or {}
    if 'SystemAssigned' in kind and not inst.get('systemPrincipalId'):
        principal = dirmod.new_service_principal(inst['name'], sp_type='ManagedIdentity', tenant_id=state.tenant_id,
                                                 alternative_names=['isExplicit=False', inst['id']])
        principal['_arm_visible_at'] = time.time() + float(state.settings['managed_identity_arm_visible_after_seconds'])
        state.directory.add(principal)
        inst['systemPrincipalId'] = principal['id']
    if 'SystemAssigned' not in kind and inst.get('systemPrincipalId'):
        state.rbac_remove_principal(inst['systemPrincipalId'])
        state.directory.remove(inst['systemPrincipalId'])
        inst['systemPrincipalId'] = None
    for resource_id in user_assigned:
        identities.ensure(state, resource_id)
    inst['identity'] = None if kind == 'None' and inst.get('identity') is None else {'type': kind, 'userAssigned': list(user_assigned)}


def _network_access(value, current='Enabled'):
    if value is None:
        return current
    if value not in NETWORK_ACCESS:
        raise bad_request('InvalidPublicNetworkAccess', f"The value '{value}' is not valid for publicNetworkAccess. Allowed values are 'Enabled', 'Disabled'.")
    return value


def _tags(value):
    return validate_tags(value) or None


def _operation_headers(call, op):
    sub, loc = op['subscription'], op['location']
    status_url = call.url(f'/subscriptions/{sub}/providers/Microsoft.DigitalTwins/locations/{loc}/operationsStatuses/{op["id"]}',
                          **{'api-version': call.api_version})
    opaque = base64.urlsafe_b64encode(json.dumps({'operationKind': op['kind'].title(), 'resourceKind': 'DigitalTwinsInstance',
                                                  'resourceGroupName': op['resourceGroup'], 'resourceName': op['name'],
                                                  'operationId': op['id']}).encode()).decode().rstrip('=')
    result_url = call.url(f'/subscriptions/{sub}/providers/Microsoft.DigitalTwins/locations/{loc}/operationResults/{opaque}',
                          **{'api-version': call.api_version})
    return {'Azure-AsyncOperation': status_url, 'Location': result_url, 'Retry-After': call.state.settings['retry_after_seconds']}


def _start_operation(call, inst, kind, delay, result='Succeeded'):
    op = {'id': str(uuid.uuid4()), 'kind': kind, 'instanceKey': inst['name'].lower(), 'subscription': inst['subscription'],
          'resourceGroup': inst['resourceGroup'], 'name': inst['name'], 'location': inst['location'], 'startTime': now_iso(),
          'finishAt': time.time() + delay, 'result': result, 'done': False, 'endTime': None}
    call.state.operations[op['id']] = op
    inst['operationId'] = op['id']
    return op


def put_instance(call, sub, rg, name):
    check_subscription(call, sub)
    call.require(DT_WRITE, instance_id(sub, rg, name))
    _validate_name(name)
    body = call.json_body()
    state = call.state
    if not body.get('location'):
        raise bad_request('LocationRequired', 'The location property is required for this definition.')
    location = str(body['location']).replace(' ', '').lower()
    if location not in state.dt_regions:
        raise bad_request('LocationNotAvailableForResourceType',
                          f"The provided location '{body['location']}' is not available for resource type '{RESOURCE_TYPE}'. "
                          f"List of available regions for the resource type is '{','.join(state.dt_regions)}'.")
    properties = body.get('properties') or {}
    if not isinstance(properties, dict):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'properties must be an object'.")
    access = _network_access(properties.get('publicNetworkAccess'))
    tags = _tags(body.get('tags'))
    _validate_identity(body.get('identity'))
    who, who_type = call.caller_identity()
    with state.lock:
        group = _rg_or_404(call, sub, rg)
        if group['provisioningState'] == 'Deleting':
            raise EmulatorError(409, 'ResourceGroupBeingDeleted',
                                f"The resource group '{group['name']}' is in deprovisioning state and cannot perform this operation.")
        existing = state.instances.get(name.lower())
        if existing is not None:
            return _put_existing(call, existing, sub, rg, name, location, body, access, tags, (who, who_type))
        inst = make_instance(state, group, name, location, tags, access, (who, who_type))
        _apply_identity(call, inst, body.get('identity'))
        behaviour = state.behaviours.pop(name.lower(), {})
        delay = behaviour.get('provisioning_delay_seconds')
        op = _start_operation(call, inst, 'create', state.delay() if delay is None else float(delay), behaviour.get('provisioning_result', 'Succeeded'))
        state.instances[name.lower()] = inst
        return respond(201, instance_body(call, inst), _operation_headers(call, op))


def _put_existing(call, inst, sub, rg, name, location, body, access, tags, who):
    if inst['subscription'].lower() != sub.lower() or inst['resourceGroup'].lower() != rg.lower():
        raise EmulatorError(409, 'NameUnavailable', f"Name '{name}' is already taken. Please specify a different name")
    if inst['location'] != location:
        raise bad_request('InvalidResourceLocation',
                          f"The resource '{name}' already exists in location '{inst['location']}' in resource group '{inst['resourceGroup']}'. "
                          f"A resource with the same name cannot be created in location '{location}'. Please select a new resource name.")
    if inst['provisioningState'] == 'Provisioning':
        return respond(201, instance_body(call, inst), _operation_headers(call, call.state.operations[inst['operationId']]))
    if inst['provisioningState'] == 'Deleting':
        raise EmulatorError(409, 'Conflict', f"The resource '{name}' is being deleted and cannot be updated.")
    _apply_identity(call, inst, body.get('identity') if 'identity' in body else {'type': 'None'})
    inst['tags'] = tags
    inst['publicNetworkAccess'] = access
    _touch(inst, who)
    if inst['provisioningState'] in ('Failed', 'Canceled'):
        inst['provisioningState'] = 'Succeeded'
    return respond(200, instance_body(call, inst))


def _touch(inst, who):
    stamp = now_iso()
    inst['lastUpdatedTime'] = stamp
    inst['systemData'].update({'lastModifiedBy': who[0], 'lastModifiedByType': who[1], 'lastModifiedAt': stamp})


def get_instance(call, sub, rg, name):
    check_subscription(call, sub)
    call.require(DT_READ, instance_id(sub, rg, name))
    with call.state.lock:
        call.state.advance()
        return respond(200, instance_body(call, _instance_or_404(call, sub, rg, name)))


def patch_instance(call, sub, rg, name):
    check_subscription(call, sub)
    call.require(DT_WRITE, instance_id(sub, rg, name))
    body = call.json_body()
    properties = body.get('properties') or {}
    if not isinstance(properties, dict):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'properties must be an object'.")
    with call.state.lock:
        call.state.advance()
        inst = _instance_or_404(call, sub, rg, name)
        if inst['provisioningState'] in ('Provisioning', 'Deleting'):
            raise EmulatorError(409, 'Conflict', f"The resource '{name}' is in provisioning state '{inst['provisioningState']}' and cannot be updated "
                                'until the current operation completes.')
        access = _network_access(properties.get('publicNetworkAccess'), inst['publicNetworkAccess'])
        tags = _tags(body['tags']) if 'tags' in body else inst['tags']
        _validate_identity(body.get('identity'))
        if 'identity' in body:
            _apply_identity(call, inst, body['identity'])
        inst['tags'] = tags
        inst['publicNetworkAccess'] = access
        _touch(inst, call.caller_identity())
        return respond(200, instance_body(call, inst))


def delete_instance(call, sub, rg, name):
    check_subscription(call, sub)
    call.require(DT_DELETE, instance_id(sub, rg, name))
    state = call.state
    with state.lock:
        state.advance()
        try:
            inst = _instance_or_404(call, sub, rg, name)
        except EmulatorError as err:
            if err.code == 'ResourceNotFound':
                return respond(204)
            raise
        if inst['provisioningState'] == 'Provisioning':
            raise EmulatorError(409, 'Conflict', f"The resource '{name}' is in provisioning state 'Provisioning'; it cannot be deleted until the "
                                'current operation completes.')
        if inst['provisioningState'] == 'Deleting':
            op = state.operations[inst['operationId']]
        else:
            op = _start_operation(call, inst, 'delete', state.delay('deletion'))
            inst['provisioningState'] = 'Deleting'
        return respond(202, instance_body(call, inst), _operation_headers(call, op))


def _list(call, instances, scope_sub):
    readable_everywhere = call.can(DT_READ, f'/subscriptions/{scope_sub}')
    visible = [i for i in instances if readable_everywhere or call.can(DT_READ, i['id'])]
    page, next_link = call.page(visible, call.state.settings['page_size'])
    return respond(200, {'value': [instance_body(call, i) for i in page], 'nextLink': next_link})


def list_by_rg(call, sub, rg):
    check_subscription(call, sub)
    call.require(DT_READ, f'/subscriptions/{sub}/resourceGroups/{rg}')
    with call.state.lock:
        call.state.advance()
        _rg_or_404(call, sub, rg)
        key = (sub.lower(), rg.lower())
        instances = [i for i in call.state.instances.values() if (i['subscription'].lower(), i['resourceGroup'].lower()) == key]
        return _list(call, instances, sub)


def list_by_subscription(call, sub):
    check_subscription(call, sub)
    with call.state.lock:
        call.state.advance()
        instances = [i for i in call.state.instances.values() if i['subscription'].lower() == sub.lower()]
        if not call.can(DT_READ, f'/subscriptions/{sub}') and not any(call.can(DT_READ, i['id']) for i in instances):
            call.require(DT_READ, f'/subscriptions/{sub}')
        return _list(call, instances, sub)


def check_name(call, sub, loc):
    check_subscription(call, sub)
    call.require(CHECK_NAME, f'/subscriptions/{sub}')
    body = call.json_body()
    name = body.get('name')
    if not isinstance(name, str):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'name is required'.")
    if str(body.get('type', '')).lower() != RESOURCE_TYPE.lower():
        raise bad_request('InvalidResourceType', f"The resource type '{body.get('type')}' is not supported; expected '{RESOURCE_TYPE}'.")
    del loc
    if not NAME.match(name):
        return respond(200, {'nameAvailable': False, 'reason': 'Invalid',
                             'message': f"Name '{name}' is invalid. The name must be 3 to 63 characters long, contain only letters, digits and "
                                        'hyphens, and must not start or end with a hyphen.'})
    with call.state.lock:
        call.state.advance()
        taken = name.lower() in call.state.instances
    if taken:
        return respond(200, {'nameAvailable': False, 'message': f"Name '{name}' is already taken. Please specify a different name",
                             'reason': 'AlreadyExists'})
    return respond(200, {'nameAvailable': True, 'message': None, 'reason': None})


def _operation_or_404(call, sub, op_id):
    op = call.state.operations.get(op_id.lower()) or call.state.operations.get(op_id)
    if op is None or op['subscription'].lower() != sub.lower():
        raise EmulatorError(404, 'NotFound', f"The operation '{op_id}' could not be found.")
    return op


def operation_status(call, sub, loc, op_id):
    check_subscription(call, sub)
    with call.state.lock:
        call.state.advance()
        op = _operation_or_404(call, sub, op_id)
        call.require(DT_READ, instance_id(sub, op['resourceGroup'], op['name']))
        body = {'id': f'/subscriptions/{sub}/locations/{loc}/operationsStatuses/{op["id"]}', 'name': op['id'],
                'status': op['result'] if op['done'] else 'Running', 'startTime': op['startTime']}
        if op['done']:
            body['endTime'] = op['endTime']
            if op['result'] != 'Succeeded':
                body['error'] = {'code': 'ProvisioningFailed' if op['result'] == 'Failed' else 'OperationCanceled',
                                 'message': f"The operation '{op['kind']}' on '{op['name']}' finished with status '{op['result']}'."}
    return respond(200, body, {'Retry-After': call.state.settings['retry_after_seconds']})


def operation_result(call, sub, loc, token):
    check_subscription(call, sub)
    del loc
    try:
        info = json.loads(base64.urlsafe_b64decode(token + '=' * (-len(token) % 4)))
        op_id = info['operationId']
    except (ValueError, KeyError, TypeError):
        raise EmulatorError(404, 'NotFound', f"The operation result '{token}' could not be found.") from None
    with call.state.lock:
        call.state.advance()
        op = _operation_or_404(call, sub, op_id)
        call.require(DT_READ, instance_id(sub, op['resourceGroup'], op['name']))
        if not op['done']:
            return respond(202, None, {'Location': call.request.url, 'Retry-After': call.state.settings['retry_after_seconds']})
        inst = call.state.instances.get(op['instanceKey'])
        if op['kind'] == 'delete' or inst is None:
            return respond(204)
        return respond(200, instance_body(call, inst))


def drop_instance(state, key):
    """Remove an instance, what is assigned at or below it, and its system-assigned principal."""
    instance = state.instances.pop(key, None)
    if instance is None:
        return
    state.delete_scope(instance['id'])
    if instance.get('systemPrincipalId'):
        state.rbac_remove_principal(instance['systemPrincipalId'])
        state.directory.remove(instance['systemPrincipalId'])


def _generic(inst):
    return {'id': inst['id'], 'name': inst['name'], 'type': RESOURCE_TYPE, 'location': inst['location'], 'tags': dict(inst['tags'] or {})}


def registration(sub, state):
    locations = [REGION_NAMES.get(region, region) for region in state.dt_regions]
    api_versions = ['2023-01-31', '2022-10-31', '2022-05-31', '2021-06-30-preview', '2020-12-01', '2020-10-31', '2020-03-01-preview']
    return {'id': f'/subscriptions/{sub}/providers/Microsoft.DigitalTwins', 'namespace': 'Microsoft.DigitalTwins',
            'registrationState': 'Registered', 'registrationPolicy': 'RegistrationRequired',
            'resourceTypes': [{'resourceType': 'digitalTwinsInstances', 'locations': locations, 'apiVersions': api_versions,
                               'capabilities': 'SystemAssignedResourceIdentity, SupportsTags, SupportsLocation'},
                              {'resourceType': 'locations', 'locations': [], 'apiVersions': api_versions},
                              {'resourceType': 'locations/checkNameAvailability', 'locations': locations, 'apiVersions': api_versions},
                              {'resourceType': 'operations', 'locations': [], 'apiVersions': api_versions}]}


# ---- admin hooks ------------------------------------------------------------------------------------------------

def admin_behaviours(call):
    """POST /_emulator/behaviours: the outcome and duration of the next PUT that creates an instance."""
    body = call.json_body(required=False)
    name = body.get('instance_name')
    result = body.get('provisioning_result', 'Succeeded')
    if not name or result not in TERMINAL_RESULTS:
        raise bad_request('InvalidParameter', f"'instance_name' is required and 'provisioning_result' must be one of {', '.join(TERMINAL_RESULTS)}.")
    behaviour = {'provisioning_result': result}
    if body.get('provisioning_delay_seconds') is not None:
        behaviour['provisioning_delay_seconds'] = float(body['provisioning_delay_seconds'])
    with call.state.lock:
        call.state.behaviours[name.lower()] = behaviour
    return respond(200, dict(behaviour, instance_name=name))


def admin_bulk_instances(call):
    """POST /_emulator/bulk/instances: `count` Succeeded instances in one group (created when missing)."""
    body = call.json_body(required=False)
    count = int(body.get('count', 0))
    state = call.state
    location = str(body.get('location') or 'westus2').replace(' ', '').lower()
    rg = body.get('resource_group')
    if count < 1 or not rg or location not in state.dt_regions:
        raise bad_request('InvalidParameter', "'count' must be positive, 'resource_group' is required and 'location' must be an offered region.")
    tags = validate_tags(body.get('tags'))
    with state.lock:
        key = (state.subscription_id.lower(), rg.lower())
        group = state.resource_groups.get(key)
        if group is None:
            group = {'subscription': state.subscription_id, 'name': rg, 'location': location, 'tags': {}, 'managedBy': None,
                     'provisioningState': 'Succeeded'}
            state.resource_groups[key] = group
        prefix = body.get('name_prefix') or f'bulk-{uuid.uuid4().hex[:6]}'
        for index in range(count):
            inst = make_instance(state, group, f'{prefix}-{index:05d}', location, tags=dict(tags) if tags else None, provisioning_state='Succeeded')
            state.instances[inst['name'].lower()] = inst
        return respond(201, {'created': count, 'resource_group': group['name'], 'name_prefix': prefix})


class DigitalTwins(Provider):
    name = 'Microsoft.DigitalTwins'
    routes = (
        Route('/subscriptions/<sub>/resourcegroups/<rg>/providers/microsoft.digitaltwins/digitaltwinsinstances/<name>',
              {'GET': get_instance, 'PUT': put_instance, 'PATCH': patch_instance, 'DELETE': delete_instance}, api=_check_api_version),
        Route('/subscriptions/<sub>/resourcegroups/<rg>/providers/microsoft.digitaltwins/digitaltwinsinstances', {'GET': list_by_rg},
              api=_check_api_version),
        Route('/subscriptions/<sub>/providers/microsoft.digitaltwins/digitaltwinsinstances', {'GET': list_by_subscription}, api=_check_api_version),
        Route('/subscriptions/<sub>/providers/microsoft.digitaltwins/locations/<loc>/checknameavailability', {'POST': check_name},
              api=_check_api_version),
        Route('/subscriptions/<sub>/providers/microsoft.digitaltwins/locations/<loc>/operationsstatuses/<op_id>', {'GET': operation_status},
              api=_check_api_version),
        Route('/subscriptions/<sub>/providers/microsoft.digitaltwins/locations/<loc>/operationstatuses/<op_id>', {'GET': operation_status},
              api=_check_api_version),
        Route('/subscriptions/<sub>/providers/microsoft.digitaltwins/locations/<loc>/operationresults/<token>', {'GET': operation_result},
              api=_check_api_version),
    )
    admin_routes = (
        Route('/_emulator/behaviours', {'POST': admin_behaviours}, flavour='admin', auth=None),
        Route('/_emulator/bulk/instances', {'POST': admin_bulk_instances}, flavour='admin', auth=None),
    )

    def reset(self, state):
        state.instances = {}
        state.operations = {}
        state.behaviours = {}

    def registration(self, state, sub):
        return registration(sub, state)

    def find(self, state, sub, rg, namespace, pairs):
        if namespace.lower() != 'microsoft.digitaltwins' or pairs[0].lower() != 'digitaltwinsinstances':
            return None
        if len(pairs) != 2:
            return False   # child resources of an instance are not emulated
        inst = state.instances.get(pairs[1].lower())
        return inst is not None and inst['subscription'].lower() == sub.lower() and inst['resourceGroup'].lower() == rg.lower()

    def resources(self, state, sub, rg=None):
        return [_generic(inst) for inst in state.instances.values()
                if inst['subscription'].lower() == sub.lower() and (rg is None or inst['resourceGroup'].lower() == rg.lower())]

    def advance(self, state, now):
        for op in list(state.operations.values()):
            if op['done'] or op['finishAt'] > now:
                continue
            op['done'] = True
            op['endTime'] = now_iso(op['finishAt'])
            instance = state.instances.get(op['instanceKey'])
            if op['kind'] == 'create' and instance is not None and instance['operationId'] == op['id']:
                instance['provisioningState'] = op['result']
                instance['lastUpdatedTime'] = op['endTime']
                instance['operationId'] = None
            elif op['kind'] == 'delete' and instance is not None and instance['operationId'] == op['id']:
                drop_instance(state, op['instanceKey'])

    def scope_deleted(self, state, scope):
        prefix = scope.rstrip('/').lower() + '/'
        for key, inst in list(state.instances.items()):
            if inst['id'].lower().startswith(prefix):
                drop_instance(state, key)

    def dump(self, state, call):
        return {'instances': [instance_body(call, i) for i in state.instances.values()]}


PROVIDER = DigitalTwins()
