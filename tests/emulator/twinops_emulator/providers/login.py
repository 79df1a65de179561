"""Emulated Entra ID: OpenID configuration, signing keys, the OAuth2 token endpoint (v2.0 and v1), the federation issuer
and its admin hook that mints federated tokens."""

import base64
import time

import jwt
from cryptography import x509

from ..arm_errors import AAD, aad_error, bad_request
from ..tls import thumbprints
from ..tokens import EXPIRES_IN, unverified_claims, unverified_header
from ..web import Route, respond
from .base import Provider

ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
NON_RESOURCE_SCOPES = {'openid', 'profile', 'offline_access', 'email'}


def _tenant(call, tenant):
    state = call.state
    if tenant.lower() in (state.tenant_id.lower(), state.tenant_domain.lower()):
        return state.tenant_id
    raise aad_error(400, 'invalid_tenant' if call.request.method == 'GET' else 'invalid_request', 90002,
                    f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. "
                    'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.')


def openid_configuration(call, tenant, v2=True):
    tenant_id = _tenant(call, tenant)
    base = call.base_url
    suffix = '/v2.0' if v2 else ''
    return respond(200, {
        'token_endpoint': f'{base}/{tenant_id}/oauth2{suffix}/token',
        'token_endpoint_auth_methods_supported': ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        'jwks_uri': f'{base}/{tenant_id}/discovery{suffix}/keys',
        'response_modes_supported': ['query', 'fragment', 'form_post'],
        'subject_types_supported': ['pairwise'],
        'id_token_signing_alg_values_supported': ['RS256'],
        'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
        'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
        'issuer': f'{base}/{tenant_id}/v2.0' if v2 else f'{base}/{tenant_id}/',
        'request_uri_parameter_supported': False,
        'userinfo_endpoint': f'{base}/oidc/userinfo',
        'authorization_endpoint': f'{base}/{tenant_id}/oauth2{suffix}/authorize',
        'device_authorization_endpoint': f'{base}/{tenant_id}/oauth2{suffix}/devicecode',
        'http_logout_supported': True,
        'frontchannel_logout_supported': True,
        'end_session_endpoint': f'{base}/{tenant_id}/oauth2{suffix}/logout',
        'claims_supported': ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'oid', 'tid', 'appid'],
        'tenant_region_scope': 'NA',
        'cloud_instance_name': 'microsoftonline.com',
        'cloud_graph_host_name': 'graph.windows.net',
        'msgraph_host': call.base_url.split('//', 1)[1],
    })


def openid_configuration_v1(call, tenant):
    return openid_configuration(call, tenant, v2=False)


def keys(call, tenant):
    _tenant(call, tenant)
    return respond(200, call.tokens.jwks())


def federation_configuration(call):
    return respond(200, {'issuer': f'{call.base_url}/federation', 'jwks_uri': f'{call.base_url}/federation/keys',
                         'response_types_supported': ['id_token'], 'subject_types_supported': ['public'],
                         'id_token_signing_alg_values_supported': ['RS256']})


def federation_keys(call):
    return respond(200, call.tokens.jwks())


def _resource_scope(call, form, v2):
    if not v2:
        resource = form.get('resource')
        if not resource:
            raise aad_error(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'resource'.")
        return resource.rstrip('/') + '/.default' if not resource.endswith('/.default') else resource
    scopes = [s for s in (form.get('scope') or '').split() if s.lower() not in NON_RESOURCE_SCOPES]
    if not scopes:
        raise aad_error(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.")
    scope = scopes[0]
    if form.get('grant_type') == 'client_credentials' and not scope.endswith('/.default'):
        raise aad_error(400, 'invalid_scope', 1002012,
                        f'The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default '
                        'suffixed to the resource identifier (application ID URI).')
    del call
    return scope


def _check_certificate_assertion(app, assertion, header, client_id):
    wanted = str(header.get('x5t#S256') or header.get('x5t')).replace('+', '-').replace('/', '_').rstrip('=')
    cert = None
    for pem in app.get('_certs', []):
        candidate = x509.load_pem_x509_certificate(pem)
        sha1, sha256 = thumbprints(candidate)
        if wanted in (_b64(sha1), _b64(sha256)):
            cert = candidate
            break
    if cert is None:
        raise aad_error(401, 'invalid_client', 700027,
                        f"Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{wanted}']")
    try:
        claims = jwt.decode(assertion, cert.public_key(), algorithms=['RS256', 'PS256'], options={'verify_aud': False, 'require': ['exp']})
    except jwt.ExpiredSignatureError:
        raise aad_error(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.') from None
    except jwt.PyJWTError:
        raise aad_error(401, 'invalid_client', 700027, 'Client assertion failed signature validation.') from None
    if claims.get('iss') != client_id or claims.get('sub') != client_id:
        raise aad_error(401, 'invalid_client', 700023, 'Client assertion audience claim does not match Realm issuer.')


def _check_federated_assertion(call, app, assertion):
    try:
        claims = call.tokens.verify_federated(assertion)
    except jwt.ExpiredSignatureError:
        raise aad_error(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.') from None
    except jwt.PyJWTError:
        unverified = unverified_claims(assertion) or {}
        raise aad_error(401, 'invalid_client', 700027,
                        f"Client assertion failed signature validation. Assertion issuer: '{unverified.get('iss')}'.") from None
    for credential in app.get('_federated', []):
        if credential['issuer'] == claims['iss'] and credential['subject'] == claims['sub']:
            return
    raise aad_error(400, 'invalid_request', 70021,
                    f"No matching federated identity record found for presented assertion. Assertion Issuer: '{claims['iss']}'. "
                    f"Assertion Subject: '{claims['sub']}'. Assertion Audience: '{claims.get('aud')}'.")


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode('ascii')


def _authenticate_app(call, form):
    client_id = form.get('client_id')
    if not client_id:
        raise aad_error(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.")
    app = call.state.directory.by_app_id.get(client_id.lower())
    if app is None:
        raise aad_error(400, 'unauthorized_client', 700016,
                        f"Application with identifier '{client_id}' was not found in the directory '{call.state.seed['tenant']['display_name']}'. "
                        'This can happen if the application has not been installed by the administrator of the tenant or consented to by any user '
                        'in the tenant. You may have sent your authentication request to the wrong tenant.')
    secret = form.get('client_secret')
    assertion = form.get('client_assertion')
    if secret is not None:
        if secret not in app['_secrets']:
            raise aad_error(401, 'invalid_client', 7000215,
                            'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, '
                            f"not the client secret ID, for a secret added to app '{client_id}'.")
        return app
    if assertion is not None:
        if form.get('client_assertion_type') != ASSERTION_TYPE:
            raise aad_error(400, 'invalid_request', 50027, 'JWT token is invalid or malformed (client_assertion_type).')
        header = unverified_header(assertion)
        if header is None:
            raise aad_error(401, 'invalid_client', 700027, 'Client assertion failed signature validation.')
        if header.get('x5t') or header.get('x5t#S256'):
            _check_certificate_assertion(app, assertion, header, client_id)
        else:
            _check_federated_assertion(call, app, assertion)
        return app
    raise aad_error(401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")


def _authenticate_user(call, form):
    username = form.get('username') or ''
    user = call.state.directory.by_upn.get(username.lower())
    if user is None or not user.get('_password') or user['_password'] != form.get('password'):
        raise aad_error(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.')
    return dict(user, login_client_id=form.get('client_id', ''))


def token(call, tenant, v2=True):
    with call.state.lock:
        tenant_id = _tenant(call, tenant)
        form = call.request.form
        grant = form.get('grant_type')
        if grant == 'client_credentials':
            principal = _authenticate_app(call, form)
        elif grant == 'password':
            principal = _authenticate_user(call, form)
        else:
            raise aad_error(400, 'unsupported_grant_type', 70003, f"The app requested an unsupported grant type '{grant}'.")
        scope = _resource_scope(call, form, v2)
    access_token = call.tokens.issue(tenant_id, principal, scope)
    if v2:
        return respond(200, {'token_type': 'Bearer', 'expires_in': EXPIRES_IN, 'ext_expires_in': EXPIRES_IN, 'access_token': access_token})
    now = int(time.time())
    return respond(200, {'token_type': 'Bearer', 'expires_in': str(EXPIRES_IN), 'ext_expires_in': str(EXPIRES_IN), 'expires_on': str(now + EXPIRES_IN),
                         'not_before': str(now), 'resource': scope[:-len('/.default')], 'access_token': access_token})


def token_v1(call, tenant):
    return token(call, tenant, v2=False)


def admin_federated_token(call):
    """POST /_emulator/federated-token: a token from the emulator's /federation issuer for an application's federated credential."""
    body = call.json_body(required=False)
    client_id = body.get('client_id') or ''
    with call.state.lock:
        app = call.state.directory.by_app_id.get(client_id.lower())
        credentials = list(app.get('_federated', [])) if app else []
    if not credentials:
        raise bad_request('InvalidParameter', f"No application with a federated credential has client_id '{client_id}'.")
    subject = body.get('subject') or credentials[0]['subject']
    return respond(200, {'token': call.tokens.mint_federated(subject), 'issuer': f'{call.base_url}/federation', 'subject': subject})


class Login(Provider):
    """Not an ARM provider: sign-in for every principal of the directory."""
    name = 'Microsoft.EntraID'
    order = -20
    routes = (
        Route('/federation/.well-known/openid-configuration', {'GET': federation_configuration}, flavour=AAD, auth=None),
        Route('/federation/keys', {'GET': federation_keys}, flavour=AAD, auth=None),
        Route('/<tenant:tenant>/v2.0/.well-known/openid-configuration', {'GET': openid_configuration}, flavour=AAD, auth=None),
        Route('/<tenant:tenant>/.well-known/openid-configuration', {'GET': openid_configuration_v1}, flavour=AAD, auth=None),
        Route('/<tenant:tenant>/discovery/keys', {'GET': keys}, flavour=AAD, auth=None),
        Route('/<tenant:tenant>/discovery/v2.0/keys', {'GET': keys}, flavour=AAD, auth=None),
        Route('/<tenant:tenant>/oauth2/v2.0/token', {'POST': token}, flavour=AAD, auth=None),
        Route('/<tenant:tenant>/oauth2/token', {'POST': token_v1}, flavour=AAD, auth=None),
    )
    admin_routes = (Route('/_emulator/federated-token', {'POST': admin_federated_token}, flavour='admin', auth=None),)


PROVIDER = Login()
