"""Authorization enforcement on ARM calls, from the caller's effective (inherited) role assignments."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError

from conftest import Azure, seed_principal

ALICE = '0e000000-0000-4000-8000-00000000a11c'


def expect_403(call, *args, **kwargs):
    with pytest.raises(HttpResponseError) as info:
        result = call(*args, **kwargs)
        if hasattr(result, 'result'):
            result.result()
        elif hasattr(result, '__iter__') and not isinstance(result, dict):
            list(result)
    error = info.value
    assert error.status_code == 403 and error.error.code == 'AuthorizationFailed'
    return error.error.message


def test_contributor_cannot_assign_roles(az, limited, fast):
    az.resources.resource_groups.create_or_update('rg-enf', {'location': 'westus2'})
    created = limited.twins.digital_twins.begin_create_or_update('rg-enf', 'dt-enf', {'location': 'westus2'}).result()
    assert created.provisioning_state == 'Succeeded'
    role = limited.role_id('Azure Digital Twins Data Owner')
    oid = seed_principal(fast, 'limited')['id']
    message = expect_403(limited.authorization.role_assignments.create, created.id, str(uuid.uuid4()),
                         {'role_definition_id': role, 'principal_id': ALICE})
    assert message == (f"The client '{oid}' with object id '{oid}' does not have authorization to perform action "
                       f"'Microsoft.Authorization/roleAssignments/write' over scope '{created.id}' or the scope is invalid. "
                       'If access was recently granted, please refresh your credentials.')
    expect_403(limited.authorization.role_definitions.create_or_update, limited.sub_scope, str(uuid.uuid4()),
               {'role_name': 'x', 'assignable_scopes': [limited.sub_scope], 'permissions': [{'actions': ['*/read']}]})
    # reading role assignments is fine for a Contributor
    assert list(limited.authorization.role_assignments.list_for_scope(created.id, filter='atScope()'))
    assert not [a for a in fast.state()['role_assignments'] if a['properties']['principalId'] == ALICE]


def test_user_access_administrator_assigns_but_cannot_write_resources(az, no_graph, fast):
    az.resources.resource_groups.create_or_update('rg-uaa', {'location': 'westus2'})
    expect_403(no_graph.resources.resource_groups.create_or_update, 'rg-uaa2', {'location': 'westus2'})
    expect_403(no_graph.twins.digital_twins.begin_create_or_update, 'rg-uaa', 'dt-uaa', {'location': 'westus2'})
    expect_403(no_graph.resources.resource_groups.begin_delete, 'rg-uaa')
    assert no_graph.resources.resource_groups.get('rg-uaa').name == 'rg-uaa'
    assignment = no_graph.authorization.role_assignments.create(f'{no_graph.sub_scope}/resourceGroups/rg-uaa', str(uuid.uuid4()),
                                                                {'role_definition_id': no_graph.role_id('Reader'), 'principal_id': ALICE})
    assert assignment.principal_type == 'User'
    assert fast.state()['resource_groups'][0]['name'] == 'rg-uaa' and len(fast.state()['resource_groups']) == 1


def test_scoped_grants_are_inherited_downwards_only(az, emu):
    sp = emu.add_principal(kind='servicePrincipal', display_name='scoped-deployer', secret='test-only-scoped-secret')
    az.resources.resource_groups.create_or_update('rg-mine', {'location': 'westus2'})
    az.resources.resource_groups.create_or_update('rg-theirs', {'location': 'westus2'})
    az.authorization.role_assignments.create(f'{az.sub_scope}/resourceGroups/rg-mine', str(uuid.uuid4()),
                                             {'role_definition_id': az.role_id('Contributor'), 'principal_id': sp['id']})
    scoped = Azure(emu, sp['app_id'], 'test-only-scoped-secret')
    emu.settings(provisioning_delay_seconds=0.2)
    assert scoped.twins.digital_twins.begin_create_or_update('rg-mine', 'dt-mine', {'location': 'westus2'}).result().name == 'dt-mine'
    message = expect_403(scoped.twins.digital_twins.begin_create_or_update, 'rg-theirs', 'dt-theirs', {'location': 'westus2'})
    assert 'Microsoft.DigitalTwins/digitalTwinsInstances/write' in message and '/resourceGroups/rg-theirs/' in message
    # listing resource groups shows only the readable one; a missing RG elsewhere is 403, not 404
    assert [g.name for g in scoped.resources.resource_groups.list()] == ['rg-mine']
    expect_403(scoped.resources.resource_groups.get, 'rg-nowhere')
    assert [i.name for i in scoped.twins.digital_twins.list()] == ['dt-mine']


def test_data_roles_grant_nothing_on_the_control_plane(az, emu):
    sp = emu.add_principal(kind='servicePrincipal', display_name='data-only', secret='test-only-data-secret')
    az.authorization.role_assignments.create(az.sub_scope, str(uuid.uuid4()),
                                             {'role_definition_id': az.role_id('Azure Digital Twins Data Owner'), 'principal_id': sp['id']})
    data_only = Azure(emu, sp['app_id'], 'test-only-data-secret')
    expect_403(data_only.resources.resource_groups.list)
    expect_403(data_only.twins.digital_twins.list)
    expect_403(data_only.twins.digital_twins.check_name_availability, 'westus2',
               {'name': 'dt-x', 'type': 'Microsoft.DigitalTwins/digitalTwinsInstances'})


def test_group_membership_grants_access(az, emu):
    sp = emu.add_principal(kind='servicePrincipal', display_name='member-sp', secret='test-only-member-secret')
    outsiders = emu.add_principal(kind='group', display_name='outsiders')
    readers = emu.add_principal(kind='group', display_name='readers', members=[sp['id']])
    az.authorization.role_assignments.create(az.sub_scope, str(uuid.uuid4()),
                                             {'role_definition_id': az.role_id('Contributor'), 'principal_id': outsiders['id']})
    member = Azure(emu, sp['app_id'], 'test-only-member-secret')
    expect_403(member.resources.resource_groups.list)
    az.authorization.role_assignments.create(az.sub_scope, str(uuid.uuid4()),
                                             {'role_definition_id': az.role_id('Reader'), 'principal_id': readers['id']})
    assert not list(member.resources.resource_groups.list())
    expect_403(member.resources.resource_groups.create_or_update, 'rg-member', {'location': 'westus2'})
