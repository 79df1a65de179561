"""Resource groups through azure-mgmt-resource 26 (api-version 2025-04-01)."""

import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError


def test_create_get_update_list_and_case_insensitive_names(az):
    groups = az.resources.resource_groups
    created = groups.create_or_update('Rg-Twins', {'location': 'West Europe', 'tags': {'env': 'test'}})
    assert created.name == 'Rg-Twins' and created.location == 'westeurope' and created.tags == {'env': 'test'}
    assert created.id == f'{az.sub_scope}/resourceGroups/Rg-Twins'
    assert created.properties.provisioning_state == 'Succeeded'
    assert groups.get('rg-twins').name == 'Rg-Twins'
    assert groups.check_existence('RG-TWINS') is True
    assert groups.check_existence('rg-absent') is False
    updated = groups.create_or_update('rg-twins', {'location': 'westeurope', 'tags': {'env': 'prod'}})
    assert updated.name == 'Rg-Twins' and updated.tags == {'env': 'prod'}
    patched = groups.update('rg-twins', {'tags': {'owner': 'ops'}})
    assert patched.tags == {'owner': 'ops'}
    groups.create_or_update('rg-other', {'location': 'eastus'})
    assert sorted(g.name for g in groups.list()) == ['Rg-Twins', 'rg-other']
    assert [g.name for g in groups.list(filter="tagName eq 'owner' and tagValue eq 'ops'")] == ['Rg-Twins']
    assert not list(groups.list(filter="tagName eq 'owner' and tagValue eq 'nobody'"))


def test_list_pages_through_next_link(az, emu):
    for index in range(5):
        az.resources.resource_groups.create_or_update(f'rg-page-{index}', {'location': 'westus2'})
    emu.settings(page_size=2)
    emu.clear_requests()
    assert sorted(g.name for g in az.resources.resource_groups.list()) == [f'rg-page-{i}' for i in range(5)]
    assert len([r for r in emu.requests() if r['path'].endswith('/resourcegroups')]) == 3
    assert len(list(az.resources.resource_groups.list(top=4))) == 5


def test_create_status_codes(az):
    response = []
    az.resources.resource_groups.create_or_update('rg-codes', {'location': 'westus2'}, cls=lambda pipeline, obj, headers: response.append(pipeline))
    az.resources.resource_groups.create_or_update('rg-codes', {'location': 'westus2'}, cls=lambda pipeline, obj, headers: response.append(pipeline))
    assert [r.http_response.status_code for r in response] == [201, 200]


def test_get_missing_and_location_errors(az):
    groups = az.resources.resource_groups
    with pytest.raises(ResourceNotFoundError) as info:
        groups.get('rg-missing')
    assert info.value.error.code == 'ResourceGroupNotFound'
    assert info.value.error.message == "Resource group 'rg-missing' could not be found."
    groups.create_or_update('rg-loc', {'location': 'westus2'})
    with pytest.raises(HttpResponseError) as info:
        groups.create_or_update('rg-loc', {'location': 'eastus'})
    assert info.value.status_code == 409 and info.value.error.code == 'InvalidResourceGroupLocation'
    with pytest.raises(HttpResponseError) as info:
        groups.create_or_update('rg-nowhere', {'location': 'atlantis'})
    assert info.value.status_code == 400 and info.value.error.code == 'LocationNotAvailableForResourceGroup'
    with pytest.raises(HttpResponseError) as info:
        groups.create_or_update('rg-bad-name.', {'location': 'westus2'})
    assert info.value.status_code == 400


def test_delete_is_async_and_removes_contents(az, fast):
    fast.settings(deletion_delay_seconds=1.5)
    groups = az.resources.resource_groups
    groups.create_or_update('rg-doomed', {'location': 'westus2'})
    instance = az.twins.digital_twins.begin_create_or_update('rg-doomed', 'dt-doomed', {'location': 'westus2'}).result()
    owner = az.role_id('Azure Digital Twins Data Owner')
    az.authorization.role_assignments.create(instance.id, '5e000000-0000-4000-8000-000000000001',
                                             {'role_definition_id': owner, 'principal_id': '0e000000-0000-4000-8000-00000000a11c'})
    az.authorization.role_assignments.create(f'{az.sub_scope}/resourceGroups/rg-doomed', '5e000000-0000-4000-8000-000000000002',
                                             {'role_definition_id': owner, 'principal_id': '0e000000-0000-4000-8000-00000000a11c'})
    fast.clear_requests()
    started = time.time()
    poller = groups.begin_delete('rg-doomed')
    assert groups.get('rg-doomed').properties.provisioning_state == 'Deleting'
    poller.result()
    assert 1.4 < time.time() - started < 10
    log = fast.requests()
    delete = [r for r in log if r['method'] == 'DELETE'][0]
    assert delete['status'] == 202
    polls = [r for r in log if '/operationresults/' in r['path']]
    assert polls and polls[-1]['status'] == 200
    assert groups.check_existence('rg-doomed') is False
    state = fast.state()
    assert not [i for i in state['instances'] if i['name'] == 'dt-doomed']
    assert not [a for a in state['role_assignments'] if 'rg-doomed' in a['id'].lower()]
    with pytest.raises(ResourceNotFoundError):
        groups.begin_delete('rg-doomed').result()


def test_resource_group_tag_limits(az, emu):
    groups = az.resources.resource_groups
    groups.create_or_update('rg-tag-limits', {'location': 'westus2'})
    for tags, code in (({f'k{i}': 'v' for i in range(51)}, 'InvalidTagNameOrValue'), ({'a/b': 'v'}, 'InvalidTagNameCharacters'),
                       ({'k' * 513: 'v'}, 'InvalidTagNameOrValue'), ({'k': 'v' * 257}, 'InvalidTagNameOrValue')):
        with pytest.raises(HttpResponseError) as info:
            groups.update('rg-tag-limits', {'tags': tags})
        assert (info.value.status_code, info.value.error.code) == (400, code)
    assert groups.get('rg-tag-limits').tags == {}
