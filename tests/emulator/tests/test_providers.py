"""The provider registry, the generic resource lists (GET /subscriptions/{id}/resources) and ARM's own-URL audience."""

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from twinops_emulator import providers
from twinops_emulator.app import create_app
from twinops_emulator.arm_errors import resource_not_found
from twinops_emulator.providers.base import Provider
from twinops_emulator.providers.resources import check_subscription
from twinops_emulator.state import State, load_seed
from twinops_emulator.tokens import TokenService
from twinops_emulator.web import Route, Router, respond

DT_TYPE = 'Microsoft.DigitalTwins/digitalTwinsInstances'


def test_registry_holds_one_provider_per_module_in_hook_order():
    names = [p.name for p in providers.REGISTRY]
    assert names == ['Microsoft.EntraID', 'Microsoft.Graph', 'Microsoft.Resources', 'Microsoft.DigitalTwins', 'Microsoft.ManagedIdentity',
                     'Microsoft.Authorization']
    assert all(isinstance(p, Provider) for p in providers.REGISTRY)
    rules = [r.rule for r in providers.routes()]
    assert len(rules) == len(set(rules)) and '/subscriptions/<sub>/resources' in rules


def test_router_is_case_insensitive_and_keeps_the_callers_case():
    def handler(_call, **_values):
        return None
    router = Router([Route('/subscriptions/<sub>/resourcegroups/<rg>', {'GET': handler}),
                     Route('/<path:scope>/providers/microsoft.authorization/roleassignments/<name>', {'PUT': handler})])
    route, values = router.match('/SUBSCRIPTIONS/Ab/ResourceGroups/My-RG/', 'GET')
    assert route.rule == '/subscriptions/<sub>/resourcegroups/<rg>' and values == {'sub': 'Ab', 'rg': 'My-RG'}
    _route, values = router.match('/subscriptions/S/resourceGroups/RG/providers/Microsoft.Authorization/roleAssignments/N', 'PUT')
    assert values == {'scope': 'subscriptions/S/resourceGroups/RG', 'name': 'N'}
    assert router.match('/subscriptions/S/unknown', 'GET') is None


def _rg_and_instances(az, emu):
    az.resources.resource_groups.create_or_update('rg-one', {'location': 'westus2'})
    emu.bulk_instances(count=3, resource_group='rg-one', location='westus2', name_prefix='dt-one')
    emu.bulk_instances(count=4, resource_group='rg-two', location='westeurope', name_prefix='dt-two')


def test_subscription_resources_with_filter_and_paging(az, emu):
    _rg_and_instances(az, emu)
    emu.settings(page_size=2)
    emu.clear_requests()
    everything = list(az.resources.resources.list())
    assert sorted(r.name for r in everything) == [f'dt-one-{i:05d}' for i in range(3)] + [f'dt-two-{i:05d}' for i in range(4)]
    assert {r.type for r in everything} == {DT_TYPE}
    pages = [r for r in emu.requests() if r['path'].endswith('/resources')]
    assert len(pages) == 4 and all(r['status'] == 200 for r in pages)   # 7 resources, 2 per page, followed by nextLink
    in_two = list(az.resources.resources.list(filter="resourceGroup eq 'RG-TWO'"))
    assert sorted(r.name for r in in_two) == [f'dt-two-{i:05d}' for i in range(4)]
    assert len(list(az.resources.resources.list(filter=f"resourceType eq '{DT_TYPE.lower()}' and resourceGroup eq 'rg-one'"))) == 3
    assert list(az.resources.resources.list(filter="resourceType eq 'Microsoft.Storage/storageAccounts'")) == []
    assert [r.name for r in az.resources.resources.list(filter="name eq 'dt-two-00001'")] == ['dt-two-00001']
    assert len(list(az.resources.resources.list(top=5))) == 7     # $top sets the page size; the pages still cover everything
    in_group = list(az.resources.resources.list_by_resource_group('rg-two', filter=f"resourceType eq '{DT_TYPE}'"))
    assert len(in_group) == 4 and in_group[0].location == 'westeurope'
    with pytest.raises(HttpResponseError) as info:
        list(az.resources.resources.list(filter="substringof('dt', name)"))
    assert info.value.status_code == 400 and info.value.error.code == 'InvalidFilterInQueryString'


def test_subscription_resources_show_only_what_the_caller_may_read(az, emu):
    from conftest import azure_for   # pylint: disable=import-outside-toplevel
    _rg_and_instances(az, emu)
    reader = emu.add_principal(kind='servicePrincipal', display_name='rg-reader', secret='test-only-reader-secret')
    role = az.role_id('Reader')
    az.authorization.role_assignments.create(f'{az.sub_scope}/resourceGroups/rg-one', '5e1ec700-0000-4000-8000-000000000001',
                                             {'role_definition_id': role, 'principal_id': reader['id'], 'principal_type': 'ServicePrincipal'})
    client = type(az)(emu, reader['app_id'], 'test-only-reader-secret')
    assert sorted(r.name for r in client.resources.resources.list()) == [f'dt-one-{i:05d}' for i in range(3)]
    nobody = azure_for(emu, 'no_graph')   # User Access Administrator + Reader at the subscription: reads everything
    assert len(list(nobody.resources.resources.list())) == 7


def test_many_instances_per_subscription_are_paged(az, emu):
    emu.bulk_instances(count=100, resource_group='rg-many', location='westus2', name_prefix='dt-many')
    emu.bulk_instances(count=20, resource_group='rg-tagged', location='westeurope', name_prefix='dt-tagged', tags={'env': 'prod'})
    emu.clear_requests()
    instances = list(az.twins.digital_twins.list())
    names = [i.name for i in instances]
    assert len(names) == 120 and len(set(names)) == 120
    assert sorted({(i.location, tuple(sorted((i.tags or {}).items()))) for i in instances}) == [('westeurope', (('env', 'prod'),)), ('westus2', ())]
    pages = [r for r in emu.requests() if r['path'].lower().endswith('/digitaltwinsinstances')]
    assert len(pages) == 3   # page_size 50


def test_arm_accepts_a_token_for_its_own_url(emu):
    credential = ClientSecretCredential(emu.env['AZURE_TENANT'], emu.env['AZURE_CLIENT_ID'], emu.env['AZURE_SECRET'], authority=emu.url,
                                        disable_instance_discovery=True, connection_verify=emu.ca_path)
    for scope in (emu.url + '/.default', emu.url + '//.default'):
        client = ResourceManagementClient(credential, emu.env['AZURE_SUBSCRIPTION_ID'], base_url=emu.url, credential_scopes=[scope],
                                          connection_verify=emu.ca_path)
        assert client.resource_groups.check_existence('no-such-group') is False
    token = credential.get_token('https://graph.microsoft.com/.default').token
    answer = requests.get(f"{emu.url}/subscriptions/{emu.env['AZURE_SUBSCRIPTION_ID']}/resourcegroups?api-version=2021-04-01",
                          headers={'Authorization': f'Bearer {token}'}, verify=emu.ca_path, timeout=30)
    assert answer.status_code == 401 and answer.json()['error']['code'] == 'InvalidAuthenticationTokenAudience'
    assert emu.url + '/' in answer.json()['error']['message']


# ---- a provider written as a test shows the whole interface: one class, registered, and every generic path uses it ----

WIDGET = 'Microsoft.Example/widgets'


def _widget_id(sub, rg, name):
    return f'/subscriptions/{sub}/resourceGroups/{rg}/providers/{WIDGET}/{name}'


def put_widget(call, sub, rg, name):
    check_subscription(call, sub)
    call.require('Microsoft.Example/widgets/write', _widget_id(sub, rg, name))
    group = call.state.resource_group(sub, rg)
    widget = {'id': _widget_id(sub, group['name'], name), 'name': name, 'type': WIDGET, 'location': group['location'], 'tags': {}}
    call.state.widgets[widget['id'].lower()] = widget
    return respond(201, widget)


def get_widget(call, sub, rg, name):
    check_subscription(call, sub)
    widget = call.state.widgets.get(_widget_id(sub, rg, name).lower())
    if widget is None:
        raise resource_not_found(WIDGET, name, rg)
    return respond(200, widget)


class Widgets(Provider):
    name = 'Microsoft.Example'
    routes = (Route('/subscriptions/<sub>/resourcegroups/<rg>/providers/microsoft.example/widgets/<name>', {'PUT': put_widget, 'GET': get_widget},
                    api=lambda call, values: None),)

    def reset(self, state):
        state.widgets = {}

    def registration(self, state, sub):
        return {'id': f'/subscriptions/{sub}/providers/{self.name}', 'namespace': self.name, 'registrationState': 'Registered'}

    def find(self, state, sub, rg, namespace, pairs):
        if f'{namespace}/{pairs[0]}'.lower() != WIDGET.lower():
            return None
        return _widget_id(sub, rg, pairs[1]).lower() in state.widgets and len(pairs) == 2

    def resources(self, state, sub, rg=None):
        return [dict(w) for w in state.widgets.values() if rg is None or w['id'].split('/')[4].lower() == rg.lower()]

    def scope_deleted(self, state, scope):
        for key in [k for k in state.widgets if k.startswith(scope.lower() + '/')]:
            del state.widgets[key]

    def dump(self, state, call):
        return {'widgets': sorted(state.widgets)}


def test_a_new_provider_plugs_into_routes_resources_scopes_and_admin(tmp_path):
    seed = load_seed()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    base = 'https://127.0.0.1:1'
    state = State(seed, base, str(tmp_path), provisioning_delay=0.0, providers=providers.REGISTRY + (Widgets(),))
    tokens = TokenService(key, base)
    client = create_app(state, tokens).test_client()
    sub = state.subscription_id
    token = tokens.issue(state.tenant_id, state.seed_keys['automation'], 'https://management.azure.com/.default')
    auth = {'Authorization': f'Bearer {token}'}
    api = {'api-version': '2021-04-01'}
    assert client.put(f'/subscriptions/{sub}/resourceGroups/Rg-W', json={'location': 'westus2'}, headers=auth, query_string=api).status_code == 201
    answer = client.put(f'/Subscriptions/{sub}/resourceGroups/rg-w/providers/Microsoft.Example/widgets/W1', headers=auth, query_string=api)
    assert answer.status_code == 201 and answer.get_json()['id'] == _widget_id(sub, 'Rg-W', 'W1')
    assert client.get(f'/subscriptions/{sub}/providers/Microsoft.Example', headers=auth, query_string=api).get_json()['registrationState'] == 'Registered'
    listed = client.get(f'/subscriptions/{sub}/resources', headers=auth, query_string=api).get_json()['value']
    assert [r['name'] for r in listed] == ['W1']
    assert [r['type'] for r in client.get(f'/subscriptions/{sub}/resourceGroups/rg-w/resources', headers=auth, query_string=api).get_json()['value']] \
        == [WIDGET]
    # role assignments and permissions see the widget as a resource, and a missing widget as missing
    assignments = '/providers/Microsoft.Authorization/roleAssignments/'
    body = {'properties': {'roleDefinitionId': f'/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7',
                           'principalId': state.seed_keys['alice']['id']}}
    ra_api = {'api-version': '2022-04-01'}
    missing = client.put(_widget_id(sub, 'rg-w', 'nope') + assignments + '0a000000-0000-4000-8000-000000000001', json=body, headers=auth,
                         query_string=ra_api)
    assert missing.status_code == 404 and missing.get_json()['error']['code'] == 'ResourceNotFound'
    assert client.put(_widget_id(sub, 'rg-w', 'W1') + assignments + '0a000000-0000-4000-8000-000000000002', json=body, headers=auth,
                      query_string=ra_api).status_code == 201
    permissions = client.get(_widget_id(sub, 'rg-w', 'W1') + '/providers/Microsoft.Authorization/permissions', headers=auth, query_string=ra_api)
    assert permissions.status_code == 200
    assert client.get('/_emulator/state').get_json()['widgets'] == [_widget_id(sub, 'Rg-W', 'W1').lower()]
    # deleting the group removes the widget and what was assigned on it
    assert client.delete(f'/subscriptions/{sub}/resourceGroups/rg-w', headers=auth, query_string=api).status_code == 202
    with state.lock:
        state.advance()
        assert state.widgets == {}
        assert not [a for a in state.rbac.assignments.values() if 'microsoft.example' in a['id'].lower()]
