"""Admin API under /_emulator (JSON, no authentication): health, reset, request log, settings, faults and the state dump
(assembled from every provider); principals, federated tokens, behaviours and bulk data are the providers' admin hooks.
Admin calls are not written to the request log."""

import re
import uuid

from .arm_errors import bad_request
from .web import Route, respond

FAULT_KINDS = ('status', 'drop', 'apply_then_drop', 'slow')
ADMIN = 'admin'


def _body(call):
    return call.json_body(required=False)


def health(call):
    return respond(200, {'status': 'ok', 'base_url': call.base_url})


def reset(call):
    call.state.reset()
    return respond(200, {'reset': True})


def get_requests(call):
    since = call.request.args.get('since')
    try:
        since = int(since) if since not in (None, '') else None
    except ValueError:
        raise bad_request('InvalidParameter', "'since' must be an integer sequence number.") from None
    with call.state.lock:
        items = [dict(r) for r in call.state.requests if since is None or r['seq'] > since]
    return respond(200, items)


def clear_requests(call):
    with call.state.lock:
        call.state.requests.clear()
    return respond(200, {'cleared': True})


def settings(call):
    body = _body(call) if call.request.method == 'POST' else {}
    state = call.state
    unknown = set(body) - set(state.settings)
    if unknown:
        raise bad_request('InvalidParameter', f"Unknown settings {sorted(unknown)}; known settings are {sorted(state.settings)}.")
    with state.lock:
        for key, value in body.items():
            if value is not None and not isinstance(value, (int, float)):
                raise bad_request('InvalidParameter', f"Setting '{key}' must be a number.")
            state.settings[key] = value
        return respond(200, dict(state.settings))


def add_fault(call):
    body = _body(call)
    kind = body.get('kind')
    if kind not in FAULT_KINDS or not body.get('path_regex'):
        raise bad_request('InvalidParameter', f"'path_regex' is required and 'kind' must be one of {', '.join(FAULT_KINDS)}.")
    try:
        regex = re.compile(body['path_regex'], re.IGNORECASE)
    except re.error as exc:
        raise bad_request('InvalidParameter', f"'path_regex' is not a valid regular expression: {exc}.") from None
    status = body.get('status', 500 if kind == 'status' else None)
    if kind == 'status' and (not isinstance(status, int) or not 400 <= status <= 599):
        raise bad_request('InvalidParameter', "'status' must be an HTTP error status such as 429, 500 or 503.")
    fault = {'id': str(uuid.uuid4()), 'path_regex': body['path_regex'], 'regex': regex, 'method': (body.get('method') or '').upper() or None,
             'kind': kind, 'status': status, 'retry_after': body.get('retry_after'), 'remaining': int(body.get('count', 1)),
             'delay_seconds': float(body.get('delay_seconds') or 0),
             'error_code': body.get('error_code'), 'error_message': body.get('error_message')}
    with call.state.lock:
        call.state.faults.append(fault)
    return respond(201, {k: v for k, v in fault.items() if k != 'regex'})


def list_faults(call):
    with call.state.lock:
        return respond(200, [{k: v for k, v in f.items() if k != 'regex'} for f in call.state.faults])


def clear_faults(call):
    with call.state.lock:
        call.state.faults.clear()
    return respond(200, {'cleared': True})


def dump_state(call):
    state = call.state
    with state.lock:
        state.advance()
        body = {'tenant_id': state.tenant_id, 'subscription_id': state.subscription_id, 'settings': dict(state.settings)}
        for provider in state.providers:
            body.update(provider.dump(state, call))
        return respond(200, body)


ROUTES = [
    Route('/_emulator/health', {'GET': health}, flavour=ADMIN, auth=None),
    Route('/_emulator/reset', {'POST': reset}, flavour=ADMIN, auth=None),
    Route('/_emulator/requests', {'GET': get_requests, 'DELETE': clear_requests}, flavour=ADMIN, auth=None),
    Route('/_emulator/settings', {'GET': settings, 'POST': settings}, flavour=ADMIN, auth=None),
    Route('/_emulator/faults', {'GET': list_faults, 'POST': add_fault, 'DELETE': clear_faults}, flavour=ADMIN, auth=None),
    Route('/_emulator/state', {'GET': dump_state}, flavour=ADMIN, auth=None),
]   # each provider adds its own admin hooks (providers.admin_routes())
