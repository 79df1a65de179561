"""The WSGI application: route dispatch, authentication, fault injection, standard headers and the request log."""

import logging
import re
import socket
import time
import uuid

from flask import Flask, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from . import admin, routes_metadata
from .arm_errors import AAD, ARM, GRAPH, EmulatorError, arm_body, missing_api_version, render
from .state import now_iso
from .tokens import ARM_AUDIENCES, GRAPH_AUDIENCE
from .web import Call, Router, respond

LOG = logging.getLogger('twinops_emulator')
METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS']
RATE_LIMIT_KIND = {'PUT': 'writes', 'PATCH': 'writes', 'POST': 'writes', 'DELETE': 'deletes'}
RATE_LIMIT_REMAINING = {'reads': '11999', 'writes': '1199', 'deletes': '14999'}


def routes_of(providers):
    """The admin API and cloud metadata, then every provider's admin hooks and routes."""
    return (admin.ROUTES + [r for p in providers for r in p.admin_routes] + routes_metadata.ROUTES
            + [r for p in providers for r in p.routes])


def _flavour_of(path):
    lowered = path.lower()
    if lowered.startswith('/v1.0/') or lowered == '/v1.0':
        return GRAPH
    if lowered.startswith('/_emulator'):
        return 'admin'
    if '/oauth2/' in lowered or '/.well-known/' in lowered or lowered.startswith('/federation'):
        return AAD
    return ARM


def _drop_connection():
    """Close the client's connection without an answer (an injected fault)."""
    sock = request.environ.get('werkzeug.socket')
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise _Dropped()


class Dispatcher:
    def __init__(self, state, tokens):
        self.state = state
        self.tokens = tokens
        self.router = Router(routes_of(state.providers))

    def audiences(self, kind):
        if kind == 'graph':
            # kiota's default scope is {scheme}://{host}/.default (1.16 drops the port, older releases kept it)
            return (GRAPH_AUDIENCE, self.state.base_url, self.state.base_url.rsplit(':', 1)[0])
        # ARM accepts the public ARM audiences and, as a real cloud does for its own URL, its resource-manager URL
        return ARM_AUDIENCES + (self.state.base_url + '/',)

    def handle(self, path):
        started = time.time()
        flavour = _flavour_of(path)
        call = Call(request, self.state, self.tokens)
        request_id = str(uuid.uuid4())
        client_request_id = request.headers.get('client-request-id') or request.headers.get('x-ms-client-request-id') or ''
        try:
            fault = self.apply_fault(path, flavour) if flavour != 'admin' else None
            try:
                response = self.route(call, path)
            finally:
                if fault is not None:   # apply_then_drop: the handler ran (and changed the state); the answer is lost
                    _drop_connection()
        except EmulatorError as err:
            response = respond(err.status, render(err, request_id, client_request_id), err.headers)
        except _Dropped:
            self.log(path, 0, started, call)
            raise
        self.decorate(response, flavour, request_id, client_request_id)
        if flavour != 'admin':
            self.log(path, response.status_code, started, call)
        if request.method == 'HEAD':
            response.set_data(b'')
        return response

    def route(self, call, path):
        try:
            found = self.router.match(path, request.method)
        except MethodNotAllowed:
            flavour = _flavour_of(path)
            raise EmulatorError(405, 'MethodNotAllowed' if flavour != GRAPH else 'Request_BadRequest',
                                f"The requested resource does not support http method '{request.method}'.",
                                flavour=flavour if flavour in (GRAPH, AAD) else ARM) from None
        if found is None:
            return self.not_found(path)
        route, values = found
        handler = route.handlers.get(request.method) or (route.handlers.get('GET') if request.method == 'HEAD' else None)
        if route.auth:
            call.claims = self.tokens.validate_bearer(request.headers.get('Authorization'), self.audiences(route.auth),
                                                      GRAPH if route.auth == 'graph' else ARM)
        with self.state.lock:   # handlers are short and in-memory: one at a time keeps the state consistent
            if route.api is not None:
                if not call.api_version:
                    raise missing_api_version()
                route.api(call, values)
            return handler(call, **values)

    def not_found(self, path):
        flavour = _flavour_of(path)
        if flavour == GRAPH:
            raise EmulatorError(400, 'BadRequest', f"Resource not found for the segment '{path.rstrip('/').rsplit('/', 1)[-1]}'.", flavour=GRAPH)
        provider = re.search(r'/providers/([^/]+)/([^/?]+)', path, re.IGNORECASE)
        if provider:
            raise EmulatorError(404, 'InvalidResourceType',
                                f"The resource type '{provider.group(2)}' could not be found in the namespace '{provider.group(1)}' "
                                f"for api version '{request.args.get('api-version', '')}'.")
        raise EmulatorError(404, 'NotFound', f"The requested path '{path}' was not found.", flavour=ARM if flavour != AAD else AAD)

    def apply_fault(self, path, flavour):
        with self.state.lock:
            fault = None
            for candidate in self.state.faults:
                if candidate['remaining'] <= 0:
                    continue
                if candidate['method'] and candidate['method'] != request.method:
                    continue
                if candidate['regex'].search(path):
                    candidate['remaining'] -= 1
                    fault = dict(candidate)
                    break
        if fault is None:
            return None
        if fault['kind'] == 'slow':
            time.sleep(float(fault.get('delay_seconds') or 0))
            return None
        if fault['kind'] == 'drop':
            _drop_connection()
        if fault['kind'] == 'apply_then_drop':
            return fault
        status = int(fault.get('status') or 500)
        headers = {'Retry-After': str(fault['retry_after'])} if fault.get('retry_after') is not None else {}
        codes = {429: ('TooManyRequests', 'The request is being throttled.'), 500: ('InternalServerError', 'Encountered internal server error.'),
                 503: ('ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.')}
        code, message = codes.get(status, ('InjectedFault', f'Injected fault with status {status}.'))
        code, message = fault.get('error_code') or code, fault.get('error_message') or message
        if flavour == AAD:
            raise EmulatorError(status, 'temporarily_unavailable', f'AADSTS50000: {message}', flavour=AAD, headers=headers, aad_codes=[50000])
        raise EmulatorError(status, code, message, flavour=GRAPH if flavour == GRAPH else ARM, headers=headers)

    def decorate(self, response, flavour, request_id, client_request_id):
        headers = response.headers
        headers['Cache-Control'] = 'no-cache'
        if flavour == GRAPH:
            headers['request-id'] = request_id
            headers['client-request-id'] = client_request_id or request_id
        else:
            headers['x-ms-request-id'] = request_id
            headers['x-ms-correlation-request-id'] = request.headers.get('x-ms-correlation-request-id') or request_id
            headers['x-ms-routing-request-id'] = f"WESTUS2:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}:{request_id}"
            if client_request_id:
                headers['x-ms-client-request-id'] = client_request_id
            if flavour == ARM:
                kind = RATE_LIMIT_KIND.get(request.method, 'reads')
                headers[f'x-ms-ratelimit-remaining-subscription-{kind}'] = RATE_LIMIT_REMAINING[kind]
        if response.status_code != 204 and 'Content-Type' not in headers:
            headers['Content-Type'] = 'application/json; charset=utf-8'

    def log(self, path, status, started, call):
        with self.state.lock:
            self.state.request_seq += 1
            self.state.requests.append({
                'seq': self.state.request_seq, 'time': now_iso(started), 'method': request.method, 'path': path,
                'query': request.query_string.decode('latin-1'), 'status': status,
                'duration_ms': round((time.time() - started) * 1000, 3), 'caller_oid': call.caller_oid})


class _Dropped(Exception):
    """Raised to abandon a request whose connection was closed on purpose (fault kind 'drop')."""


def create_app(state, tokens):
    app = Flask('twinops_emulator')
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    dispatcher = Dispatcher(state, tokens)

    def entry(path=''):
        return dispatcher.handle('/' + path)

    app.add_url_rule('/', 'root', entry, methods=METHODS, provide_automatic_options=False)
    app.add_url_rule('/<path:path>', 'any', entry, methods=METHODS, provide_automatic_options=False)

    @app.errorhandler(_Dropped)
    def _dropped(_exc):
        return respond(500, arm_body('ConnectionDropped', 'The connection was closed by an injected fault.'))

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return respond(exc.code or 500, arm_body(exc.name.replace(' ', ''), exc.description or exc.name))
        LOG.exception('unhandled error: %s', exc)
        return respond(500, arm_body('InternalServerError', 'Encountered internal server error.'))

    return app
