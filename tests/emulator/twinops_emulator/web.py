"""Request context handed to route handlers, the route table entry type and JSON response helpers."""

import json
import re
import string
import urllib.parse

from flask import Response
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule

from .arm_errors import EmulatorError, GRAPH, authorization_failed, invalid_request_content

JSON_TYPE = 'application/json; charset=utf-8'
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_VARIABLE = re.compile(r'(<[^>]+>)')


class Route:
    """One werkzeug URL rule (static parts in lower case; matched case-insensitively) and its handlers per HTTP method."""

    def __init__(self, rule, handlers, flavour='arm', auth='arm', api=None, fixed=None):
        self.rule = rule
        self.handlers = handlers            # {'GET': fn(call, **values), ...}
        self.flavour = flavour              # arm | graph | aad | admin | plain
        self.auth = auth                    # arm | graph | None
        self.api = api                      # None (no api-version needed) or fn(call, values) raising on an unsupported version
        self.fixed = dict(fixed or {})      # extra handler arguments (e.g. scope='' for the root scope)
        self.tokens = [part for part in _VARIABLE.split(rule) if part]


class RestConverter(BaseConverter):
    """The rest of a path up to the next static part, slashes and empty segments included."""
    regex = '.+?'
    part_isolating = False


class TenantConverter(BaseConverter):
    """A tenant segment: anything but the admin prefix."""
    regex = '[^/_][^/]*'


class Router:
    """werkzeug's routing over every route; ARM paths are case-insensitive, so the rules are matched against the path
    lower-cased (ASCII only, which keeps every character at its place) and the values are cut from the original path,
    keeping the caller's case for names and ids."""

    def __init__(self, routes):
        self.routes = list(routes)
        rules = [Rule(route.rule, endpoint=index, methods=sorted(route.handlers)) for index, route in enumerate(self.routes)]
        self.map = Map(rules, converters={'rest': RestConverter, 'tenant': TenantConverter}, strict_slashes=False, merge_slashes=False,
                       redirect_defaults=False)
        self.adapter = self.map.bind('emulator')

    def match(self, path, method):
        """(route, values) for `path`; None when nothing matches; raises MethodNotAllowed when only the method does not."""
        path = '/' + path.lstrip('/')
        if len(path) > 1:
            path = path.rstrip('/') or '/'
        lowered = path.translate(ASCII_LOWER)
        try:
            index, values = self.adapter.match(lowered, method=method)   # MethodNotAllowed propagates
        except (NotFound, RequestRedirect):
            return None
        route = self.routes[index]
        return route, dict(_original_case(route, path, lowered, values), **route.fixed)


def _original_case(route, path, lowered, values):
    """The matched values as the caller wrote them (same positions in `path` as in `lowered`)."""
    out = {}
    pos = 0
    for token in route.tokens:
        if token.startswith('<'):
            name = token[1:-1].split(':')[-1]
            length = len(values[name])
            out[name] = path[pos:pos + length]
            pos += length
        else:
            pos += len(token)
    if pos != len(lowered):   # the rule and the path disagree: keep werkzeug's (lower-cased) values
        return values
    return out


class Call:
    """What a handler needs: the request, the state, the token service and the authenticated caller."""

    def __init__(self, request, state, tokens):
        self.request = request
        self.state = state
        self.tokens = tokens
        self.base_url = state.base_url
        self.claims = None
        self.api_version = request.args.get('api-version')

    @property
    def caller_oid(self):
        return self.claims.get('oid') if self.claims else None

    def json_body(self, required=True):
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            if required:
                raise invalid_request_content('The request content was empty.')
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid_request_content(f'Unexpected character encountered while parsing value. {exc}') from None
        if not isinstance(body, dict):
            raise invalid_request_content('The request content must be a JSON object.')
        return body

    def require(self, action, scope):
        """Raise 403 AuthorizationFailed unless the caller's effective role assignments allow `action` at `scope`."""
        state = self.state
        principals = state.principal_ids_of(self.caller_oid)
        if not state.rbac.allowed(principals, scope, action):
            raise authorization_failed(self.caller_oid, action, scope)

    def can(self, action, scope):
        return self.state.rbac.allowed(self.state.principal_ids_of(self.caller_oid), scope, action)

    def require_graph_read(self):
        caller = self.state.directory.get(self.caller_oid)
        if caller is None or (caller['kind'] == 'servicePrincipal' and not caller.get('_directory_read')):
            raise EmulatorError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', flavour=GRAPH)

    def caller_identity(self):
        """(createdBy, createdByType) for systemData."""
        claims = self.claims or {}
        if claims.get('idtyp') == 'app':
            return claims.get('appid'), 'Application'
        return claims.get('upn') or claims.get('oid'), 'User'

    def url(self, path, **query):
        """Absolute URL on this emulator; `query` values are percent-encoded."""
        text = f'{self.base_url}{path}'
        if query:
            text += '?' + urllib.parse.urlencode(query, safe="$'(),")
        return text

    def page(self, items, page_size, token_name='$skipToken'):
        """One page of `items` starting at the skip token (an offset), and the nextLink of the next page (or None)."""
        args = self.request.args
        try:
            start = max(0, int(args.get('$skipToken') or args.get('$skiptoken') or 0))
        except ValueError:
            raise EmulatorError(400, 'InvalidSkipToken', 'The $skipToken value is invalid.') from None
        size = max(1, int(page_size))
        chunk = items[start:start + size]
        next_link = None
        if start + size < len(items):
            query = [(k, v) for k, v in args.items(multi=True) if k.lower() != '$skiptoken']
            query.append((token_name, str(start + size)))
            next_link = f'{self.base_url}{self.request.path}?' + urllib.parse.urlencode(query, safe="$'(),", quote_via=urllib.parse.quote)
        return chunk, next_link


def respond(status, body=None, headers=None):
    if body is None:
        response = Response(status=status)
        if status != 204:
            response.headers['Content-Type'] = JSON_TYPE
    else:
        response = Response(json.dumps(body), status=status, content_type=JSON_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response
