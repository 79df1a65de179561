"""Subscriptions, tenants and resource providers: what `az login` and the modules' location checks read."""

import requests

from conftest import ARM_SCOPE, Azure


def _get(azure, path):
    token = azure.credential.get_token(ARM_SCOPE).token
    return requests.get(azure.url + path, params={'api-version': '2022-12-01'}, headers={'Authorization': 'Bearer ' + token},
                        verify=azure.ca, timeout=30)


def test_subscription_list_for_a_caller_with_a_role(az, emu):
    answer = _get(az, '/subscriptions')
    assert answer.status_code == 200
    body = answer.json()
    assert body['count'] == {'type': 'Total', 'value': 1}
    (subscription,) = body['value']
    assert subscription['subscriptionId'] == az.subscription and subscription['id'] == '/subscriptions/' + az.subscription
    assert subscription['tenantId'] == az.tenant and subscription['state'] == 'Enabled'
    assert subscription['displayName'] == emu.seed['subscription']['display_name']
    single = _get(az, '/subscriptions/' + az.subscription)
    assert single.status_code == 200 and single.json() == subscription


def test_caller_without_any_role_sees_no_subscription(emu):
    principal = emu.add_principal(kind='servicePrincipal', display_name='no-roles', secret='test-only-no-roles-secret')
    nobody = Azure(emu, principal['app_id'], 'test-only-no-roles-secret')
    assert _get(nobody, '/subscriptions').json() == {'value': [], 'count': {'type': 'Total', 'value': 0}}
    missing = _get(nobody, '/subscriptions/' + nobody.subscription)
    assert missing.status_code == 404 and missing.json()['error']['code'] == 'SubscriptionNotFound'


def test_unknown_subscription_is_not_found(az):
    answer = _get(az, '/subscriptions/00000000-0000-4000-8000-000000000000')
    assert answer.status_code == 404 and answer.json()['error']['code'] == 'SubscriptionNotFound'


def test_tenants(az, emu):
    (tenant,) = _get(az, '/tenants').json()['value']
    assert tenant['tenantId'] == az.tenant and tenant['defaultDomain'] == emu.seed['tenant']['domain']


def test_resource_group_regions_come_from_the_resources_provider(az, emu):
    provider = az.resources.providers.get('Microsoft.Resources')
    assert provider.namespace == 'Microsoft.Resources' and provider.registration_state == 'Registered'
    (groups,) = [entry for entry in provider.resource_types if entry.resource_type == 'resourceGroups']
    normalised = {name.replace(' ', '').lower() for name in groups.locations}
    assert normalised == set(emu.seed['resource_group_regions'])
    assert 'West US 2' in groups.locations


def test_unknown_provider_namespace(az):
    answer = _get(az, '/subscriptions/%s/providers/Microsoft.Nothing' % az.subscription)
    assert answer.status_code == 404 and answer.json()['error']['code'] == 'InvalidResourceNamespace'
