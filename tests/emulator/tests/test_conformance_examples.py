"""Conformance, part 2: the specs' x-ms-examples, replayed against the emulator and compared in shape.

Each example's request is rebuilt from its operation's path template and ``parameters``, mapped into the emulator's
world (subscription, principals and role definitions from the seed; resource groups, instances and assignments the
example presupposes are created first), sent with a bearer token from the emulator's Entra ID, and the answer is
compared with the example's answer of the same status: same keys recursively, same value types, the example's LRO
headers present.  Values (ids, times, GUIDs) may differ.
"""

import copy
import re
import uuid

import pytest

from conformance import SKIP_REASON, SPECS_DIR
from conformance import wire
from conformance.shape import differences, unexplained
from conformance.specs import SpecSet

pytestmark = pytest.mark.skipif(SPECS_DIR is None, reason=SKIP_REASON)

ALICE = '0e000000-0000-4000-8000-00000000a11c'
DATA_OWNER = 'bcd981a7-7f74-457b-83e1-cceb9e632ffe'
READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
GUID = r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'

# Examples the emulator does not serve, and why.
OUT_OF_SCOPE = {
    'DigitalTwinsGet_WithPrivateEndpointConnection_example': 'private endpoint connections are not emulated',
    'DigitalTwinsOperationsList_example': 'Operations_List (provider operations catalogue) is not emulated',
}
OUT_OF_SCOPE_PREFIXES = {
    'DigitalTwinsEndpoint': 'Digital Twins endpoints (egress routes) are out of the emulator\'s scope',
    'PrivateEndpointConnection': 'private endpoints are out of the emulator\'s scope',
    'PrivateLinkResources': 'private link resources are out of the emulator\'s scope',
    'TimeSeriesDatabaseConnections': 'time series database connections are out of the emulator\'s scope',
}

# Keys/values an example shows that the live service (and so the emulator) does not, each with the reason.
# Pattern: "<path glob>|<difference glob>" (see conformance.shape.unexplained).
EXCEPTIONS = {
    '$.properties.privateEndpointConnections|unexpected key':
        'live RP returns privateEndpointConnections: [] once provisioned; examples written before the field existed omit it',
    '$.value[*].properties.privateEndpointConnections|unexpected key': 'as above, in lists',
    '$.tags|unexpected key': 'live RP always returns tags (null when none); several examples leave the key out',
    '$.value[*].tags|unexpected key': 'as above, in lists',
    '$.tags|type null, expected object': 'live RP returns tags: null when the instance has none (recording, contract §4)',
    '$.properties.publicNetworkAccess|unexpected key': 'live RP returns publicNetworkAccess (default Enabled); older examples omit it',
    '$.identity.tenantId|unexpected key': 'live RP returns tenantId for user-assigned identities too (recording)',
    '$.identity.principalId|unexpected key':
        'the 201 example omits the SystemAssigned principalId; ARM hands it to the RP in the PUT (x-ms-identity-principal-id, spec text)',
    '$.nextLink|unexpected key': 'live ARM lists carry nextLink (null on the last page); some examples omit it',
    '$.value[*].dataActions|unexpected key':
        'Permission has dataActions/notDataActions in 2022-04-01 (the resource group example shows them); the resource example omits them',
    '$.value[*].notDataActions|unexpected key': 'as for dataActions',
    '$.identity.userAssignedIdentities.*.*|unexpected key':
        'the 201 example shows {} per user-assigned identity; the live 201 carries clientId/principalId (null until provisioned; recording)',
}
# Role assignment and definition answers of the live service carry every property, null when unset (`az role
# assignment list` output; createdOn/updatedOn/createdBy/updatedBy in the recorded 2015-07-01..2018-09-01 answers);
# the 2022-04-01 examples show only some of them.
for _key in ('createdOn', 'updatedOn', 'createdBy', 'updatedBy', 'condition', 'conditionVersion', 'description',
             'delegatedManagedIdentityResourceId'):
    for _prefix in ('$.properties', '$.value[*].properties'):
        EXCEPTIONS[f'{_prefix}.{_key}|unexpected key'] = 'live answers carry the property (null when unset); the example omits it'


@pytest.fixture(scope='module')
def specs():
    return SpecSet(SPECS_DIR)


@pytest.fixture
def clean_emu(emu):
    """`emu` (reset before the test), reset again afterwards: these tests change settings of the shared emulator."""
    yield emu
    emu.reset()


def _cases():
    if SPECS_DIR is None:
        return []
    out = []
    for op in SpecSet(SPECS_DIR).operations:
        for title, (path, _example) in op.examples().items():
            reason = OUT_OF_SCOPE.get(path.stem) or next((r for p, r in OUT_OF_SCOPE_PREFIXES.items() if path.stem.startswith(p)), None)
            marks = [pytest.mark.skip(reason=f'out of scope: {reason}')] if reason else []
            marks += [pytest.mark.xfail(strict=True, reason=DEVIATIONS[path.stem])] if path.stem in DEVIATIONS else []
            out.append(pytest.param(op.operation_id, title, id=path.stem, marks=marks))
    return out


# Confirmed emulator deviations (example stem -> reason); strict xfails.
DEVIATIONS = {}


class World:
    """Maps an example's identifiers into the emulator and creates what the example presupposes."""

    def __init__(self, emu, session):
        self.emu = emu
        self.session = session
        self.sub = emu.env['AZURE_SUBSCRIPTION_ID']
        self.groups = set()

    def map_value(self, value, example_sub):
        """Deep copy of ``value`` with the example's subscription, principals and role definitions swapped for ours."""
        if isinstance(value, dict):
            return {self.map_value(k, example_sub) if isinstance(k, str) else k: self.map_value(v, example_sub) for k, v in value.items()}
        if isinstance(value, list):
            return [self.map_value(v, example_sub) for v in value]
        if not isinstance(value, str):
            return value
        if example_sub:
            value = value.replace(example_sub, self.sub)
        value = re.sub(r'(roleDefinitions/)' + GUID, r'\g<1>' + DATA_OWNER, value)
        return value

    def resource_group(self, name):
        if name.lower() not in self.groups:
            answer = self.session.send('PUT', f'/subscriptions/{self.sub}/resourcegroups/{name}', {'location': 'westus2'}, api_version=wire.RG_API)
            assert answer.status in (200, 201), answer.body
            self.groups.add(name.lower())

    def instance(self, rg, name, body=None):
        self.resource_group(rg)
        path = f'/subscriptions/{self.sub}/resourceGroups/{rg}/providers/Microsoft.DigitalTwins/digitalTwinsInstances/{name}'
        answer = self.session.send('PUT', path, body or {'location': 'westus2'}, api_version=wire.DT_API)
        assert answer.status in (200, 201), answer.body
        self.session.poll(answer)
        return path

    def scope(self, scope):
        """Make an example's scope exist: its resource group, and a Digital Twins instance for a resource scope."""
        match = re.match(r'^/?subscriptions/[^/]+/resourceGroups/([^/]+)(/providers/.+)?$', scope, re.IGNORECASE)
        if not match:
            return '/' + scope.strip('/')
        if match.group(2):
            return self.instance(match.group(1), 'example-dt')
        self.resource_group(match.group(1))
        return '/' + scope.strip('/')

    def assignment(self, scope, name, principal=ALICE, principal_type='User', role=DATA_OWNER):
        path = f'{scope.rstrip("/")}/providers/Microsoft.Authorization/roleAssignments/{name}'
        body = {'properties': {'roleDefinitionId': f'/subscriptions/{self.sub}/providers/Microsoft.Authorization/roleDefinitions/{role}',
                               'principalId': principal, 'principalType': principal_type}}
        answer = self.session.send('PUT', path, body, api_version=wire.AUTHZ_API)
        assert answer.status in (200, 201), answer.body
        return path


def _example_sub(params):
    text = repr(params)
    match = re.search(r'subscriptions/(' + GUID + ')', text) or re.search(r"'subscriptionId': '(" + GUID + ")'", text)
    return match.group(1) if match else None


def _path(template, params):
    def value(match):
        return str(params[match.group(1)]).strip('/')
    path = re.sub(r'\{([^}]+)\}', value, template)
    return '/' + path.lstrip('/')


DT_PREFIX = 'DigitalTwins_'


def _prepare(world, op, params, example):
    """Create what the example presupposes; returns (method, path, body, params) to send."""
    op_id = op.operation_id
    body_param = op.body_parameter()
    body = params.get(body_param) if body_param else None
    if op_id.startswith(DT_PREFIX):
        if 'resourceGroupName' in params:
            world.resource_group(params['resourceGroupName'])
        if op_id in ('DigitalTwins_Get', 'DigitalTwins_Update', 'DigitalTwins_Delete'):
            existing = next(iter(example['responses'].values())).get('body') or {}
            create = {'location': 'westus2'}
            if existing.get('identity'):
                identity = {'type': existing['identity']['type']}
                if existing['identity'].get('userAssignedIdentities'):
                    identity['userAssignedIdentities'] = {k: {} for k in existing['identity']['userAssignedIdentities']}
                create['identity'] = identity
            world.instance(params['resourceGroupName'], params['resourceName'], create)
        if op_id in ('DigitalTwins_List', 'DigitalTwins_ListByResourceGroup'):
            world.instance(params.get('resourceGroupName', 'resRg'), 'example-listed-dt')
        if op_id == 'DigitalTwins_CheckNameAvailability':
            world.instance('resRg', body['name'])
    elif op_id.startswith('RoleAssignments_'):
        if 'scope' in params:
            params['scope'] = world.scope(params['scope'])
        if 'resourceGroupName' in params:
            world.resource_group(params['resourceGroupName'])
        if op_id == 'RoleAssignments_ListForResource':
            scope = world.instance(params['resourceGroupName'], 'example-dt')
            params.update(resourceProviderNamespace='Microsoft.DigitalTwins', resourceType='digitalTwinsInstances', resourceName='example-dt')
            world.assignment(scope, str(uuid.uuid4()))
        if op_id in ('RoleAssignments_ListForSubscription', 'RoleAssignments_ListForScope', 'RoleAssignments_ListForResourceGroup'):
            scope = params.get('scope') or f'/subscriptions/{world.sub}'
            if 'resourceGroupName' in params:
                scope += f"/resourceGroups/{params['resourceGroupName']}"
            world.assignment(scope, str(uuid.uuid4()))
        if op_id in ('RoleAssignments_Get', 'RoleAssignments_Delete'):
            world.assignment(params['scope'], params['roleAssignmentName'])
        if op_id in ('RoleAssignments_GetById', 'RoleAssignments_DeleteById'):
            scope, name = params['roleAssignmentId'].split('/providers/Microsoft.Authorization/roleAssignments/')
            world.assignment('/' + scope.strip('/'), name)
        if body is not None:
            body['properties']['principalId'] = ALICE
            body['properties']['principalType'] = 'User'
            if op_id == 'RoleAssignments_CreateById':
                body['properties']['roleDefinitionId'] = f'/subscriptions/{world.sub}/providers/Microsoft.Authorization/roleDefinitions/{DATA_OWNER}'
    elif op_id.startswith('Permissions_'):
        # The caller (automation) is Owner of the subscription; Reader on the group as well makes two entries, and a
        # page size of one makes the first answer carry the nextLink the resource group example shows.
        params['subscriptionId'] = world.sub                        # the examples say 'subID' / 'subId'
        world.resource_group(params['resourceGroupName'])
        world.emu.settings(permission_page_size=1)
        automation = world.emu.seed['service_principals'][0]['id']
        world.assignment(f"/subscriptions/{world.sub}/resourceGroups/{params['resourceGroupName']}", str(uuid.uuid4()),
                         principal=automation, principal_type='ServicePrincipal', role=READER)
        if op_id == 'Permissions_ListForResource':
            world.instance(params['resourceGroupName'], 'example-dt')
            params.update(resourceProviderNamespace='Microsoft.DigitalTwins', parentResourcePath='', resourceType='digitalTwinsInstances',
                          resourceName='example-dt')
    elif op_id.startswith('RoleDefinitions_'):
        params['scope'] = f'/subscriptions/{world.sub}'
        if op_id == 'RoleDefinitions_GetById':
            params['roleId'] = f'/subscriptions/{world.sub}/providers/Microsoft.Authorization/roleDefinitions/{DATA_OWNER}'
        elif op_id == 'RoleDefinitions_Get':
            params['roleDefinitionId'] = DATA_OWNER
        elif op_id in ('RoleDefinitions_CreateOrUpdate', 'RoleDefinitions_Delete'):
            params['roleDefinitionId'] = str(uuid.uuid4())
            answer = next(iter(example['responses'].values())).get('body') or {}
            props = dict(answer.get('properties') or {}, assignableScopes=[f'/subscriptions/{world.sub}'], type='CustomRole')
            props['roleName'] = f"{props.get('roleName', 'example role')} {params['roleDefinitionId'][:8]}"
            definition = {'properties': {k: v for k, v in props.items() if k in ('roleName', 'description', 'type', 'permissions', 'assignableScopes')}}
            if op_id == 'RoleDefinitions_Delete':
                path = _path(op.template, params)
                created = world.session.send('PUT', path, definition, api_version=wire.AUTHZ_API)
                assert created.status in (200, 201), created.body
            body = definition
    return op.method, _path(op.template, params), body, params


@pytest.mark.parametrize('operation_id, title', _cases())
def test_example_replays_with_the_same_shape(clean_emu, specs, operation_id, title):
    emu = clean_emu
    emu.settings(provisioning_delay_seconds=0.1)
    op = specs.operation(operation_id)
    example = op.examples()[title][1]
    session = wire.ArmSession(emu)
    world = World(emu, session)
    example_sub = _example_sub(example['parameters'])
    params = world.map_value(copy.deepcopy(example['parameters']), example_sub)
    method, path, body, params = _prepare(world, op, params, example)
    answer = session.send(method, path, body, api_version=example['parameters'].get('api-version'))
    statuses = sorted(example['responses'])
    assert str(answer.status) in example['responses'], f'{method} {path} -> {answer.status} {answer.body!r:.300}; the example documents {statuses}'
    expected = example['responses'][str(answer.status)]
    problems = []
    for header in (expected.get('headers') or {}):
        if header.lower() in ('azure-asyncoperation', 'location', 'retry-after') and header.lower() not in answer.headers:
            problems.append(f'header {header} missing')
    if expected.get('body') is not None or answer.body is not None:
        problems += unexplained(differences(expected.get('body'), answer.body), EXCEPTIONS)
    assert not problems, f'{method} {path} -> {answer.status}:\n' + '\n'.join(problems)
