"""Microsoft.Authorization 2022-04-01 through azure-mgmt-authorization 4: role definitions and role assignments."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

ALICE = '0e000000-0000-4000-8000-00000000a11c'
CAROL = '0e000000-0000-4000-8000-00000000ca01'
GROUP = '06000000-0000-4000-8000-0000000000d7'
DATA_OWNER = 'bcd981a7-7f74-457b-83e1-cceb9e632ffe'
BUILT_INS = {'Owner': '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Contributor': 'b24988ac-6180-42a0-ab88-20f7382dd24c',
             'Reader': 'acdd72a7-3385-48ef-bd42-f606fba81ae7', 'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
             'Azure Digital Twins Data Owner': DATA_OWNER, 'Azure Digital Twins Data Reader': 'd57506d4-4c8d-48b1-8587-93c323f6a5a3'}


def instance(az, rg='rg-auth', name='dt-auth'):
    az.resources.resource_groups.create_or_update(rg, {'location': 'westus2'})
    return az.twins.digital_twins.begin_create_or_update(rg, name, {'location': 'westus2'}).result()


def test_built_in_role_definitions(az, emu):
    emu.clear_requests()
    for name, guid in BUILT_INS.items():
        found = list(az.authorization.role_definitions.list(az.sub_scope, filter=f"roleName eq '{name}'"))
        assert len(found) == 1
        assert found[0].id == f'{az.sub_scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}'
        assert found[0].role_name == name and found[0].role_type == 'BuiltInRole' and found[0].assignable_scopes == ['/']
    log = [r for r in emu.requests() if 'roleDefinitions' in r['path']]
    assert "$filter=roleName%20eq%20%27Azure%20Digital%20Twins%20Data%20Owner%27" in ''.join(r['query'] for r in log)
    owner = az.authorization.role_definitions.get(az.sub_scope, DATA_OWNER)
    assert owner.description == 'Full access role for Digital Twins data-plane'
    assert owner.permissions[0].actions == [] and 'Microsoft.DigitalTwins/query/*' in owner.permissions[0].data_actions
    contributor = az.authorization.role_definitions.get_by_id(f'/providers/Microsoft.Authorization/roleDefinitions/{BUILT_INS["Contributor"]}')
    assert contributor.id == f'/providers/Microsoft.Authorization/roleDefinitions/{BUILT_INS["Contributor"]}'
    assert 'Microsoft.Authorization/*/Write' in contributor.permissions[0].not_actions
    built_in = list(az.authorization.role_definitions.list(az.sub_scope, filter="type eq 'BuiltInRole'"))
    assert len(built_in) == 6
    assert not list(az.authorization.role_definitions.list(az.sub_scope, filter="roleName eq 'No Such Role'"))
    with pytest.raises(ResourceNotFoundError) as info:
        az.authorization.role_definitions.get(az.sub_scope, str(uuid.uuid4()))
    assert info.value.error.code == 'RoleDefinitionDoesNotExist'


def test_custom_role_definitions(az, emu):
    guid = str(uuid.uuid4())
    body = {'role_name': 'Twin Watcher', 'description': 'Reads twins', 'role_type': 'CustomRole', 'assignable_scopes': [az.sub_scope],
            'permissions': [{'actions': ['Microsoft.DigitalTwins/digitalTwinsInstances/read'], 'not_actions': [], 'data_actions': [],
                             'not_data_actions': []}]}
    created = az.authorization.role_definitions.create_or_update(az.sub_scope, guid, body)
    assert created.role_type == 'CustomRole' and created.id == f'{az.sub_scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}'
    assert [d.name for d in az.authorization.role_definitions.list(az.sub_scope, filter="type eq 'CustomRole'")] == [guid]
    assert az.authorization.role_definitions.get(az.sub_scope, guid).role_name == 'Twin Watcher'
    with pytest.raises(ResourceExistsError) as info:
        az.authorization.role_definitions.create_or_update(az.sub_scope, str(uuid.uuid4()), body)
    assert info.value.error.code == 'RoleDefinitionWithSameNameExists'
    assert az.authorization.role_definitions.delete(az.sub_scope, guid).name == guid
    assert az.authorization.role_definitions.delete(az.sub_scope, guid) is None
    assert emu.state()['custom_role_definitions'] == []


def test_assignment_lifecycle_at_resource_scope(az, fast):
    target = instance(az)
    assignments = az.authorization.role_assignments
    role = az.role_id('Azure Digital Twins Data Owner')
    name = str(uuid.uuid4())
    raw = []
    created = assignments.create(target.id, name, {'role_definition_id': role, 'principal_id': ALICE},
                                 cls=lambda pipeline, obj, headers: raw.append(pipeline.http_response.status_code) or obj)
    assert raw == [201]
    assert created.principal_type == 'User' and created.scope == target.id
    assert created.id == f'{target.id}/providers/Microsoft.Authorization/roleAssignments/{name}'
    assert created.role_definition_id == role and created.created_by == fast.seed['service_principals'][0]['id']
    # idempotent re-PUT
    assert assignments.create(target.id, name, {'role_definition_id': role, 'principal_id': ALICE, 'principal_type': 'User'}).name == name
    # same tuple under another name
    with pytest.raises(ResourceExistsError) as info:
        assignments.create(target.id, str(uuid.uuid4()), {'role_definition_id': role, 'principal_id': ALICE})
    assert info.value.status_code == 409 and info.value.error.code == 'RoleAssignmentExists'
    assert info.value.error.message == 'The role assignment already exists.'
    # same name, other principal
    with pytest.raises(HttpResponseError) as info:
        assignments.create(target.id, name, {'role_definition_id': role, 'principal_id': CAROL})
    assert info.value.status_code == 400 and info.value.error.code == 'RoleAssignmentUpdateNotPermitted'
    # scopes compare case-insensitively, by scope+name and by id
    assert assignments.get(target.id.upper().replace('/SUBSCRIPTIONS', '/subscriptions'), name).principal_id == ALICE
    assert assignments.get_by_id(created.id).name == name
    deleted = assignments.delete(target.id, name)
    assert deleted.name == name and deleted.principal_id == ALICE
    assert assignments.delete(target.id, name) is None
    with pytest.raises(ResourceNotFoundError) as info:
        assignments.get(target.id, name)
    assert info.value.error.code == 'RoleAssignmentNotFound'
    by_id = assignments.create_by_id(created.id, {'role_definition_id': role, 'principal_id': ALICE})
    assert by_id.id == created.id
    assert assignments.delete_by_id(created.id).name == name


def test_assignment_validation_errors(az, fast):
    target = instance(az)
    assignments = az.authorization.role_assignments
    role = az.role_id('Azure Digital Twins Data Owner')
    missing = '0e000000-0000-4000-8000-0000000000ff'
    with pytest.raises(HttpResponseError) as info:
        assignments.create(target.id, str(uuid.uuid4()), {'role_definition_id': role, 'principal_id': missing})
    assert info.value.status_code == 400 and info.value.error.code == 'PrincipalNotFound'
    assert info.value.error.message == (
        f"Principal {missing.replace('-', '')} does not exist in the directory {fast.env['AZURE_TENANT']}. Check that you have the correct principal ID. "
        'If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, '
        'set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype')
    with pytest.raises(HttpResponseError) as info:
        assignments.create(target.id, 'not-a-guid', {'role_definition_id': role, 'principal_id': ALICE})
    assert info.value.error.code == 'InvalidRoleAssignmentId'
    with pytest.raises(HttpResponseError) as info:
        assignments.create(target.id, str(uuid.uuid4()),
                           {'role_definition_id': f'{az.sub_scope}/providers/Microsoft.Authorization/roleDefinitions/{uuid.uuid4()}',
                            'principal_id': ALICE})
    assert info.value.error.code == 'RoleDefinitionDoesNotExist'
    with pytest.raises(HttpResponseError) as info:
        assignments.create(target.id, str(uuid.uuid4()), {'role_definition_id': role, 'principal_id': ALICE, 'principal_type': 'ServicePrincipal'})
    assert info.value.error.code == 'UnmatchedPrincipalType'
    with pytest.raises(ResourceNotFoundError) as info:
        assignments.create(f'{az.sub_scope}/resourceGroups/rg-none', str(uuid.uuid4()), {'role_definition_id': role, 'principal_id': ALICE})
    assert info.value.error.code == 'ResourceGroupNotFound'
    assert [a for a in fast.state()['role_assignments'] if a['properties']['principalId'] in (ALICE, missing)] == []


def test_list_filters_and_inheritance(az, fast):
    target = instance(az)
    rg_scope = f'{az.sub_scope}/resourceGroups/rg-auth'
    assignments = az.authorization.role_assignments
    reader = az.role_id('Reader')
    owner = az.role_id('Azure Digital Twins Data Owner')
    at_sub = assignments.create(az.sub_scope, str(uuid.uuid4()), {'role_definition_id': reader, 'principal_id': ALICE})
    at_rg = assignments.create(rg_scope, str(uuid.uuid4()), {'role_definition_id': owner, 'principal_id': GROUP})
    at_res = assignments.create(target.id, str(uuid.uuid4()), {'role_definition_id': owner, 'principal_id': ALICE})
    seeded = {a['name'] for a in fast.state()['role_assignments']} - {at_sub.name, at_rg.name, at_res.name}
    assert len(seeded) == 4
    fast.clear_requests()
    # atScope(): at or above
    names = {a.name for a in assignments.list_for_scope(target.id, filter='atScope()')}
    assert names == seeded | {at_sub.name, at_rg.name, at_res.name}
    assert {a.name for a in assignments.list_for_scope(rg_scope, filter='atScope()')} == seeded | {at_sub.name, at_rg.name}
    # principalId: at, above or below
    assert {a.name for a in assignments.list_for_scope(rg_scope, filter=f"principalId eq '{ALICE}'")} == {at_sub.name, at_res.name}
    assert {a.name for a in assignments.list_for_scope(target.id, filter=f"atScope() and principalId eq '{ALICE}'")} == {at_sub.name, at_res.name}
    # assignedTo: includes group memberships (carol is in dt-operators)
    assert {a.name for a in assignments.list_for_scope(target.id, filter=f"assignedTo('{CAROL}')")} == {at_rg.name}
    # wire encoding of that filter: only spaces are encoded
    queries = [r['query'] for r in fast.requests()]
    assert any(q.startswith(f"$filter=principalId%20eq%20'{ALICE}'") for q in queries)
    assert any(q.startswith('$filter=atScope()') for q in queries)
    # subscription / resource group / resource list variants
    assert {a.name for a in assignments.list_for_subscription()} >= {at_sub.name, at_rg.name, at_res.name}
    assert {a.name for a in assignments.list_for_resource_group('rg-auth')} >= {at_rg.name, at_res.name}
    assert at_res.name in {a.name for a in assignments.list_for_resource('rg-auth', 'Microsoft.DigitalTwins', 'digitalTwinsInstances', 'dt-auth')}
    with pytest.raises(HttpResponseError) as info:
        list(assignments.list_for_scope(rg_scope, filter="roleDefinitionId eq 'x'"))
    assert info.value.status_code == 400


def test_principal_type_is_filled_from_directory(az, fast):
    target = instance(az)
    group = az.authorization.role_assignments.create(target.id, str(uuid.uuid4()),
                                                     {'role_definition_id': az.role_id('Reader'), 'principal_id': GROUP})
    pipeline_sp = fast.seed['service_principals'][3]['id']
    sp = az.authorization.role_assignments.create(target.id, str(uuid.uuid4()),
                                                  {'role_definition_id': az.role_id('Reader'), 'principal_id': pipeline_sp})
    assert (group.principal_type, sp.principal_type) == ('Group', 'ServicePrincipal')


def test_assignment_lists_page_through_next_link(az, emu):
    emu.settings(role_assignment_page_size=2)
    emu.clear_requests()
    names = [a.name for a in az.authorization.role_assignments.list_for_scope(az.sub_scope, filter='atScope()')]
    assert len(names) == 4 and len(set(names)) == 4
    pages = [r for r in emu.requests() if r['path'].endswith('/roleAssignments')]
    assert len(pages) == 2 and '$skipToken=2' in pages[1]['query'] and 'atScope' in pages[1]['query']
