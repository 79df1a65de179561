"""Microsoft.Resources subscriptions and tenants (any api-version): what `az login` lists after signing in.

ARM lists the subscriptions in which the caller holds some role assignment (at the subscription or anywhere below it),
and the tenants the caller's token belongs to. The emulator has one tenant and one subscription.
"""

from .arm_errors import subscription_not_found
from .web import Route, respond


def _subscription_body(state):
    sub = state.subscription_id
    return {'id': f'/subscriptions/{sub}', 'authorizationSource': 'RoleBased', 'managedByTenants': [], 'subscriptionId': sub,
            'tenantId': state.tenant_id, 'displayName': state.seed['subscription'].get('display_name', sub), 'state': 'Enabled',
            'subscriptionPolicies': {'locationPlacementId': 'Public_2014-09-01', 'quotaId': 'PayAsYouGo_2014-09-01', 'spendingLimit': 'Off'}}


def _visible(call):
    """True when the caller holds a role assignment at the subscription, above it or below it."""
    principals = call.state.principal_ids_of(call.caller_oid)
    return bool(call.state.rbac.for_principals(principals, f'/subscriptions/{call.state.subscription_id}'))


def list_subscriptions(call):
    """GET /subscriptions"""
    value = [_subscription_body(call.state)] if _visible(call) else []
    return respond(200, {'value': value, 'count': {'type': 'Total', 'value': len(value)}})


def get_subscription(call, sub):
    """GET /subscriptions/{sub}"""
    if sub.lower() != call.state.subscription_id.lower() or not _visible(call):
        raise subscription_not_found(sub)
    return respond(200, _subscription_body(call.state))


def list_tenants(call):
    """GET /tenants"""
    tenant = call.state.tenant_id
    body = {'id': f'/tenants/{tenant}', 'tenantId': tenant, 'tenantCategory': 'Home', 'country': 'US', 'countryCode': 'US',
            'displayName': call.state.seed['tenant'].get('display_name', tenant), 'domains': [call.state.tenant_domain],
            'defaultDomain': call.state.tenant_domain, 'tenantType': 'AAD'}
    return respond(200, {'value': [body]})


def _any_version(_call, _groups):
    return None


ROUTES = [
    Route(r'^/subscriptions/?$', {'GET': list_subscriptions}, api=_any_version),
    Route(r'^/subscriptions/(?P<sub>[^/]+)/?$', {'GET': get_subscription}, api=_any_version),
    Route(r'^/tenants/?$', {'GET': list_tenants}, api=_any_version),
]
