"""Microsoft.Resources (any api-version): subscriptions and tenants (what `az login` lists), resource groups (create/update,
get, HEAD, PATCH, list, asynchronous delete), the generic resource lists of a subscription and of a resource group
(filled by every registered provider), and provider registrations.

ARM lists the subscriptions in which the caller holds some role assignment (at the subscription or anywhere below it),
and the tenants the caller's token belongs to. The emulator has one tenant and one subscription.
"""

import base64
import json
import re
import time
import uuid

from ..arm_errors import EmulatorError, bad_request, resource_group_not_found, subscription_not_found
from ..tags import validate_tags
from ..web import Route, respond
from .base import Provider

RG_READ = 'Microsoft.Resources/subscriptions/resourceGroups/read'
RG_WRITE = 'Microsoft.Resources/subscriptions/resourceGroups/write'
RG_DELETE = 'Microsoft.Resources/subscriptions/resourceGroups/delete'
RG_NAME = re.compile(r'^[-\w._()]{1,90}$', re.UNICODE)
FILTER = re.compile(r"^\s*tagName\s+eq\s+'(?P<name>[^']*)'(?:\s+and\s+tagValue\s+eq\s+'(?P<value>[^']*)')?\s*$", re.IGNORECASE)


def rg_body(group):
    """The one place that renders a resource group."""
    body = {'id': f"/subscriptions/{group['subscription']}/resourceGroups/{group['name']}", 'name': group['name'],
            'type': 'Microsoft.Resources/resourceGroups', 'location': group['location']}
    if group.get('managedBy'):
        body['managedBy'] = group['managedBy']
    body['tags'] = dict(group['tags']) if group['tags'] is not None else {}
    body['properties'] = {'provisioningState': group['provisioningState']}
    return body


def check_subscription(call, sub):
    if sub.lower() != call.state.subscription_id.lower():
        raise subscription_not_found(sub)


def rg_scope(sub, rg):
    return f'/subscriptions/{sub}/resourceGroups/{rg}'


def _validate_tags(tags):
    return validate_tags(tags) or {}


def _normalise_location(location):
    return str(location).replace(' ', '').lower()


def put_rg(call, sub, rg):
    check_subscription(call, sub)
    call.require(RG_WRITE, rg_scope(sub, rg))
    body = call.json_body()
    if not RG_NAME.match(rg) or rg.endswith('.'):
        raise bad_request('InvalidResourceGroupName',
                          f"The provided resource group name '{rg}' has these invalid characters: '{rg}'. The name can only be a letter, digit, "
                          "'-', '.', '(', ')' or '_'. The name must end with a character other than '.'.")
    location = body.get('location')
    if not location:
        raise bad_request('LocationRequired', 'The location property is required for this definition.')
    location = _normalise_location(location)
    state = call.state
    if location not in state.rg_regions:
        raise bad_request('LocationNotAvailableForResourceGroup',
                          f"The provided location '{body['location']}' is not available for resource group. List of available regions is "
                          f"'{','.join(state.rg_regions)}'.")
    tags = _validate_tags(body.get('tags'))
    with state.lock:
        group = state.resource_group(sub, rg)
        if group is not None:
            if group['provisioningState'] == 'Deleting':
                raise EmulatorError(409, 'ResourceGroupBeingDeleted',
                                    f"The resource group '{group['name']}' is in deprovisioning state and cannot perform this operation.")
            if group['location'] != location:
                raise EmulatorError(409, 'InvalidResourceGroupLocation',
                                    f"Invalid resource group location '{location}'. The Resource group already exists in location '{group['location']}'.")
            group['tags'] = tags
            group['managedBy'] = body.get('managedBy')
            return respond(200, rg_body(group))
        group = {'subscription': state.subscription_id, 'name': rg, 'location': location, 'tags': tags, 'managedBy': body.get('managedBy'),
                 'provisioningState': 'Succeeded'}
        state.resource_groups[(sub.lower(), rg.lower())] = group
        return respond(201, rg_body(group))


def _existing(call, sub, rg):
    group = call.state.resource_group(sub, rg)
    if group is None:
        raise resource_group_not_found(rg)
    return group


def get_rg(call, sub, rg):
    check_subscription(call, sub)
    call.require(RG_READ, rg_scope(sub, rg))
    with call.state.lock:
        return respond(200, rg_body(_existing(call, sub, rg)))


def head_rg(call, sub, rg):
    check_subscription(call, sub)
    call.require(RG_READ, rg_scope(sub, rg))
    with call.state.lock:
        group = call.state.resource_group(sub, rg)
    return respond(204 if group is not None else 404)


def patch_rg(call, sub, rg):
    check_subscription(call, sub)
    call.require(RG_WRITE, rg_scope(sub, rg))
    body = call.json_body()
    with call.state.lock:
        group = _existing(call, sub, rg)
        if 'tags' in body:
            group['tags'] = _validate_tags(body['tags'])
        if 'managedBy' in body:
            group['managedBy'] = body['managedBy']
        return respond(200, rg_body(group))


def delete_rg(call, sub, rg):
    check_subscription(call, sub)
    call.require(RG_DELETE, rg_scope(sub, rg))
    state = call.state
    with state.lock:
        group = _existing(call, sub, rg)
        key = (sub.lower(), rg.lower())
        token = None
        for existing_token, deletion in state.rg_deletions.items():
            if deletion['key'] == key and not deletion['done']:
                token = existing_token
        if token is None:
            token = base64.urlsafe_b64encode(json.dumps({'jobId': f'RESOURCEGROUPDELETIONJOB-{rg.upper()}-{uuid.uuid4().hex[:8].upper()}',
                                                         'jobLocation': group['location']}).encode()).decode().rstrip('=')
            state.rg_deletions[token] = {'key': key, 'finishAt': time.time() + state.delay('deletion'), 'done': False}
            group['provisioningState'] = 'Deleting'
        retry = state.settings['retry_after_seconds']
    location = call.url(f'/subscriptions/{sub}/operationresults/{token}', **{'api-version': call.api_version})
    return respond(202, None, {'Location': location, 'Retry-After': retry})


def rg_operation_result(call, sub, token):
    check_subscription(call, sub)
    state = call.state
    with state.lock:
        state.advance()
        deletion = state.rg_deletions.get(token)
        if deletion is None:
            raise EmulatorError(404, 'NotFound', f"The operation '{token}' was not found.")
        if deletion['done']:
            return respond(200)
        retry = state.settings['retry_after_seconds']
    return respond(202, None, {'Location': call.request.url, 'Retry-After': retry})


def list_rg(call, sub):
    check_subscription(call, sub)
    state = call.state
    wanted = None
    filter_text = call.request.args.get('$filter')
    if filter_text:
        wanted = FILTER.match(filter_text)
        if not wanted:
            raise bad_request('InvalidFilterInQueryString', f"Invalid $filter '{filter_text}' specified in the query string.")
    readable_everywhere = call.can(RG_READ, f'/subscriptions/{sub}')
    with state.lock:
        state.advance()
        groups = []
        for group in state.resource_groups.values():
            if wanted and not _tag_match(group['tags'], wanted.group('name'), wanted.group('value')):
                continue
            if readable_everywhere or call.can(RG_READ, rg_scope(sub, group['name'])):
                groups.append(rg_body(group))
    if not groups and not readable_everywhere:
        call.require(RG_READ, f'/subscriptions/{sub}')
    size = call.request.args.get('$top') or state.settings['page_size']
    try:
        size = int(size)
    except ValueError:
        raise bad_request('InvalidTopInQueryString', f"Invalid $top '{size}' specified in the query string.") from None
    page, next_link = call.page(groups, size)
    return respond(200, {'value': page, 'nextLink': next_link} if next_link else {'value': page})


RESOURCE_FILTER = re.compile(r"^(?P<field>resourceGroup|resourceType|name|location)\s+eq\s+'(?P<value>(?:[^']|'')*)'$", re.IGNORECASE)
RESOURCES_READ = 'Microsoft.Resources/subscriptions/resources/read'
RG_RESOURCES_READ = 'Microsoft.Resources/subscriptions/resourceGroups/resources/read'


def _resource_filter(call):
    """{field: lower-cased value} from a $filter of `eq` clauses joined by `and`; 400 for anything else."""
    text = call.request.args.get('$filter')
    wanted = {}
    for clause in re.split(r'\s+and\s+', (text or '').strip(), flags=re.IGNORECASE):
        if not clause.strip():
            continue
        match = RESOURCE_FILTER.match(clause.strip())
        if not match:
            raise bad_request('InvalidFilterInQueryString',
                              f"Invalid $filter '{text}' specified in the query string. Supported: resourceGroup, resourceType, name and location "
                              "with 'eq', joined by 'and'.")
        wanted[match.group('field').lower()] = match.group('value').replace("''", "'").replace(' ', '').lower() \
            if match.group('field').lower() == 'location' else match.group('value').replace("''", "'").lower()
    return wanted


def _resource_matches(resource, wanted):
    parts = resource['id'].split('/')
    values = {'resourcegroup': parts[4].lower(), 'resourcetype': resource['type'].lower(), 'name': resource['name'].lower(),
              'location': str(resource.get('location') or '').lower()}
    return all(values[field] == value for field, value in wanted.items())


def _resources_page(call, resources):
    state = call.state
    size = call.request.args.get('$top') or state.settings['page_size']
    try:
        size = int(size)
    except ValueError:
        raise bad_request('InvalidTopInQueryString', f"Invalid $top '{size}' specified in the query string.") from None
    page, next_link = call.page(sorted(resources, key=lambda r: r['id'].lower()), size)
    return respond(200, {'value': page, 'nextLink': next_link} if next_link else {'value': page})


def list_rg_resources(call, sub, rg):
    """GET .../resourceGroups/{rg}/resources: the generic resources every provider holds in the group."""
    check_subscription(call, sub)
    call.require(RG_READ, rg_scope(sub, rg))
    wanted = _resource_filter(call)
    state = call.state
    with state.lock:
        group = _existing(call, sub, rg)
        resources = [r for r in state.resources(sub, group['name']) if _resource_matches(r, wanted)]
    return _resources_page(call, resources)


def list_sub_resources(call, sub):
    """GET /subscriptions/{sub}/resources: every generic resource the caller may read, filtered by $filter, paged by
    $top (or the page_size setting) with nextLink."""
    check_subscription(call, sub)
    wanted = _resource_filter(call)
    state = call.state
    readable_everywhere = call.can(RESOURCES_READ, f'/subscriptions/{sub}')
    with state.lock:
        resources = [r for r in state.resources(sub) if _resource_matches(r, wanted) and (readable_everywhere or call.can(RESOURCES_READ, r['id']))]
    if not resources and not readable_everywhere:
        call.require(RESOURCES_READ, f'/subscriptions/{sub}')
    return _resources_page(call, resources)


# Display names of regions, as the provider API lists them (ARM accepts either form; clients normalise).
REGION_NAMES = {
    'australiacentral': 'Australia Central', 'australiacentral2': 'Australia Central 2', 'australiaeast': 'Australia East',
    'australiasoutheast': 'Australia Southeast', 'brazilsouth': 'Brazil South', 'brazilsoutheast': 'Brazil Southeast',
    'canadacentral': 'Canada Central', 'canadaeast': 'Canada East', 'centralindia': 'Central India', 'centralus': 'Central US',
    'eastasia': 'East Asia', 'eastus': 'East US', 'eastus2': 'East US 2', 'francecentral': 'France Central', 'francesouth': 'France South',
    'germanynorth': 'Germany North', 'germanywestcentral': 'Germany West Central', 'israelcentral': 'Israel Central',
    'italynorth': 'Italy North', 'japaneast': 'Japan East', 'japanwest': 'Japan West', 'koreacentral': 'Korea Central',
    'koreasouth': 'Korea South', 'northcentralus': 'North Central US', 'northeurope': 'North Europe', 'norwayeast': 'Norway East',
    'norwaywest': 'Norway West', 'polandcentral': 'Poland Central', 'qatarcentral': 'Qatar Central', 'southafricanorth': 'South Africa North',
    'southafricawest': 'South Africa West', 'southcentralus': 'South Central US', 'southeastasia': 'Southeast Asia',
    'southindia': 'South India', 'swedencentral': 'Sweden Central', 'switzerlandnorth': 'Switzerland North',
    'switzerlandwest': 'Switzerland West', 'uaecentral': 'UAE Central', 'uaenorth': 'UAE North', 'uksouth': 'UK South', 'ukwest': 'UK West',
    'westcentralus': 'West Central US', 'westeurope': 'West Europe', 'westindia': 'West India', 'westus': 'West US', 'westus2': 'West US 2',
    'westus3': 'West US 3',
}


def resources_registration(sub, state):
    locations = [REGION_NAMES.get(region, region) for region in state.rg_regions]
    api_versions = ['2024-11-01', '2024-07-01', '2024-03-01', '2023-07-01', '2022-09-01', '2021-04-01', '2020-06-01', '2019-10-01']
    return {'id': f'/subscriptions/{sub}/providers/Microsoft.Resources', 'namespace': 'Microsoft.Resources',
            'registrationState': 'Registered', 'registrationPolicy': 'RegistrationFree',
            'resourceTypes': [{'resourceType': 'resourceGroups', 'locations': locations, 'apiVersions': api_versions,
                               'capabilities': 'CrossResourceGroupResourceMove, CrossSubscriptionResourceMove, SupportsTags, SupportsLocation'},
                              {'resourceType': 'subscriptions', 'locations': [], 'apiVersions': api_versions},
                              {'resourceType': 'providers', 'locations': [], 'apiVersions': api_versions},
                              {'resourceType': 'operations', 'locations': [], 'apiVersions': api_versions}]}


def get_provider(call, sub, namespace):
    """GET /subscriptions/{sub}/providers/{namespace}: the registered provider and where its resource types are offered."""
    check_subscription(call, sub)
    call.require('Microsoft.Resources/subscriptions/providers/read', f'/subscriptions/{sub}')
    body = call.state.registration(sub, namespace)
    if body is None:
        raise EmulatorError(404, 'InvalidResourceNamespace', f"The resource namespace '{namespace}' is invalid.")
    return respond(200, body)


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


def _tag_match(tags, name, value):
    for tag, tag_value in (tags or {}).items():
        if tag.lower() == name.lower() and (value is None or tag_value == value):
            return True
    return False


def _any_version(_call, _groups):
    return None


class Resources(Provider):
    name = 'Microsoft.Resources'
    order = 0
    routes = (
        Route('/subscriptions', {'GET': list_subscriptions}, api=_any_version),
        Route('/subscriptions/<sub>', {'GET': get_subscription}, api=_any_version),
        Route('/tenants', {'GET': list_tenants}, api=_any_version),
        Route('/subscriptions/<sub>/resources', {'GET': list_sub_resources}, api=_any_version),
        Route('/subscriptions/<sub>/resourcegroups', {'GET': list_rg}, api=_any_version),
        Route('/subscriptions/<sub>/resourcegroups/<rg>', {'GET': get_rg, 'HEAD': head_rg, 'PUT': put_rg, 'PATCH': patch_rg, 'DELETE': delete_rg},
              api=_any_version),
        Route('/subscriptions/<sub>/resourcegroups/<rg>/resources', {'GET': list_rg_resources}, api=_any_version),
        Route('/subscriptions/<sub>/operationresults/<token>', {'GET': rg_operation_result}, api=_any_version),
        Route('/subscriptions/<sub>/providers/<namespace>', {'GET': get_provider}, api=_any_version),
    )

    def reset(self, state):
        state.resource_groups = {}
        state.rg_deletions = {}

    def registration(self, state, sub):
        return resources_registration(sub, state)

    def advance(self, state, now):
        for token, deletion in list(state.rg_deletions.items()):
            if deletion['done'] or deletion['finishAt'] > now:
                continue
            deletion['done'] = True
            group = state.resource_groups.pop(deletion['key'], None)
            if group is not None:
                state.delete_scope(rg_scope(group['subscription'], group['name']))
            state.rg_deletions[token] = deletion

    def dump(self, state, call):
        return {'resource_groups': [rg_body(g) for g in state.resource_groups.values()]}


PROVIDER = Resources()
