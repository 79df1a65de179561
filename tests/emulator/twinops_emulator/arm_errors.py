"""The emulator's single exception type and the error body shapes of ARM, Microsoft Graph and Entra ID."""

import datetime
import uuid

ARM = 'arm'
GRAPH = 'graph'
AAD = 'aad'


class EmulatorError(Exception):
    """An error answer: HTTP status, service error code and message, rendered in the shape of `flavour`."""

    def __init__(self, status, code, message, flavour=ARM, headers=None, oauth_error=None, aad_codes=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.flavour = flavour
        self.headers = headers or {}
        self.oauth_error = oauth_error
        self.aad_codes = aad_codes or []


def arm_body(code, message):
    return {'error': {'code': code, 'message': message}}


def graph_body(code, message, request_id, client_request_id):
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')
    return {'error': {'code': code, 'message': message,
                      'innerError': {'date': now, 'request-id': request_id, 'client-request-id': client_request_id}}}


def aad_body(error, description, codes, correlation_id):
    now = datetime.datetime.now(datetime.timezone.utc)
    trace_id = str(uuid.uuid4())
    stamp = now.strftime('%Y-%m-%d %H:%M:%SZ')
    text = f'{description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {stamp}'
    return {'error': error, 'error_description': text, 'error_codes': codes, 'timestamp': stamp,
            'trace_id': trace_id, 'correlation_id': correlation_id,
            'error_uri': f'https://login.microsoftonline.com/error?code={codes[0]}' if codes else None}


def render(err, request_id, client_request_id):
    """Body of an EmulatorError in its service's shape."""
    if err.flavour == GRAPH:
        return graph_body(err.code, err.message, request_id, client_request_id)
    if err.flavour == AAD:
        return aad_body(err.oauth_error or err.code, err.message, err.aad_codes, client_request_id or request_id)
    return arm_body(err.code, err.message)


# ---- ARM errors used in several places -------------------------------------------------------------------------

def resource_group_not_found(rg):
    return EmulatorError(404, 'ResourceGroupNotFound', f"Resource group '{rg}' could not be found.")


def subscription_not_found(sub):
    return EmulatorError(404, 'SubscriptionNotFound', f"The subscription '{sub}' could not be found.")


def resource_not_found(resource_type, name, rg):
    return EmulatorError(404, 'ResourceNotFound',
                         f"The Resource '{resource_type}/{name}' under resource group '{rg}' was not found. "
                         'For more details please go to https://aka.ms/ARMResourceNotFoundFix')


def authorization_failed(oid, action, scope):
    return EmulatorError(403, 'AuthorizationFailed',
                         f"The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' "
                         'or the scope is invalid. If access was recently granted, please refresh your credentials.')


def invalid_request_content(detail):
    return EmulatorError(400, 'InvalidRequestContent', f"The request content was invalid and could not be deserialized: '{detail}'.")


def bad_request(code, message):
    return EmulatorError(400, code, message)


def missing_api_version():
    return EmulatorError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.')


def graph_error(status, code, message):
    return EmulatorError(status, code, message, flavour=GRAPH)


def graph_not_found(object_id):
    return graph_error(404, 'Request_ResourceNotFound',
                       f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not present.")


def aad_error(status, error, code, description):
    return EmulatorError(status, error, f'AADSTS{code}: {description}', flavour=AAD, oauth_error=error, aad_codes=[code])
