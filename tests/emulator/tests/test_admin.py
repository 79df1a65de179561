"""Admin API: reset, request log, principals with replication delay, settings, faults."""

import time
import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.identity import ClientSecretCredential
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from twinops_emulator.client import AdminRequestError

ALICE = '0e000000-0000-4000-8000-00000000a11c'


def test_request_log_since_and_clear(az, emu):
    emu.clear_requests()
    az.resources.resource_groups.create_or_update('rg-log', {'location': 'westus2'})
    log = emu.requests()
    assert [r['method'] for r in log if r['path'].startswith('/subscriptions')] == ['PUT']
    entry = [r for r in log if r['method'] == 'PUT'][0]
    assert set(entry) == {'seq', 'time', 'method', 'path', 'query', 'status', 'duration_ms', 'caller_oid'}
    assert entry['status'] == 201 and entry['query'] == 'api-version=2025-04-01' and entry['caller_oid'] == emu.seed['service_principals'][0]['id']
    last = log[-1]['seq']
    az.resources.resource_groups.get('rg-log')
    newer = emu.requests(since=last)
    assert [r['method'] for r in newer] == ['GET'] and newer[0]['seq'] > last
    emu.state()
    assert not [r for r in emu.requests() if r['path'].startswith('/_emulator')]
    emu.clear_requests()
    assert emu.requests() == []


def test_reset_restores_the_seed(az, emu):
    az.resources.resource_groups.create_or_update('rg-reset', {'location': 'westus2'})
    emu.add_principal(kind='user', display_name='Temp User', user_principal_name='temp@contoso.com')
    emu.inject_fault(path_regex='never-matches', kind='status', status=500, count=5)
    emu.settings(page_size=7)
    emu.reset()
    state = emu.state()
    assert state['resource_groups'] == [] and state['instances'] == []
    assert len(state['role_assignments']) == 4
    assert 'temp@contoso.com' not in [p.get('user_principal_name') for p in state['principals']]
    assert state['settings']['page_size'] == 50
    assert emu.requests() == []
    assert emu.call('GET', '/faults') == []


def test_replication_delay_for_new_principals(az, emu):
    principal = emu.add_principal(kind='servicePrincipal', display_name='fresh-app', arm_visible_after_seconds=4)
    assert principal['app_id'] and 'secret' not in principal
    role = az.role_id('Reader')
    with pytest.raises(HttpResponseError) as info:
        az.authorization.role_assignments.create(az.sub_scope, str(uuid.uuid4()), {'role_definition_id': role, 'principal_id': principal['id']})
    assert info.value.error.code == 'PrincipalNotFound'
    # the documented workaround: principalType skips the directory lookup
    with_type = az.authorization.role_assignments.create(az.sub_scope, str(uuid.uuid4()),
                                                         {'role_definition_id': role, 'principal_id': principal['id'], 'principal_type': 'ServicePrincipal'})
    assert with_type.principal_type == 'ServicePrincipal'

    token = az.credential.get_token('https://graph.microsoft.com/.default').token
    response = requests.get(f"{az.url}/v1.0/servicePrincipals/{principal['id']}", headers={'Authorization': f'Bearer {token}'}, verify=az.ca, timeout=10)
    assert response.status_code == 200 and response.json()['displayName'] == 'fresh-app'  # Graph sees it at once
    time.sleep(max(0.0, principal['arm_visible_at'] - time.time() + 0.1))
    later = az.authorization.role_assignments.create(az.sub_scope, str(uuid.uuid4()),
                                                     {'role_definition_id': az.role_id('Contributor'), 'principal_id': principal['id']})
    assert later.principal_type == 'ServicePrincipal'


def test_status_fault_with_retry_after_is_retried_by_the_sdk(az, emu):
    az.resources.resource_groups.create_or_update('rg-fault', {'location': 'westus2'})
    emu.inject_fault(path_regex=r'/resourcegroups/rg-fault$', method='GET', kind='status', status=503, retry_after=1, count=1)
    emu.clear_requests()
    started = time.time()
    assert az.resources.resource_groups.get('rg-fault').name == 'rg-fault'
    assert time.time() - started >= 0.9
    assert [r['status'] for r in emu.requests() if r['path'].endswith('rg-fault')] == [503, 200]
    emu.inject_fault(path_regex=r'/resourcegroups/rg-fault$', method='GET', kind='status', status=429, retry_after=1, count=5)
    with pytest.raises(HttpResponseError) as info:
        az.resources.resource_groups.get('rg-fault')  # retry_total=2 in these clients
    assert info.value.status_code == 429 and info.value.error.code == 'TooManyRequests'
    emu.clear_faults()
    assert az.resources.resource_groups.get('rg-fault').name == 'rg-fault'


def test_fault_status_on_graph_uses_odata_shape(az, emu):
    emu.inject_fault(path_regex=r'^/v1\.0/users', kind='status', status=500, count=10)

    async def lookup(graph):
        return await graph.users.by_user_id('alice@contoso.com').get()

    with pytest.raises(ODataError) as info:
        az.graph(lookup)
    assert info.value.response_status_code == 500 and info.value.error.code == 'InternalServerError'


def test_drop_and_slow_faults(az, emu):
    az.resources.resource_groups.create_or_update('rg-drop', {'location': 'westus2'})
    emu.inject_fault(path_regex=r'/resourcegroups/rg-drop$', method='GET', kind='drop', count=1)
    emu.clear_requests()
    assert az.resources.resource_groups.get('rg-drop').name == 'rg-drop'  # the SDK retries the dropped connection
    statuses = [r['status'] for r in emu.requests() if r['path'].endswith('rg-drop')]
    assert statuses == [0, 200]
    emu.inject_fault(path_regex=r'/resourcegroups/rg-drop$', method='GET', kind='drop', count=10)
    with pytest.raises((ServiceRequestError, ServiceResponseError)):
        az.resources.resource_groups.get('rg-drop')
    emu.clear_faults()
    emu.inject_fault(path_regex=r'/resourcegroups/rg-drop$', method='GET', kind='slow', delay_seconds=1.0, count=1)
    started = time.time()
    assert az.resources.resource_groups.get('rg-drop').name == 'rg-drop'
    assert time.time() - started >= 1.0


def test_settings_and_admin_input_errors(emu):
    assert emu.settings(page_size=5)['page_size'] == 5
    for path, body in (('/settings', {'no_such_setting': 1}), ('/faults', {'kind': 'explode', 'path_regex': 'x'}),
                       ('/faults', {'kind': 'status', 'path_regex': '('}), ('/faults', {'kind': 'status', 'path_regex': 'x', 'status': 200}),
                       ('/principals', {'kind': 'robot', 'display_name': 'x'}), ('/behaviours', {'instance_name': 'x', 'provisioning_result': 'Maybe'}),
                       ('/federated-token', {'client_id': 'unknown'}), ('/bulk/instances', {'count': 1, 'resource_group': 'x', 'location': 'mars'})):
        with pytest.raises(AdminRequestError) as info:
            emu.call('POST', path, body)
        assert info.value.status == 400, path
    assert emu.call('POST', '/settings', None)['page_size'] == 5  # an empty body reads the settings


def test_state_never_contains_secrets(az, emu):
    emu.add_principal(kind='servicePrincipal', display_name='secretive', secret='test-only-do-not-leak')
    az.resources.resource_groups.create_or_update('rg-state', {'location': 'westus2'})
    dump = str(emu.state())
    assert 'test-only-do-not-leak' not in dump and emu.env['AZURE_SECRET'] not in dump
    assert "'name': 'rg-state'" in dump


def test_fault_on_the_token_endpoint_is_retried(emu):
    emu.inject_fault(path_regex=r'/oauth2/v2\.0/token$', kind='status', status=503, retry_after=1, count=1)
    emu.clear_requests()
    credential = ClientSecretCredential(emu.env['AZURE_TENANT'], emu.env['AZURE_CLIENT_ID'], emu.env['AZURE_SECRET'], authority=emu.url,
                                        disable_instance_discovery=True, connection_verify=emu.ca_path)
    assert credential.get_token('https://management.azure.com/.default').token
    assert [r['status'] for r in emu.requests() if r['path'].endswith('/token')] == [503, 200]


def test_apply_then_drop_fault_changes_state_and_loses_the_answer(az, emu):
    """The handler runs (the group is created), then the connection closes without an answer."""
    emu.inject_fault(path_regex=r'/resourcegroups/rg-applied$', method='PUT', kind='apply_then_drop', count=1)
    emu.clear_requests()
    token = az.credential.get_token('https://management.azure.com/.default').token
    url = f'{emu.url}/subscriptions/{az.subscription}/resourcegroups/rg-applied?api-version=2021-04-01'
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.put(url, json={'location': 'westus2', 'tags': {'run': 'one'}}, headers={'Authorization': f'Bearer {token}'},
                     verify=emu.ca_path, timeout=30)
    assert [r['status'] for r in emu.requests() if r['path'].endswith('rg-applied')] == [0]
    assert [g['tags'] for g in emu.state()['resource_groups'] if g['name'] == 'rg-applied'] == [{'run': 'one'}]
    assert az.resources.resource_groups.get('rg-applied').tags == {'run': 'one'}   # the fault is spent
    # a failing handler is dropped too: the client never sees the 404
    emu.inject_fault(path_regex=r'/resourcegroups/rg-missing$', method='GET', kind='apply_then_drop', count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url.replace('rg-applied', 'rg-missing'), headers={'Authorization': f'Bearer {token}'}, verify=emu.ca_path, timeout=30)
    assert emu.call('GET', '/faults')[-1]['remaining'] == 0
