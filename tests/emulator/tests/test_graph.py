"""Microsoft Graph v1.0 through msgraph-sdk 1.65 (contract section 7.4 wiring)."""

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.directory_objects.get_by_ids.get_by_ids_post_request_body import GetByIdsPostRequestBody
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.service_principals.service_principals_request_builder import ServicePrincipalsRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from conftest import seed_principal


def users_query(query_filter, select=None, top=None):
    params = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(filter=query_filter, select=select, top=top, count=True if top else None)
    return RequestConfiguration(query_parameters=params)


def test_user_by_id_upn_and_guest_upn(az, emu):
    alice = seed_principal(emu, 'alice')
    bob = seed_principal(emu, 'bob_guest')

    async def run(graph):
        by_id = await graph.users.by_user_id(alice['id']).get()
        by_upn = await graph.users.by_user_id('alice@contoso.com').get()
        guest = await graph.users.by_user_id(bob['user_principal_name']).get()
        return by_id, by_upn, guest

    by_id, by_upn, guest = az.graph(run)
    assert by_id.id == by_upn.id == alice['id'] and by_id.user_principal_name == 'alice@contoso.com' and by_id.mail == 'alice@contoso.com'
    assert by_id.user_type is None  # not a default property: needs $select, as in Graph
    assert guest.id == bob['id'] and guest.mail == 'bob@outlook.com'
    paths = [r['path'] for r in emu.requests() if r['path'].startswith('/v1.0/users/')]
    assert '/v1.0/users/bob_outlook.com#EXT#@contoso.onmicrosoft.com' in paths


def test_user_filters(az, emu):
    bob = seed_principal(emu, 'bob_guest')

    async def run(graph):
        results = {}
        for name, text in {'mail': "mail eq 'bob@outlook.com'", 'upn': "userPrincipalName eq 'ALICE@contoso.com'",
                           'other': "otherMails/any(x:x eq 'bob@outlook.com')",
                           'either': "mail eq 'bob@outlook.com' or otherMails/any(x:x eq 'bob@outlook.com') or userPrincipalName eq 'bob@outlook.com'",
                           'dana': "displayName eq 'Dana Smith'", 'none': "mail eq 'nobody@contoso.com'",
                           'guests': "userType eq 'Guest'", 'starts': "startswith(displayName,'car')"}.items():
            response = await graph.users.get(request_configuration=users_query(text, select=['id', 'userType', 'otherMails', 'displayName']))
            results[name] = response.value
        return results

    results = az.graph(run)
    assert [u.id for u in results['mail']] == [bob['id']]
    assert results['mail'][0].user_type == 'Guest' and results['mail'][0].other_mails == ['bob@outlook.com']
    assert [u.id for u in results['other']] == [bob['id']] and [u.id for u in results['either']] == [bob['id']]
    assert [u.id for u in results['upn']] == [seed_principal(emu, 'alice')['id']]
    assert len(results['dana']) == 2 and results['none'] == []
    assert [u.id for u in results['guests']] == [bob['id']]
    assert [u.display_name for u in results['starts']] == ['Carol Chen']


def test_user_paging_and_select_errors(az, emu):
    async def run(graph):
        first = await graph.users.get(request_configuration=users_query(None, top=2))
        second = await graph.users.with_url(first.odata_next_link).get()
        return first, second

    first, second = az.graph(run)
    assert len(first.value) == 2 and first.odata_next_link and len(second.value) == 2

    async def bad(graph, text=None, select=None):
        await graph.users.get(request_configuration=users_query(text, select=select))

    for text, select, code in (("mail eq 'x", None, 'Request_BadRequest'), ("jobTitle eq 'x'", None, 'Request_UnsupportedQuery'),
                               (None, ['nonsense'], 'Request_BadRequest'), ("mail gt 'x'", None, 'Request_BadRequest')):
        with pytest.raises(ODataError) as info:
            az.graph(lambda graph, t=text, s=select: bad(graph, t, s))
        assert info.value.response_status_code == 400 and info.value.error.code == code
    del emu


def test_missing_objects_are_404(az, emu):
    async def run(graph):
        await graph.users.by_user_id('ghost@contoso.com').get()

    with pytest.raises(ODataError) as info:
        az.graph(run)
    assert info.value.response_status_code == 404 and info.value.error.code == 'Request_ResourceNotFound'
    assert info.value.error.message == "Resource 'ghost@contoso.com' does not exist or one of its queried reference-property objects are not present."
    del emu


def test_service_principals_groups_and_directory_objects(az, emu):
    pipeline = seed_principal(emu, 'sp_pipeline')
    group = seed_principal(emu, 'dt_operators')
    alice = seed_principal(emu, 'alice')

    async def run(graph):
        by_app = await graph.service_principals_with_app_id(pipeline['app_id']).get()
        by_id = await graph.service_principals.by_service_principal_id(pipeline['id']).get()
        params = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(filter=f"appId eq '{pipeline['app_id']}'")
        filtered = await graph.service_principals.get(request_configuration=RequestConfiguration(query_parameters=params))
        params = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(filter="displayName eq 'sp-pipeline'")
        by_name = await graph.service_principals.get(request_configuration=RequestConfiguration(query_parameters=params))
        group_obj = await graph.groups.by_group_id(group['id']).get()
        params = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(filter="displayName eq 'dt-operators'")
        groups = await graph.groups.get(request_configuration=RequestConfiguration(query_parameters=params))
        any_obj = await graph.directory_objects.by_directory_object_id(group['id']).get()
        many = await graph.directory_objects.get_by_ids.post(GetByIdsPostRequestBody(ids=[alice['id'], group['id'], pipeline['id'], 'not-there']))
        only_users = await graph.directory_objects.get_by_ids.post(GetByIdsPostRequestBody(ids=[alice['id'], group['id']], types=['User']))
        return by_app, by_id, filtered, by_name, group_obj, groups, any_obj, many, only_users

    by_app, by_id, filtered, by_name, group_obj, groups, any_obj, many, only_users = az.graph(run)
    assert by_app.id == by_id.id == pipeline['id'] and by_app.display_name == 'sp-pipeline'
    assert [s.id for s in filtered.value] == [pipeline['id']] and [s.id for s in by_name.value] == [pipeline['id']]
    assert group_obj.display_name == 'dt-operators' and [g.id for g in groups.value] == [group['id']]
    assert type(any_obj).__name__ == 'Group'
    assert [type(o).__name__ for o in many.value] == ['User', 'Group', 'ServicePrincipal']
    assert [o.id for o in only_users.value] == [alice['id']]


def test_caller_without_directory_read_is_denied(no_graph, emu):
    async def run(graph):
        await graph.users.by_user_id('alice@contoso.com').get()

    with pytest.raises(ODataError) as info:
        no_graph.graph(run)
    assert info.value.response_status_code == 403 and info.value.error.code == 'Authorization_RequestDenied'
    assert info.value.error.message == 'Insufficient privileges to complete the operation.'
    del emu


def test_default_kiota_scope_on_the_moved_base_url(az, emu):
    async def run(graph):
        return await graph.users.by_user_id('carol@contoso.com').get()

    emu.clear_requests()
    assert az.graph(run, scopes=()).display_name == 'Carol Chen'  # kiota derives the scope from the request host
    assert az.graph(run, scopes=(f'{emu.url}/.default',)).display_name == 'Carol Chen'
    assert [r['status'] for r in emu.requests() if r['path'].startswith('/v1.0/')] == [200, 200]


def test_user_by_upn_key_syntax(az, emu):
    async def run(graph):
        return await graph.users_with_user_principal_name('carol@contoso.com').get()

    assert az.graph(run).id == seed_principal(emu, 'carol')['id']
    assert any("users(userPrincipalName='carol@contoso.com')" in r['path'] for r in emu.requests())
