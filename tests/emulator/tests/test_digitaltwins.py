"""Microsoft.DigitalTwins 2023-01-31 through azure-mgmt-digitaltwins 7 (real ARMPolling)."""

import time
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest

from conftest import azure_for


def make_rg(az, name='rg-dt', location='westus2'):
    az.resources.resource_groups.create_or_update(name, {'location': location})
    return name


def test_create_is_a_real_lro_finishing_in_the_delay(az, emu):
    make_rg(az)
    emu.clear_requests()
    started = time.time()
    poller = az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-Alpha', {'location': 'West US 2'})
    assert isinstance(poller, LROPoller)
    result = poller.result()
    elapsed = time.time() - started
    assert 0.9 < elapsed < 10, elapsed  # about the 1 s delay (30 s would mean a missing Retry-After)
    assert result.provisioning_state == 'Succeeded'
    assert result.name == 'dt-Alpha' and result.location == 'westus2'
    assert result.host_name == 'dt-Alpha.api.wus2.digitaltwins.azure.net'
    assert result.tags is None and result.public_network_access == 'Enabled'
    assert result.identity is None
    assert result.system_data.created_by == emu.env['AZURE_CLIENT_ID'] and result.system_data.created_by_type == 'Application'
    assert result.created_time is not None and result.last_updated_time >= result.created_time
    log = emu.requests()
    put = [r for r in log if r['method'] == 'PUT' and 'digitalTwinsInstances' in r['path']]
    polls = [r for r in log if '/operationsStatuses/' in r['path']]
    assert put[0]['status'] == 201 and polls and all(r['status'] == 200 for r in polls)
    assert '/providers/Microsoft.DigitalTwins/locations/westus2/operationsStatuses/' in polls[0]['path']
    assert put[0]['caller_oid'] == emu.seed['service_principals'][0]['id']


def test_create_response_headers_and_status_body(az):
    make_rg(az)
    raw = []
    az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-headers', {'location': 'westus2'}, polling=False,
                                                  cls=lambda pipeline, obj, headers: raw.append(pipeline.http_response)).result()
    response = raw[0]
    assert response.status_code == 201
    headers = response.headers
    assert headers['Retry-After'] == '1'
    assert '/operationsStatuses/' in headers['Azure-AsyncOperation'] and 'api-version=2023-01-31' in headers['Azure-AsyncOperation']
    assert '/operationResults/' in headers['Location']
    assert headers['Content-Type'] == 'application/json; charset=utf-8'
    assert headers['x-ms-request-id'] and headers['x-ms-correlation-request-id']
    body = response.json()
    assert body['properties']['provisioningState'] == 'Provisioning' and body['properties']['hostName'] is None
    assert body['tags'] is None
    status = HttpRequest('GET', headers['Azure-AsyncOperation'])
    status_response = az.twins._send_request(status)  # pylint: disable=protected-access
    running = status_response.json()
    assert running['status'] == 'Running' and set(running) == {'id', 'name', 'status', 'startTime'}
    assert status_response.headers['Retry-After'] == '1'
    time.sleep(1.1)
    done = az.twins._send_request(HttpRequest('GET', headers['Azure-AsyncOperation'])).json()  # pylint: disable=protected-access
    assert done['status'] == 'Succeeded' and 'endTime' in done and done['name'] == running['name']


def test_identity_creates_directory_principals(az, fast):
    make_rg(az)
    uami = f'{az.sub_scope}/resourceGroups/rg-dt/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-1'
    result = az.twins.digital_twins.begin_create_or_update(
        'rg-dt', 'dt-identity', {'location': 'westeurope', 'identity': {'type': 'SystemAssigned,UserAssigned', 'user_assigned_identities': {uami: {}}}}
    ).result()
    assert result.host_name == 'dt-identity.api.weu.digitaltwins.azure.net'
    principal_id = result.identity.principal_id
    assert principal_id and result.identity.tenant_id == fast.env['AZURE_TENANT']
    user_assigned = result.identity.user_assigned_identities[uami]
    assert user_assigned.client_id and user_assigned.principal_id
    principals = {p['id']: p for p in fast.state()['principals']}
    assert principals[principal_id]['service_principal_type'] == 'ManagedIdentity'
    assert principals[user_assigned.principal_id]['app_id'] == user_assigned.client_id
    # the system-assigned identity can receive a role assignment right away (principalType filled from the directory)
    assignment = az.authorization.role_assignments.create(result.id, str(uuid.uuid4()),
                                                          {'role_definition_id': az.role_id('Azure Digital Twins Data Reader'),
                                                           'principal_id': principal_id})
    assert assignment.principal_type == 'ServicePrincipal'
    # removing the identity removes the principal
    identity = {'identity': {'type': 'UserAssigned', 'user_assigned_identities': {uami: {}}}}
    patched = az.twins.digital_twins.begin_update('rg-dt', 'dt-identity', identity).result()
    assert patched.identity.type == 'UserAssigned' and patched.identity.principal_id is None
    assert principal_id not in {p['id'] for p in fast.state()['principals']}


@pytest.mark.usefixtures('fast')
def test_update_via_patch_and_put(az):
    make_rg(az)
    az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-update', {'location': 'eastus', 'tags': {'a': '1'}}).result()
    patched = az.twins.digital_twins.begin_update('rg-dt', 'dt-update', {'tags': {'b': '2'}, 'properties': {'public_network_access': 'Disabled'}}).result()
    assert patched.tags == {'b': '2'} and patched.public_network_access == 'Disabled' and patched.provisioning_state == 'Succeeded'
    assert patched.host_name == 'dt-update.api.eus.digitaltwins.azure.net'
    again = az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-update', {'location': 'eastus'}).result()
    assert again.tags is None and again.public_network_access == 'Enabled'
    with pytest.raises(HttpResponseError) as info:
        az.twins.digital_twins.begin_update('rg-dt', 'dt-update', {'properties': {'public_network_access': 'Sometimes'}}).result()
    assert info.value.status_code == 400
    with pytest.raises(HttpResponseError) as info:  # a bad identity rejects the whole PATCH: the tags stay as they were
        az.twins.digital_twins.begin_update('rg-dt', 'dt-update', {'tags': {'c': '3'}, 'identity': {'type': 'Sideways'}}).result()
    assert info.value.status_code == 400 and info.value.error.code == 'InvalidIdentityType'
    assert az.twins.digital_twins.get('rg-dt', 'dt-update').tags is None


def test_put_errors(az, fast):
    make_rg(az)
    twins = az.twins.digital_twins
    twins.begin_create_or_update('rg-dt', 'dt-taken', {'location': 'westus2'}).result()
    with pytest.raises(HttpResponseError) as info:
        twins.begin_create_or_update('rg-dt', 'dt-taken', {'location': 'eastus'})
    assert info.value.status_code == 400 and info.value.error.code == 'InvalidResourceLocation'
    assert info.value.error.message == ("The resource 'dt-taken' already exists in location 'westus2' in resource group 'rg-dt'. A resource with the same "
                                        "name cannot be created in location 'eastus'. Please select a new resource name.")
    make_rg(az, 'rg-elsewhere')
    with pytest.raises(ResourceExistsError) as info:
        twins.begin_create_or_update('rg-elsewhere', 'DT-TAKEN', {'location': 'westus2'})
    assert info.value.status_code == 409 and info.value.error.code == 'NameUnavailable'
    with pytest.raises(HttpResponseError) as info:
        twins.begin_create_or_update('rg-dt', 'dt-far', {'location': 'brazilsouth'})
    assert info.value.error.code == 'LocationNotAvailableForResourceType'
    assert 'westus2' in info.value.error.message and "'brazilsouth'" in info.value.error.message
    with pytest.raises(ResourceNotFoundError) as info:
        twins.begin_create_or_update('rg-missing', 'dt-orphan', {'location': 'westus2'})
    assert info.value.error.code == 'ResourceGroupNotFound'
    for bad in ('ab', '-leading', 'trailing-', 'under_score', 'x' * 64):
        with pytest.raises(HttpResponseError) as info:
            twins.begin_create_or_update('rg-dt', bad, {'location': 'westus2'})
        assert info.value.status_code == 400, bad
    assert [i['name'] for i in fast.state()['instances']] == ['dt-taken']


def test_get_missing_and_delete(az, fast):
    make_rg(az)
    twins = az.twins.digital_twins
    with pytest.raises(ResourceNotFoundError) as info:
        twins.get('rg-dt', 'dt-none')
    assert info.value.error.code == 'ResourceNotFound'
    assert info.value.error.message.startswith("The Resource 'Microsoft.DigitalTwins/digitalTwinsInstances/dt-none' under resource group 'rg-dt'")
    with pytest.raises(ResourceNotFoundError) as info:
        twins.get('rg-nope', 'dt-none')
    assert info.value.error.code == 'ResourceGroupNotFound'
    fast.set_behaviour(instance_name='dt-delete', provisioning_delay_seconds=3)
    fast.settings(deletion_delay_seconds=2)
    poller = twins.begin_create_or_update('rg-dt', 'dt-delete', {'location': 'westus2'})
    assert twins.get('rg-dt', 'dt-delete').provisioning_state == 'Provisioning'
    with pytest.raises(ResourceExistsError) as info:
        twins.begin_delete('rg-dt', 'dt-delete').result()
    assert info.value.status_code == 409
    poller.result()
    fast.clear_requests()
    delete = twins.begin_delete('rg-dt', 'dt-delete')
    assert twins.get('rg-dt', 'dt-delete').provisioning_state == 'Deleting'
    delete.result()
    with pytest.raises(ResourceNotFoundError):
        twins.get('rg-dt', 'dt-delete')
    statuses = [r['status'] for r in fast.requests() if r['method'] == 'DELETE']
    assert statuses == [202]
    fast.clear_requests()
    assert twins.begin_delete('rg-dt', 'dt-delete').result() is None
    assert [r['status'] for r in fast.requests()] == [204]


def test_lists_page_with_next_link(az, emu):
    make_rg(az)
    emu.bulk_instances(count=7, resource_group='rg-dt', location='westus2', name_prefix='paged')
    emu.bulk_instances(count=3, resource_group='rg-dt2', location='eastus', name_prefix='other')
    emu.settings(page_size=3)
    emu.clear_requests()
    names = [i.name for i in az.twins.digital_twins.list_by_resource_group('rg-dt')]
    assert names == [f'paged-{n:05d}' for n in range(7)]
    pages = [r for r in emu.requests() if r['path'].endswith('/digitalTwinsInstances')]
    assert len(pages) == 3
    assert len(list(az.twins.digital_twins.list())) == 10
    with pytest.raises(ResourceNotFoundError):
        list(az.twins.digital_twins.list_by_resource_group('rg-missing'))


def test_check_name_availability(az, fast):
    make_rg(az)
    az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-name', {'location': 'westus2'}).result()
    check = az.twins.digital_twins.check_name_availability
    taken = check('WestUS2', {'name': 'DT-NAME', 'type': 'Microsoft.DigitalTwins/digitalTwinsInstances'})
    assert (taken.name_available, taken.reason) == (False, 'AlreadyExists')
    assert taken.message == "Name 'DT-NAME' is already taken. Please specify a different name"
    free = check('westus2', {'name': 'dt-free', 'type': 'Microsoft.DigitalTwins/digitalTwinsInstances'})
    assert free.name_available is True and free.reason is None
    invalid = check('westus2', {'name': '-x', 'type': 'Microsoft.DigitalTwins/digitalTwinsInstances'})
    assert (invalid.name_available, invalid.reason) == (False, 'Invalid')
    # reading is enough: the Reader-only view of the no-graph principal may check names
    reader = azure_for(fast, 'no_graph')
    body = {'name': 'dt-name', 'type': 'Microsoft.DigitalTwins/digitalTwinsInstances'}
    assert reader.twins.digital_twins.check_name_availability('westus2', body).name_available is False


@pytest.mark.parametrize('outcome', ['Failed', 'Canceled'])
def test_behaviour_makes_provisioning_fail(az, emu, outcome):
    make_rg(az)
    emu.set_behaviour(instance_name='dt-broken', provisioning_result=outcome, provisioning_delay_seconds=0.2)
    with pytest.raises(HttpResponseError) as info:
        az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-broken', {'location': 'westus2'}).result()
    assert info.value.error.code == {'Failed': 'ProvisioningFailed', 'Canceled': 'OperationCanceled'}[outcome]
    instance = az.twins.digital_twins.get('rg-dt', 'dt-broken')
    assert instance.provisioning_state == outcome and instance.host_name is None
    # the behaviour applied once: the next PUT repairs the instance
    assert az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-broken', {'location': 'westus2'}).result().provisioning_state == 'Succeeded'


def test_slow_behaviour_and_continuation(az, emu):
    make_rg(az)
    emu.set_behaviour(instance_name='dt-slow', provisioning_delay_seconds=3)
    poller = az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-slow', {'location': 'westus2'}, polling_interval=1)
    token = poller.continuation_token()
    assert poller.done() is False
    resumed = az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-slow', None, continuation_token=token)
    assert resumed.result().provisioning_state == 'Succeeded'


def _tag_error(call):
    with pytest.raises(HttpResponseError) as info:
        call()
    return info.value.status_code, info.value.error.code


def test_instance_tag_limits(az, fast):
    make_rg(az)
    fifty = {f'k{i:02d}': 'v' for i in range(50)}
    created = az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-tags', {'location': 'westus2', 'tags': fifty}).result()
    assert created.tags == fifty
    too_many = dict(fifty, k50='v')
    assert _tag_error(lambda: az.twins.digital_twins.begin_create_or_update('rg-dt', 'dt-tags2', {'location': 'westus2', 'tags': too_many})) \
        == (400, 'InvalidTagNameOrValue')
    assert _tag_error(lambda: az.twins.digital_twins.begin_update('rg-dt', 'dt-tags', {'tags': too_many})) == (400, 'InvalidTagNameOrValue')
    for bad in ({'a/b': 'x'}, {'a<b': 'x'}, {'100%': 'x'}, {'a&b': 'x'}, {'a\\b': 'x'}, {'a?b': 'x'}, {'a>b': 'x'}):
        assert _tag_error(lambda bad=bad: az.twins.digital_twins.begin_update('rg-dt', 'dt-tags', {'tags': bad})) == (400, 'InvalidTagNameCharacters')
    assert _tag_error(lambda: az.twins.digital_twins.begin_update('rg-dt', 'dt-tags', {'tags': {'k' * 513: 'v'}})) == (400, 'InvalidTagNameOrValue')
    assert _tag_error(lambda: az.twins.digital_twins.begin_update('rg-dt', 'dt-tags', {'tags': {'k': 'v' * 257}})) == (400, 'InvalidTagNameOrValue')
    assert az.twins.digital_twins.get('rg-dt', 'dt-tags').tags == fifty        # nothing was changed by the refused requests
    assert az.twins.digital_twins.list_by_resource_group('rg-dt').next().name == 'dt-tags'
    assert 'dt-tags2' not in [i['name'] for i in fast.state()['instances']]
    edge = {'k' * 512: 'v' * 256}
    assert az.twins.digital_twins.begin_update('rg-dt', 'dt-tags', {'tags': edge}).result().tags == edge
