"""Conformance, part 1: every body the emulator sends validates against the vendored OpenAPI (swagger 2.0) specs.

Offline self-tests of the spec machinery come first (they need only ../shared/specs); then one "tour" drives the
emulator through the real SDK clients (azure-mgmt-resource, -digitaltwins, -authorization) with a raw_response_hook,
and each documented (operation, status) pair the tour produced is checked on its own, so a deviation is reported (and
xfailed) per operation.
"""

import json
import re

import pytest
from azure.core.exceptions import HttpResponseError

from conformance import ARM_TYPES, DT_SPEC, SKIP_REASON, SPEC_FILES, SPECS_DIR
from conformance import wire
from conformance.specs import SpecSet, format_checker

pytestmark = pytest.mark.skipif(SPECS_DIR is None, reason=SKIP_REASON)

ALICE = '0e000000-0000-4000-8000-00000000a11c'
CAROL = '0e000000-0000-4000-8000-00000000ca01'
DATA_OWNER = 'bcd981a7-7f74-457b-83e1-cceb9e632ffe'
DATA_READER = 'd57506d4-4c8d-48b1-8587-93c323f6a5a3'
UNKNOWN_PRINCIPAL = '99999999-0000-4000-8000-000000000999'
RG = 'conformance-rg'
INSTANCE = 'conformance-dt'
UAI = '/subscriptions/{sub}/resourceGroups/' + RG + '/providers/Microsoft.ManagedIdentity/userAssignedIdentities/conformance-uai'

# ARM's asynchronous-operation status body (Azure/azure-resource-manager-rpc, async-api-reference.md): the specs do
# not describe it, the SDK only needs `status`.  Shape of the live answers in the recorded traffic.
ASYNC_STATUS_SCHEMA = {
    'type': 'object', 'required': ['status'], 'additionalProperties': False,
    'properties': {'id': {'type': 'string'}, 'name': {'type': 'string'}, 'status': {'type': 'string'},
                   'startTime': {'type': 'string', 'format': 'date-time'}, 'endTime': {'type': 'string', 'format': 'date-time'},
                   'percentComplete': {'type': 'number'}, 'properties': {'type': 'object'},
                   'error': {'type': 'object', 'required': ['code', 'message'],
                             'properties': {'code': {'type': 'string'}, 'message': {'type': 'string'}}}},
}


@pytest.fixture(scope='module')
def specs():
    return SpecSet(SPECS_DIR)


# ---- offline: the machinery itself -------------------------------------------------------------------------------

def test_specs_dir_is_beside_the_checkout():
    assert (SPECS_DIR / DT_SPEC).is_file()
    assert SPECS_DIR.parent.name == 'shared'


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == '$ref' and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize('relative', SPEC_FILES + (ARM_TYPES,))
def test_every_ref_resolves(specs, relative):
    uri = specs.uri_of(SPECS_DIR / relative)
    refs = list(_refs(specs.document(uri)))
    assert refs
    for ref in refs:
        specs.resolve(uri, ref)


def test_operations_are_loaded(specs):
    ids = {op.operation_id for op in specs.operations}
    assert len(specs.operations) == 39
    assert {'DigitalTwins_CreateOrUpdate', 'RoleAssignments_Create', 'RoleDefinitions_GetById', 'RoleAssignments_ListForScope'} <= ids


@pytest.mark.parametrize('method, path, operation_id', [
    ('GET', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt', 'DigitalTwins_Get'),
    ('PUT', '/subscriptions/s/resourcegroups/rg/providers/microsoft.digitaltwins/digitalTwinsInstances/dt', 'DigitalTwins_CreateOrUpdate'),
    ('GET', '/subscriptions/s/providers/Microsoft.DigitalTwins/digitalTwinsInstances', 'DigitalTwins_List'),
    ('POST', '/subscriptions/s/providers/Microsoft.DigitalTwins/locations/westus2/checkNameAvailability', 'DigitalTwins_CheckNameAvailability'),
    ('PUT', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/g', 'RoleAssignments_Create'),
    ('GET', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt/providers/Microsoft.Authorization/roleAssignments/g',
     'RoleAssignments_Get'),
    ('GET', '/subscriptions/s/providers/Microsoft.Authorization/roleAssignments', 'RoleAssignments_ListForSubscription'),
    ('GET', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments', 'RoleAssignments_ListForResourceGroup'),
    ('GET', '/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/g', 'RoleDefinitions_Get'),
    ('GET', '/providers/Microsoft.Authorization/roleDefinitions', 'RoleDefinitions_List'),
    ('DELETE', '/subscriptions/s/resourcegroups/rg', None),
    ('GET', '/subscriptions/s/providers/Microsoft.DigitalTwins/locations/westus2/operationsStatuses/x', None),
    ('GET', '/subscriptions/s/resourcegroups/rg/providers/Microsoft.Authorization/permissions', 'Permissions_ListForResourceGroup'),
    ('GET', '/subscriptions/s/resourcegroups/rg/providers/Microsoft.DigitalTwins//digitalTwinsInstances/dt/providers/Microsoft.Authorization/permissions',
     'Permissions_ListForResource'),
    ('GET', '/subscriptions/s/resourcegroups/rg/providers/Microsoft.Sql/servers/s1/databases/db/providers/Microsoft.Authorization/permissions',
     'Permissions_ListForResource'),
])
def test_operation_lookup(specs, method, path, operation_id):
    found = specs.find(method, path)
    assert (found.operation_id if found else None) == operation_id


def _example_cases():
    if SPECS_DIR is None:
        return []
    cases = []
    for op in SpecSet(SPECS_DIR).operations:
        for title, (path, example) in op.examples().items():
            for status in example['responses']:
                cases.append(pytest.param(op.operation_id, title, status, id=f'{path.stem}-{status}'))
    return cases


@pytest.mark.parametrize('operation_id, title, status', _example_cases())
def test_spec_examples_validate_against_their_schemas(specs, operation_id, title, status):
    """Self-test of the swagger -> JSON Schema conversion: every x-ms-examples response validates (85 of them)."""
    op = specs.operation(operation_id)
    example = op.examples()[title][1]
    assert specs.validate_response(op, status, example['responses'][status].get('body')) == []


SYNTHETIC = {
    'swagger': '2.0', 'info': {'title': 'synthetic', 'version': '2099-01-01'},
    'paths': {'/things/{name}': {'get': {'operationId': 'Things_Get', 'parameters': [{'name': 'name', 'in': 'path', 'required': True, 'type': 'string'}],
                                         'responses': {'200': {'description': 'ok', 'schema': {'$ref': '#/definitions/Thing'}},
                                                       'default': {'description': 'error', 'schema': {'$ref': 'other.json#/definitions/Error'}}}}}},
    'definitions': {
        'Base': {'type': 'object', 'properties': {'id': {'type': 'string', 'readOnly': True}}, 'required': ['id']},
        'Thing': {'allOf': [{'$ref': '#/definitions/Base'}], 'type': 'object', 'properties': {
            'count': {'type': 'integer', 'format': 'int32'},
            'when': {'type': 'string', 'format': 'date-time'},
            'guid': {'type': 'string', 'format': 'uuid'},
            'open': {'type': 'string', 'enum': ['A', 'B'], 'x-ms-enum': {'name': 'Open', 'modelAsString': True}},
            'closed': {'type': 'string', 'enum': ['A', 'B'], 'x-ms-enum': {'name': 'Closed', 'modelAsString': False}},
            'notNull': {'type': 'string', 'x-nullable': False},
            'secretIn': {'type': 'string', 'x-ms-mutability': ['create', 'update']},
            'labels': {'type': 'object', 'additionalProperties': {'type': 'string', 'x-nullable': False}},
            'flat': {'x-ms-client-flatten': True, '$ref': '#/definitions/Inner'},
            'pet': {'$ref': '#/definitions/Pet'}}},
        'Inner': {'type': 'object', 'properties': {'a': {'type': 'string'}}},
        'Pet': {'type': 'object', 'discriminator': 'kind', 'required': ['kind'], 'properties': {'kind': {'type': 'string'}}},
        'Dog': {'x-ms-discriminator-value': 'dog', 'allOf': [{'$ref': '#/definitions/Pet'}], 'properties': {'barks': {'type': 'boolean'}}},
    },
}
OTHER = {'swagger': '2.0', 'info': {'title': 'other', 'version': '1'}, 'paths': {},
         'definitions': {'Error': {'type': 'object', 'properties': {'error': {'type': 'object', 'properties': {'code': {'type': 'string'}}}}}}}


@pytest.mark.parametrize('body, problem', [
    ({'id': 'x'}, None),
    ({'id': 'x', 'count': 2, 'when': '2026-11-26T22:00:00.1234567Z', 'guid': 'bcd981a7-7f74-457b-83e1-cceb9e632ffe', 'open': 'Z', 'closed': 'A',
      'labels': {'k': 'v'}, 'flat': {'a': 'b'}, 'pet': {'kind': 'dog', 'barks': True}}, None),
    ({'id': 'x', 'count': None, 'flat': None}, None),                                          # not required: nullable (oav)
    ({}, "'id' is a required property"),                                                       # required via allOf
    ({'id': None}, "None is not of type 'string'"),                                            # required: not nullable
    ({'id': 'x', 'extra': 1}, "'extra' was unexpected"),                                       # closed object
    ({'id': 'x', 'flat': {'b': 1}}, "'b' was unexpected"),                                     # x-ms-client-flatten: no effect on the wire
    ({'id': 'x', 'count': 2 ** 31}, "is not a 'int32'"),
    ({'id': 'x', 'when': 'yesterday'}, "is not a 'date-time'"),
    ({'id': 'x', 'guid': 'nope'}, "is not a 'uuid'"),
    ({'id': 'x', 'closed': 'Z'}, "is not one of ['A', 'B']"),
    ({'id': 'x', 'notNull': None}, "None is not of type 'string'"),
    ({'id': 'x', 'secretIn': 'v'}, "is not of type 'null'"),                                  # x-ms-mutability without read
    ({'id': 'x', 'labels': {'k': 1}}, "1 is not of type 'string'"),
    ({'id': 'x', 'pet': {'kind': 'dog', 'meows': True}}, "'meows' was unexpected"),            # discriminator -> subtype, closed
    ({'id': 'x', 'pet': {'kind': 'cat', 'meows': True}}, None),                               # unknown subtype: the open base
])
def test_converter_rules(tmp_path, body, problem):
    (tmp_path / 'spec.json').write_text(json.dumps(SYNTHETIC), encoding='utf-8')
    (tmp_path / 'other.json').write_text(json.dumps(OTHER), encoding='utf-8')
    synthetic = SpecSet(tmp_path, files=('spec.json',))
    op = synthetic.find('GET', '/things/a')
    errors = synthetic.validate_response(op, 200, body)
    if problem is None:
        assert errors == []
    else:
        assert any(problem in e for e in errors), errors
    error = synthetic.validate_response(op, 404, {'error': {'code': 'X', 'message': 'm'}})     # default response, via other.json
    assert error == ["$['error']: Additional properties are not allowed ('message' was unexpected)"]


def test_format_checker_accepts_arm_timestamps():
    checker = format_checker()
    for value in ('2023-02-16T06:08:23.6635152Z', '2019-11-19T12:55:05.229Z', '2026-11-26T22:00:00+00:00'):
        assert checker.conforms(value, 'date-time'), value
    assert not checker.conforms('2023-02-30T00:00:00Z', 'date-time')


# ---- live: one SDK tour of the emulator --------------------------------------------------------------------------

def _swallow(func, *args, **kwargs):
    """Run an SDK call that is expected to fail; the failure's response is in the wire log already."""
    try:
        result = func(*args, **kwargs)
        return result.result() if hasattr(result, 'result') and callable(result.result) else result
    except HttpResponseError as exc:
        return exc


def _tour(emulator):
    """Drive the emulator through every operation the collection uses, as the SDK sends it; returns the wire log."""
    emulator.reset()
    emulator.settings(provisioning_delay_seconds=0.2, page_size=1, role_assignment_page_size=2,   # lists span pages: nextLink is validated
                      permission_page_size=1)
    log = wire.WireLog()
    cred = wire.credential(emulator)
    sub = emulator.env['AZURE_SUBSCRIPTION_ID']
    rg_id = f'/subscriptions/{sub}/resourceGroups/{RG}'
    resources = wire.resource_client(emulator, log, cred)
    dt = wire.digitaltwins_client(emulator, log, cred)
    authz = wire.authorization_client(emulator, log, cred)
    from azure.mgmt.digitaltwins.models import (  # pylint: disable=import-outside-toplevel
        CheckNameRequest, DigitalTwinsDescription, DigitalTwinsPatchDescription)
    from azure.mgmt.authorization.models import RoleAssignmentCreateParameters  # pylint: disable=import-outside-toplevel

    resources.resource_groups.create_or_update(RG, {'location': 'westus2'})
    resources.resource_groups.check_existence('missing-rg')                                          # HEAD 404
    _swallow(resources.resource_groups.get, 'missing-rg')                                            # 404 ResourceGroupNotFound
    _swallow(dt.digital_twins.get, 'missing-rg', INSTANCE)                                            # 404 ResourceGroupNotFound
    _swallow(dt.digital_twins.get, RG, INSTANCE)                                                      # 404 ResourceNotFound
    dt.digital_twins.begin_create_or_update(RG, INSTANCE, DigitalTwinsDescription(
        location='westus2', tags={'env': 'test'}, identity={'type': 'SystemAssigned'})).result()     # 201 + AO polls + final GET
    dt.digital_twins.begin_create_or_update(RG, INSTANCE + '-2', DigitalTwinsDescription(
        location='westus2', public_network_access='Disabled',
        identity={'type': 'SystemAssigned,UserAssigned', 'user_assigned_identities': {UAI.format(sub=sub): {}}})).result()
    dt.digital_twins.begin_create_or_update(RG, INSTANCE, DigitalTwinsDescription(location='westus2', tags={'env': 'again'})).result()  # 200
    _swallow(dt.digital_twins.begin_create_or_update, RG, 'conformance-bad-region', DigitalTwinsDescription(location='mars'))  # 400
    dt.digital_twins.get(RG, INSTANCE)
    list(dt.digital_twins.list())
    list(dt.digital_twins.list_by_resource_group(RG))
    dt.digital_twins.begin_update(RG, INSTANCE, DigitalTwinsPatchDescription(tags={'env': 'patched'})).result()
    dt.digital_twins.check_name_availability('westus2', CheckNameRequest(name=INSTANCE))
    dt.digital_twins.check_name_availability('westus2', CheckNameRequest(name='conformance-free-name'))
    dt.digital_twins.check_name_availability('westus2', CheckNameRequest(name='-x'))

    instance_scope = f'{rg_id}/providers/Microsoft.DigitalTwins/digitalTwinsInstances/{INSTANCE}'
    owner = f'/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{DATA_OWNER}'
    reader = f'/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{DATA_READER}'
    first, second, third, fourth = ('c0f0a000-0000-4000-8000-00000000000' + str(i) for i in range(1, 5))
    authz.role_assignments.create(instance_scope, first, RoleAssignmentCreateParameters(
        role_definition_id=owner, principal_id=ALICE, principal_type='User'))
    authz.role_assignments.create(rg_id, second, RoleAssignmentCreateParameters(role_definition_id=reader, principal_id=CAROL))
    _swallow(authz.role_assignments.create, instance_scope, third, RoleAssignmentCreateParameters(
        role_definition_id=owner, principal_id=ALICE, principal_type='User'))                       # 409 RoleAssignmentExists
    _swallow(authz.role_assignments.create, instance_scope, fourth, RoleAssignmentCreateParameters(
        role_definition_id=owner, principal_id=UNKNOWN_PRINCIPAL, principal_type=None))             # 400 PrincipalNotFound
    # (the SDK model defaults principalType to "User"; with a type ARM skips the directory check)
    authz.role_assignments.get(instance_scope, first)
    authz.role_assignments.get_by_id(f'{instance_scope}/providers/Microsoft.Authorization/roleAssignments/{first}')
    _swallow(authz.role_assignments.get, instance_scope, fourth)                                      # 404
    list(authz.role_assignments.list_for_scope(instance_scope, filter='atScope()'))
    list(authz.role_assignments.list_for_scope(instance_scope, filter=f"principalId eq '{ALICE}'"))
    list(authz.role_assignments.list_for_subscription())
    list(authz.role_assignments.list_for_resource_group(RG))
    list(authz.role_assignments.list_for_resource(RG, 'Microsoft.DigitalTwins', 'digitalTwinsInstances', INSTANCE))
    authz.role_definitions.get(f'/subscriptions/{sub}', DATA_OWNER)
    authz.role_definitions.get_by_id(owner)
    _swallow(authz.role_definitions.get, f'/subscriptions/{sub}', '99999999-9999-4999-8999-999999999999')  # 404
    list(authz.role_definitions.list(f'/subscriptions/{sub}', filter="roleName eq 'Azure Digital Twins Data Owner'"))
    list(authz.role_definitions.list(instance_scope))
    # the caller's permissions: Owner of the subscription, plus Reader on the group (two entries, so two pages)
    caller = emulator.seed['service_principals'][0]['id']
    authz.role_assignments.create(rg_id, 'c0f0a000-0000-4000-8000-000000000005', RoleAssignmentCreateParameters(
        role_definition_id=f'/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7',
        principal_id=caller, principal_type='ServicePrincipal'))
    list(authz.permissions.list_for_resource_group(RG))
    list(authz.permissions.list_for_resource(RG, 'Microsoft.DigitalTwins', '', 'digitalTwinsInstances', INSTANCE))
    _swallow(list, authz.permissions.list_for_resource_group('missing-rg'))                           # 404 ResourceGroupNotFound
    _swallow(list, authz.permissions.list_for_resource(RG, 'Microsoft.DigitalTwins', '', 'digitalTwinsInstances', 'missing-dt'))  # 404
    authz.role_assignments.delete(instance_scope, first)                                              # 200 + body
    authz.role_assignments.delete(instance_scope, first)                                              # 204

    dt.digital_twins.begin_delete(RG, INSTANCE + '-2').result()                                       # 202 + AO polls
    dt.digital_twins.begin_delete(RG, INSTANCE + '-2').result()                                       # 204
    return log


@pytest.fixture(scope='module')
def tour(emulator):
    yield _tour(emulator)
    emulator.reset()            # leave the shared emulator as the seed made it (settings included) for other modules


def test_tour_followed_next_links(tour):
    """The lists came in several pages (small page sizes), so nextLink answers were validated too."""
    paged = {_kind_of_list(e.path) for e in tour if e.method == 'GET' and ('$skipToken' in e.query or '$skiptoken' in e.query)}
    assert paged >= {'digitalTwinsInstances', 'roleAssignments', 'permissions'}, paged


def _kind_of_list(path):
    return path.rstrip('/').rsplit('/', 1)[-1]


def _key(exchange, specs):
    if exchange.kind == 'dt-operation-status':
        return 'AsyncOperationStatus', exchange.status
    op = specs.find(exchange.method, exchange.path)
    return (op.operation_id if op else f'{exchange.kind}:{exchange.method}'), exchange.status


def _deviation(reason):
    return pytest.mark.xfail(strict=True, reason=f'emulator deviation: {reason}')


# (operationId, status) pairs the tour must produce, each validated on its own. Deviations found are xfailed with the
# reason; strict, so fixing the emulator turns them into failures to be removed from here.  Operations that share a
# wire path with a more specific template (RoleAssignments_GetById/ListForScope, RoleDefinitions_GetById) are sent
# by the tour but validated under that template: the response schemas are the same.
EXPECTED = [
    ('DigitalTwins_Get', 200, None),
    ('DigitalTwins_Get', 404, None),
    ('DigitalTwins_CreateOrUpdate', 201, None),
    ('DigitalTwins_CreateOrUpdate', 200, None),
    ('DigitalTwins_CreateOrUpdate', 400, None),
    ('DigitalTwins_Update', 200, None),
    ('DigitalTwins_Delete', 202, None),
    ('DigitalTwins_Delete', 204, None),
    ('DigitalTwins_List', 200, None),
    ('DigitalTwins_ListByResourceGroup', 200, None),
    ('DigitalTwins_CheckNameAvailability', 200, None),
    ('AsyncOperationStatus', 200, None),
    ('RoleAssignments_Create', 201, None),
    ('RoleAssignments_Create', 409, None),
    ('RoleAssignments_Create', 400, None),
    ('RoleAssignments_Get', 200, None),
    ('RoleAssignments_Get', 404, None),
    ('RoleAssignments_ListForSubscription', 200, None),
    ('RoleAssignments_ListForResourceGroup', 200, None),
    ('RoleAssignments_ListForResource', 200, None),
    ('RoleAssignments_Delete', 200, None),
    ('RoleAssignments_Delete', 204, None),
    ('RoleDefinitions_Get', 200, None),
    ('RoleDefinitions_Get', 404, None),
    ('RoleDefinitions_List', 200, None),
    ('Permissions_ListForResourceGroup', 200, None),
    ('Permissions_ListForResourceGroup', 404, None),
    ('Permissions_ListForResource', 200, None),
    ('Permissions_ListForResource', 404, None),
]


@pytest.mark.parametrize('operation_id, status', [
    pytest.param(op, status, id=f'{op}-{status}', marks=[_deviation(reason)] if reason else []) for op, status, reason in EXPECTED])
def test_emulator_bodies_match_spec(specs, tour, operation_id, status):
    exchanges = [e for e in tour if _key(e, specs) == (operation_id, status)]
    seen = sorted({f'{k[0]} {k[1]}' for k in (_key(e, specs) for e in tour) if k[0] == operation_id})
    assert exchanges, f'the tour produced no {operation_id} answer with status {status} (got: {seen})'
    problems = []
    for exchange in exchanges:
        if operation_id == 'AsyncOperationStatus':
            errors = specs.validate(dict(ASYNC_STATUS_SCHEMA), exchange.body)
        else:
            op = specs.operation(operation_id)
            errors = specs.validate_response(op, status, exchange.body)
            if exchange.api_version != op.spec.document(op.base_uri)['info']['version']:
                errors.append(f'api-version {exchange.api_version} is not the spec version')
        problems.extend(f'{exchange.method} {exchange.path} -> {status}: {e}' for e in errors)
    assert not problems, '\n'.join(problems)


def test_every_answer_is_documented(specs, tour):
    """Each ARM answer of the tour is a documented status of a spec operation, or of the ARM async status/RG surfaces."""
    undocumented = []
    for exchange in tour:
        if exchange.kind in ('resource-group', 'rg-operation-result', 'dt-operation-status', 'aad'):
            continue
        op = specs.find(exchange.method, exchange.path)
        if op is None:
            undocumented.append(f'{exchange.method} {exchange.path}: no operation in the specs')
            continue
        if str(exchange.status) not in op.definition['responses'] and not exchange.status >= 400:
            undocumented.append(f'{exchange.method} {exchange.path}: {exchange.status} not in {op.operation_id} {op.statuses}')
    assert not undocumented, '\n'.join(undocumented)


def test_resource_group_errors_use_the_arm_error_shape(specs, tour):
    """Resource groups have no vendored spec (Microsoft.Resources is not in ../shared/specs): only their errors are
    checked, against ARM's common ErrorResponse (common-types v2)."""
    schema = specs.definition_schema(ARM_TYPES, 'ErrorResponse')
    errors = [e for e in tour if e.status >= 400 and e.method != 'HEAD' and e.kind in ('resource-group', 'digitaltwins')
              and re.search('missing-rg', e.path)]
    assert {e.kind for e in errors} == {'resource-group', 'digitaltwins'}
    for exchange in errors:
        assert specs.validate(schema, exchange.body) == [], exchange
