"""The provider registry, the generic resource lists (GET /subscriptions/{id}/resources) and ARM's own-URL audience."""

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from twinops_emulator import providers
from twinops_emulator.providers.base import Provider
from twinops_emulator.web import Route, Router

DT_TYPE = 'Microsoft.DigitalTwins/digitalTwinsInstances'


def test_registry_holds_one_provider_per_module_in_hook_order():
    names = [p.name for p in providers.REGISTRY]
    assert names == ['Microsoft.Resources', 'Microsoft.DigitalTwins', 'Microsoft.ManagedIdentity', 'Microsoft.Authorization']
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
    emu.bulk_instances(count=120, resource_group='rg-many', location='westus2', name_prefix='dt-many')
    emu.clear_requests()
    names = [i.name for i in az.twins.digital_twins.list()]
    assert len(names) == 120 and len(set(names)) == 120
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
