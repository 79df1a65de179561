"""Microsoft.Authorization 2022-04-01 permissions (Permissions_ListForResourceGroup, Permissions_ListForResource)
through azure-mgmt-authorization 4: the caller's effective permissions, computed from its role assignments."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError

from conftest import Azure

OWNER_BLOCK = {'actions': ['*'], 'notActions': [], 'dataActions': [], 'notDataActions': []}
READER_BLOCK = {'actions': ['*/read'], 'notActions': [], 'dataActions': [], 'notDataActions': []}
UAA_BLOCK = {'actions': ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'], 'notActions': [], 'dataActions': [],
             'notDataActions': []}


def blocks(permissions):
    """SDK Permission models as the wire's JSON keys."""
    return [{'actions': p.actions, 'notActions': p.not_actions, 'dataActions': p.data_actions, 'notDataActions': p.not_data_actions}
            for p in permissions]


def expect_error(call, *args):
    with pytest.raises(HttpResponseError) as info:
        list(call(*args))
    return info.value


def make_instance(az, fast, rg='rg-perm', name='dt-perm'):
    az.resources.resource_groups.create_or_update(rg, {'location': 'westus2'})
    return az.twins.digital_twins.begin_create_or_update(rg, name, {'location': 'westus2'}).result()


def assign(az, scope, principal_id, role):
    az.authorization.role_assignments.create(scope, str(uuid.uuid4()), {'role_definition_id': az.role_id(role), 'principal_id': principal_id})


def new_caller(emu, az, name):
    secret = f'test-only-{name}-secret'
    sp = emu.add_principal(kind='servicePrincipal', display_name=name, secret=secret)
    return sp, Azure(emu, sp['app_id'], secret)


def test_owner_at_the_subscription_has_every_action(az, fast):
    make_instance(az, fast)
    assert blocks(az.authorization.permissions.list_for_resource_group('rg-perm')) == [OWNER_BLOCK]
    on_instance = az.authorization.permissions.list_for_resource('rg-perm', 'Microsoft.DigitalTwins', '', 'digitalTwinsInstances', 'dt-perm')
    assert blocks(on_instance) == [OWNER_BLOCK]


def test_contributor_gets_its_not_actions(az, limited, fast):
    make_instance(az, fast)
    [contributor] = blocks(limited.authorization.permissions.list_for_resource_group('rg-perm'))
    assert contributor['actions'] == ['*']
    assert 'Microsoft.Authorization/*/Write' in contributor['notActions'] and 'Microsoft.Authorization/*/Delete' in contributor['notActions']


def test_every_role_of_the_caller_is_listed(az, no_graph, fast):
    make_instance(az, fast)
    assert blocks(no_graph.authorization.permissions.list_for_resource_group('rg-perm')) == [UAA_BLOCK, READER_BLOCK]


def test_empty_parent_resource_path_is_one_empty_segment_on_the_wire(az, emu, fast):
    make_instance(az, fast)
    emu.clear_requests()
    list(az.authorization.permissions.list_for_resource('rg-perm', 'Microsoft.DigitalTwins', '', 'digitalTwinsInstances', 'dt-perm'))
    [entry] = [r for r in emu.requests() if r['path'].lower().endswith('/permissions')]
    assert '/providers/Microsoft.DigitalTwins//digitalTwinsInstances/dt-perm/providers/Microsoft.Authorization/permissions' in entry['path']
    assert entry['status'] == 200 and 'api-version=2022-04-01' in entry['query']


def test_grants_are_inherited_downwards_and_unioned(az, emu, fast):
    instance = make_instance(az, fast)
    az.resources.resource_groups.create_or_update('rg-other', {'location': 'westus2'})
    sp, scoped = new_caller(emu, az, 'perm-scoped')
    assign(az, f'{az.sub_scope}/resourceGroups/rg-perm', sp['id'], 'Reader')
    assign(az, instance.id, sp['id'], 'User Access Administrator')
    assert blocks(scoped.authorization.permissions.list_for_resource_group('rg-perm')) == [READER_BLOCK]
    on_instance = scoped.authorization.permissions.list_for_resource('rg-perm', 'Microsoft.DigitalTwins', '', 'digitalTwinsInstances', 'dt-perm')
    assert sorted(map(str, blocks(on_instance))) == sorted(map(str, [READER_BLOCK, UAA_BLOCK]))
    # nothing at or above rg-other: reading permissions there needs Microsoft.Authorization/permissions/read
    error = expect_error(scoped.authorization.permissions.list_for_resource_group, 'rg-other')
    assert error.status_code == 403 and error.error.code == 'AuthorizationFailed'
    assert "'Microsoft.Authorization/permissions/read'" in error.error.message


def test_group_membership_counts_and_a_role_held_twice_is_listed_once(az, emu, fast):
    make_instance(az, fast)
    sp, member = new_caller(emu, az, 'perm-member')
    group = emu.add_principal(kind='group', display_name='perm-readers', members=[sp['id']])
    assign(az, az.sub_scope, group['id'], 'Reader')
    assign(az, f'{az.sub_scope}/resourceGroups/rg-perm', sp['id'], 'Reader')
    assert blocks(member.authorization.permissions.list_for_resource_group('rg-perm')) == [READER_BLOCK]


def test_custom_role_permissions_are_listed_as_defined(az, emu, fast):
    make_instance(az, fast)
    guid = str(uuid.uuid4())
    custom = {'actions': ['Microsoft.Authorization/roleAssignments/*', '*/read'], 'notActions': ['Microsoft.Authorization/roleAssignments/delete'],
              'dataActions': [], 'notDataActions': []}
    az.authorization.role_definitions.create_or_update(az.sub_scope, guid, {
        'role_name': 'perm assigner', 'assignable_scopes': [az.sub_scope], 'permissions': [{
            'actions': custom['actions'], 'not_actions': custom['notActions']}]})
    sp, assigner = new_caller(emu, az, 'perm-assigner')
    az.authorization.role_assignments.create(az.sub_scope, str(uuid.uuid4()), {
        'role_definition_id': f'{az.sub_scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}', 'principal_id': sp['id']})
    assert blocks(assigner.authorization.permissions.list_for_resource_group('rg-perm')) == [custom]


def test_missing_scopes_answer_as_arm_does(az, fast):
    make_instance(az, fast)
    error = expect_error(az.authorization.permissions.list_for_resource_group, 'rg-missing')
    assert (error.status_code, error.error.code, error.error.message) == (404, 'ResourceGroupNotFound', "Resource group 'rg-missing' could not be found.")
    error = expect_error(az.authorization.permissions.list_for_resource, 'rg-missing', 'Microsoft.DigitalTwins', '', 'digitalTwinsInstances', 'dt-perm')
    assert (error.status_code, error.error.code) == (404, 'ResourceGroupNotFound')
    error = expect_error(az.authorization.permissions.list_for_resource, 'rg-perm', 'Microsoft.DigitalTwins', '', 'digitalTwinsInstances', 'dt-none')
    assert (error.status_code, error.error.code) == (404, 'ResourceNotFound')
    assert error.error.message == ("The Resource 'Microsoft.DigitalTwins/digitalTwinsInstances/dt-none' under resource group 'rg-perm' was not "
                                   'found. For more details please go to https://aka.ms/ARMResourceNotFoundFix')
    error = expect_error(az.authorization.permissions.list_for_resource, 'rg-perm', 'Microsoft.DigitalTwins', 'digitalTwinsInstances/dt-none',
                         'endpoints', 'e1')
    assert (error.status_code, error.error.code) == (404, 'ParentResourceNotFound')
    error = expect_error(az.authorization.permissions.list_for_resource, 'rg-perm', 'Microsoft.DigitalTwins', 'digitalTwinsInstances/dt-perm',
                         'endpoints', 'e1')
    assert (error.status_code, error.error.code) == (404, 'ResourceNotFound'), 'child resources are not emulated'


def test_data_roles_do_not_let_the_caller_read_permissions(az, emu, fast):
    make_instance(az, fast)
    sp, data_only = new_caller(emu, az, 'perm-data-only')
    assign(az, az.sub_scope, sp['id'], 'Azure Digital Twins Data Owner')
    error = expect_error(data_only.authorization.permissions.list_for_resource_group, 'rg-perm')
    assert error.status_code == 403


def test_another_subscription_is_not_found(az, emu, fast):
    make_instance(az, fast)
    other = 'ffffffff-0000-4000-8000-000000000000'
    from azure.mgmt.authorization import AuthorizationManagementClient  # pylint: disable=import-outside-toplevel
    client = AuthorizationManagementClient(az.credential, other, base_url=az.url, credential_scopes=['https://management.azure.com/.default'],
                                           connection_verify=az.ca, retry_total=0)
    error = expect_error(client.permissions.list_for_resource_group, 'rg-perm')
    assert (error.status_code, error.error.code) == (404, 'SubscriptionNotFound')
    assert list(az.authorization.permissions.list_for_resource_group('rg-perm'))


def test_lists_page_through_next_link(az, no_graph, emu, fast):
    make_instance(az, fast)
    emu.settings(permission_page_size=1)
    emu.clear_requests()
    assert blocks(no_graph.authorization.permissions.list_for_resource_group('rg-perm')) == [UAA_BLOCK, READER_BLOCK]
    pages = [r for r in emu.requests() if r['path'].lower().endswith('/permissions')]
    assert len(pages) == 2 and '$skipToken=1' in pages[1]['query'] and 'api-version=2022-04-01' in pages[1]['query']


def test_unsupported_api_version_is_refused(az, fast):
    make_instance(az, fast)
    from azure.core.rest import HttpRequest  # pylint: disable=import-outside-toplevel
    request = HttpRequest('GET', f'{az.url}{az.sub_scope}/resourcegroups/rg-perm/providers/Microsoft.Authorization/permissions?api-version=1999-01-01')
    response = az.authorization._client.send_request(request)  # pylint: disable=protected-access
    assert response.status_code == 400 and response.json()['error']['code'] == 'InvalidApiVersionParameter'


def test_assignments_at_a_child_scope_do_not_count_above_it(az, emu, fast):
    instance = make_instance(az, fast)
    sp, caller = new_caller(emu, az, 'perm-child-only')
    assign(az, instance.id, sp['id'], 'Owner')
    assign(az, f'{az.sub_scope}/resourceGroups/rg-perm', sp['id'], 'Reader')
    assert blocks(caller.authorization.permissions.list_for_resource_group('rg-perm')) == [READER_BLOCK]
