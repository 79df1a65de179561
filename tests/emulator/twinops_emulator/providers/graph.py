"""The directory: Microsoft Graph v1.0 reads (users, service principals, groups, directoryObjects and getByIds), the
seeded directory objects, and the admin hook that adds principals."""

import re
import time
import uuid

from .. import directory as dirmod
from .. import odata
from ..arm_errors import GRAPH, EmulatorError, bad_request, graph_error, graph_not_found
from ..web import Route, respond
from .base import Provider

PRINCIPAL_KINDS = ('user', 'servicePrincipal', 'group')

ENTITY = {
    'user': {'set': 'users', 'type': '#microsoft.graph.user', 'odata': 'microsoft.graph.user', 'label': 'User',
             'default': ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage',
                         'surname', 'userPrincipalName', 'id'],
             'extra': ['userType', 'otherMails', 'accountEnabled', 'mailNickname'],
             'filterable': ['id', 'displayName', 'userPrincipalName', 'mail', 'otherMails', 'userType', 'givenName', 'surname', 'accountEnabled',
                            'mailNickname']},
    'servicePrincipal': {'set': 'servicePrincipals', 'type': '#microsoft.graph.servicePrincipal', 'odata': 'microsoft.graph.servicePrincipal',
                         'label': 'ServicePrincipal',
                         'default': ['id', 'accountEnabled', 'alternativeNames', 'appDisplayName', 'appId', 'appOwnerOrganizationId', 'displayName',
                                     'servicePrincipalNames', 'servicePrincipalType', 'signInAudience', 'tags'],
                         'extra': [],
                         'filterable': ['id', 'appId', 'displayName', 'servicePrincipalNames', 'servicePrincipalType', 'accountEnabled',
                                        'alternativeNames']},
    'group': {'set': 'groups', 'type': '#microsoft.graph.group', 'odata': 'microsoft.graph.group', 'label': 'Group',
              'default': ['id', 'description', 'displayName', 'groupTypes', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled'],
              'extra': [],
              'filterable': ['id', 'displayName', 'mailNickname', 'mail', 'securityEnabled', 'mailEnabled']},
}
KIND_OF_SET = {'users': 'user', 'serviceprincipals': 'servicePrincipal', 'groups': 'group'}


def _select(call, kind):
    text = call.request.args.get('$select')
    spec = ENTITY[kind]
    if not text:
        return spec['default']
    wanted = [s.strip() for s in text.split(',') if s.strip()]
    known = {p.lower(): p for p in spec['default'] + spec['extra']}
    out = []
    for name in wanted:
        if name.lower() not in known:
            raise graph_error(400, 'Request_BadRequest', f"Could not find a property named '{name}' on type '{spec['odata']}'.")
        out.append(known[name.lower()])
    if 'id' not in out:
        out.append('id')
    return out


def object_body(obj, properties, with_type=False):
    """The one place that renders a directory object for Graph."""
    body = {'@odata.type': ENTITY[obj['kind']]['type']} if with_type else {}
    for name in properties:
        body[name] = obj.get(name)
    return body


def _context(call, suffix):
    return f'{call.base_url}/v1.0/$metadata#{suffix}'


def _single(call, obj, kind):
    if obj is None:
        return None
    body = {'@odata.context': _context(call, f"{ENTITY[kind]['set']}/$entity")}
    body.update(object_body(obj, _select(call, kind)))
    return respond(200, body)


def _find(call, kind, key, by):
    directory = call.state.directory
    if by == 'id':
        obj = directory.get(key)
    elif by == 'upn':
        obj = directory.by_upn.get(key.lower())
    else:
        obj = directory.by_app_id.get(key.lower())
    return obj if obj is not None and obj['kind'] == kind else None


def get_user(call, key):
    call.require_graph_read()
    key = key.strip("'")
    with call.state.lock:
        obj = _find(call, 'user', key, 'upn' if '@' in key else 'id')
        response = _single(call, obj, 'user')
    if response is None:
        raise graph_not_found(key)
    return response


def get_user_by_upn(call, upn):
    call.require_graph_read()
    with call.state.lock:
        response = _single(call, _find(call, 'user', upn.replace("''", "'"), 'upn'), 'user')
    if response is None:
        raise graph_not_found(upn)
    return response


def get_service_principal(call, key):
    call.require_graph_read()
    with call.state.lock:
        response = _single(call, _find(call, 'servicePrincipal', key, 'id'), 'servicePrincipal')
    if response is None:
        raise graph_not_found(key)
    return response


def get_service_principal_by_app_id(call, app_id):
    call.require_graph_read()
    with call.state.lock:
        response = _single(call, _find(call, 'servicePrincipal', app_id, 'app'), 'servicePrincipal')
    if response is None:
        raise graph_not_found(app_id)
    return response


def get_group(call, key):
    call.require_graph_read()
    with call.state.lock:
        response = _single(call, _find(call, 'group', key, 'id'), 'group')
    if response is None:
        raise graph_not_found(key)
    return response


def list_collection(call, collection):
    call.require_graph_read()
    kind = KIND_OF_SET[collection.lower()]
    spec = ENTITY[kind]
    node = None
    text = call.request.args.get('$filter')
    if text:
        node = odata.parse(text)
        for prop in odata.properties_used(node):
            if prop.lower() not in {p.lower() for p in spec['filterable']}:
                raise graph_error(400, 'Request_UnsupportedQuery',
                                  f"Unsupported or invalid query filter clause specified for property '{prop}' of resource '{spec['label']}'.")
    properties = _select(call, kind)
    top = call.request.args.get('$top')
    try:
        size = min(999, int(top)) if top else int(call.state.settings['graph_page_size'])
    except ValueError:
        raise graph_error(400, 'Request_BadRequest', f"Invalid value '{top}' for $top.") from None
    with call.state.lock:
        objects = [o for o in call.state.directory.of_kind(kind) if node is None or odata.matches(node, o)]
        page, next_link = call.page([object_body(o, properties) for o in objects], size, token_name='$skiptoken')
    body = {'@odata.context': _context(call, spec['set'] + ('(' + ','.join(properties) + ')' if call.request.args.get('$select') else ''))}
    if call.request.args.get('$count', '').lower() == 'true':
        body['@odata.count'] = len(objects)
    if next_link:
        body['@odata.nextLink'] = next_link
    body['value'] = page
    return respond(200, body)


def get_directory_object(call, key):
    call.require_graph_read()
    with call.state.lock:
        obj = call.state.directory.get(key)
        if obj is None:
            raise graph_not_found(key)
        body = {'@odata.context': _context(call, 'directoryObjects/$entity')}
        body.update(object_body(obj, ENTITY[obj['kind']]['default'], with_type=True))
    return respond(200, body)


def get_by_ids(call):
    call.require_graph_read()
    body = call.json_body()
    ids = body.get('ids')
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise graph_error(400, 'Request_BadRequest', "The 'ids' parameter is required and must be a list of strings.")
    if len(ids) > 1000:
        raise graph_error(400, 'Request_BadRequest', "The 'ids' parameter can contain at most 1000 values.")
    types = body.get('types')
    wanted = None
    if types:
        wanted = {t.lower() for t in types}
        unknown = wanted - {'user', 'serviceprincipal', 'group', 'device', 'application', 'orgcontact', 'directoryobjectpartnerreference'}
        if unknown:
            raise graph_error(400, 'Request_BadRequest', f"Invalid value '{sorted(unknown)[0]}' in parameter 'types'.")
    with call.state.lock:
        found = []
        for object_id in ids:
            obj = call.state.directory.get(object_id)
            if obj is None or (wanted and obj['kind'].lower() not in wanted):
                continue
            found.append(object_body(obj, ENTITY[obj['kind']]['default'], with_type=True))
    return respond(200, {'@odata.context': _context(call, 'directoryObjects'), 'value': found})


def principal_summary(obj):
    """A directory object for the admin API; secrets never leave the emulator."""
    summary = {'kind': obj['kind'], 'id': obj['id'], 'display_name': obj['displayName'], 'arm_visible_at': obj.get('_arm_visible_at') or None}
    if obj['kind'] == 'user':
        summary.update({'user_principal_name': obj['userPrincipalName'], 'mail': obj['mail'], 'user_type': obj['userType'],
                        'other_mails': list(obj['otherMails'])})
    elif obj['kind'] == 'servicePrincipal':
        summary.update({'app_id': obj['appId'], 'service_principal_type': obj['servicePrincipalType'], 'directory_read': obj['_directory_read']})
    else:
        summary['members'] = sorted(obj['_members'])
    return summary


def add_principal(call):
    body = call.json_body(required=False)
    kind = body.get('kind')
    name = body.get('display_name')
    if kind not in PRINCIPAL_KINDS or not name:
        raise bad_request('InvalidParameter', f"'kind' must be one of {', '.join(PRINCIPAL_KINDS)} and 'display_name' is required.")
    state = call.state
    with state.lock:
        if kind == 'user':
            upn = body.get('user_principal_name') or f"{re.sub(r'[^a-z0-9.]', '', name.lower().replace(' ', '.'))}.{uuid.uuid4().hex[:6]}@{state.tenant_domain}"
            if upn.lower() in state.directory.by_upn:
                raise EmulatorError(409, 'Conflict', f"A user with userPrincipalName '{upn}' already exists.")
            obj = dirmod.new_user(name, upn, mail=body.get('mail'), other_mails=body.get('other_mails'), user_type=body.get('user_type', 'Member'),
                                  password=body.get('password'))
        elif kind == 'servicePrincipal':
            if body.get('app_id') and body['app_id'].lower() in state.directory.by_app_id:
                raise EmulatorError(409, 'Conflict', f"A service principal with appId '{body['app_id']}' already exists.")
            obj = dirmod.new_service_principal(name, app_id=body.get('app_id'), secret=body.get('secret'),
                                               directory_read=bool(body.get('directory_read', False)), tenant_id=state.tenant_id)
        else:
            obj = dirmod.new_group(name, body.get('mail_nickname'), description=body.get('description'))
            obj['_members'] = {str(m).lower() for m in body.get('members') or []}
        delay = float(body.get('arm_visible_after_seconds') or 0)
        obj['_arm_visible_at'] = time.time() + delay if delay > 0 else 0
        state.directory.add(obj)
        return respond(201, principal_summary(obj))


def load_seed_directory(state):
    """The seeded users, service principals and groups; `state.seed_keys` maps each seed key to its object."""
    seed = state.seed
    for item in seed.get('service_principals', []):
        obj = dirmod.new_service_principal(item['display_name'], app_id=item['app_id'], object_id=item['id'], secret=item.get('secret'),
                                           directory_read=item.get('directory_read', False), tenant_id=state.tenant_id)
        obj['_certs'] = list(state.seed_certs.get(item['key'], []))
        obj['_federated'] = [dict(c, issuer=state.subst(c['issuer'])) for c in item.get('federated_credentials', [])]
        state.seed_keys[item['key']] = state.directory.add(obj)
    for item in seed.get('users', []):
        obj = dirmod.new_user(item['display_name'], item['user_principal_name'], mail=item.get('mail'), other_mails=item.get('other_mails'),
                              user_type=item.get('user_type', 'Member'), object_id=item['id'], given_name=item.get('given_name'),
                              surname=item.get('surname'), password=item.get('password'))
        state.seed_keys[item['key']] = state.directory.add(obj)
    for item in seed.get('groups', []):
        obj = dirmod.new_group(item['display_name'], item.get('mail_nickname'), object_id=item['id'], description=item.get('description'))
        obj['_members'] = {state.seed_keys[m]['id'].lower() for m in item.get('members', [])}
        state.seed_keys[item['key']] = state.directory.add(obj)


class Graph(Provider):
    """Not an ARM provider: it holds no ARM ids; the other providers read and add directory objects through `state.directory`."""
    name = 'Microsoft.Graph'
    order = -10   # the directory exists before any provider assigns roles to its principals
    routes = (
        Route("/v1.0/users(userprincipalname='<upn>')", {'GET': get_user_by_upn}, flavour=GRAPH, auth='graph'),
        Route("/v1.0/serviceprincipals(appid='<app_id>')", {'GET': get_service_principal_by_app_id}, flavour=GRAPH, auth='graph'),
        Route("/v1.0/users('<key>')", {'GET': get_user}, flavour=GRAPH, auth='graph'),
        Route('/v1.0/users/<key>', {'GET': get_user}, flavour=GRAPH, auth='graph'),
        Route('/v1.0/serviceprincipals/<key>', {'GET': get_service_principal}, flavour=GRAPH, auth='graph'),
        Route('/v1.0/groups/<key>', {'GET': get_group}, flavour=GRAPH, auth='graph'),
        Route('/v1.0/<any(users,serviceprincipals,groups):collection>', {'GET': list_collection}, flavour=GRAPH, auth='graph'),
        Route('/v1.0/directoryobjects/getbyids', {'POST': get_by_ids}, flavour=GRAPH, auth='graph'),
        Route('/v1.0/directoryobjects/<key>', {'GET': get_directory_object}, flavour=GRAPH, auth='graph'),
    )
    admin_routes = (Route('/_emulator/principals', {'POST': add_principal}, flavour='admin', auth=None),)

    def reset(self, state):
        state.seed_keys = {}
        state.directory = dirmod.Directory()
        load_seed_directory(state)

    def dump(self, state, call):
        return {'principals': [principal_summary(o) for o in state.directory.objects.values()]}


PROVIDER = Graph()
