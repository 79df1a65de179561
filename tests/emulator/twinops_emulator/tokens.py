"""Access tokens (JWT RS256) issued by the emulated Entra ID, and validation of bearer tokens and client assertions."""

import base64
import datetime
import json
import time
import uuid

import jwt

from .arm_errors import EmulatorError, GRAPH

TOKEN_LIFETIME = 3600
EXPIRES_IN = 3599
ARM_AUDIENCES = ('https://management.core.windows.net/', 'https://management.azure.com/')
GRAPH_AUDIENCE = 'https://graph.microsoft.com'
FEDERATION_AUDIENCE = 'api://AzureADTokenExchange'
KEY_ID = 'twinops-emulator-1'


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def _b64url_int(value):
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, 'big'))


class TokenService:
    """Signs and checks tokens with the emulator's RSA key."""

    def __init__(self, signing_key, base_url):
        self.key = signing_key
        self.public_key = signing_key.public_key()
        self.base_url = base_url

    def jwks(self):
        numbers = self.public_key.public_numbers()
        return {'keys': [{'kty': 'RSA', 'use': 'sig', 'kid': KEY_ID, 'alg': 'RS256', 'n': _b64url_int(numbers.n), 'e': _b64url_int(numbers.e)}]}

    def issuer(self, tenant_id):
        return f'{self.base_url}/{tenant_id}/v2.0'

    def issue(self, tenant_id, principal, scope, lifetime=TOKEN_LIFETIME):
        """Access token for `principal` (a directory object dict) and the first scope of the request."""
        audience = scope[:-len('/.default')] if scope.endswith('/.default') else scope
        now = int(time.time())
        claims = {'iss': self.issuer(tenant_id), 'aud': audience, 'tid': tenant_id, 'oid': principal['id'], 'sub': principal['id'],
                  'iat': now, 'nbf': now, 'exp': now + lifetime, 'uti': str(uuid.uuid4()), 'ver': '2.0'}
        if principal['kind'] == 'servicePrincipal':
            claims.update({'appid': principal['appId'], 'azp': principal['appId'], 'idtyp': 'app'})
        else:
            claims.update({'appid': principal.get('login_client_id', ''), 'upn': principal.get('userPrincipalName'), 'idtyp': 'user'})
        return jwt.encode(claims, self.key, algorithm='RS256', headers={'kid': KEY_ID})

    def mint_federated(self, subject, audience=FEDERATION_AUDIENCE, lifetime=600):
        now = int(time.time())
        claims = {'iss': f'{self.base_url}/federation', 'sub': subject, 'aud': audience, 'iat': now, 'nbf': now, 'exp': now + lifetime,
                  'jti': str(uuid.uuid4())}
        return jwt.encode(claims, self.key, algorithm='RS256', headers={'kid': KEY_ID})

    def verify_federated(self, assertion):
        """Claims of a federation token signed by this emulator; raises jwt.PyJWTError when invalid."""
        return jwt.decode(assertion, self.public_key, algorithms=['RS256'], audience=FEDERATION_AUDIENCE, options={'require': ['exp', 'iss', 'sub']})

    def validate_bearer(self, header, audiences, flavour):
        """Claims of a valid bearer token for one of `audiences` (compared without trailing slash), else EmulatorError 401."""
        if not header:
            if flavour == GRAPH:
                raise _unauthorized(flavour, 'InvalidAuthenticationToken', 'Access token is empty.')
            raise _unauthorized(flavour, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.")
        scheme, _sep, token = header.partition(' ')
        if scheme.lower() != 'bearer' or not token.strip():
            raise _unauthorized(flavour, 'AuthenticationFailed' if flavour != GRAPH else 'InvalidAuthenticationToken',
                                "Authentication failed. The 'Authorization' header is provided in an invalid format.")
        token = token.strip()
        try:
            claims = jwt.decode(token, self.public_key, algorithms=['RS256'], options={'verify_aud': False, 'verify_exp': False})
        except jwt.PyJWTError:
            message = 'Access token validation failure.' if flavour == GRAPH else 'The access token is invalid.'
            raise _unauthorized(flavour, 'InvalidAuthenticationToken', message) from None
        allowed = {a.rstrip('/').lower() for a in audiences}
        aud = str(claims.get('aud', ''))
        if aud.rstrip('/').lower() not in allowed:
            if flavour == GRAPH:
                raise _unauthorized(flavour, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.')
            listed = ','.join(f"'{a}'" for a in _with_and_without_slash(audiences))
            raise _unauthorized(flavour, 'InvalidAuthenticationTokenAudience',
                                f"The access token has been obtained for wrong audience or resource '{aud}'. "
                                f'It should exactly match with one of the allowed audiences {listed}.')
        if int(claims.get('exp', 0)) <= time.time():
            if flavour == GRAPH:
                raise _unauthorized(flavour, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.')
            expired = _dotnet_time(claims['exp'])
            current = _dotnet_time(time.time())
            raise _unauthorized(flavour, 'ExpiredAuthenticationToken',
                                f"The access token expiry UTC time '{expired}' is earlier than current UTC time '{current}'.")
        return claims


def _with_and_without_slash(audiences):
    out = []
    for aud in audiences:
        out.extend([aud, aud.rstrip('/')] if aud.endswith('/') else [aud])
    return out


def _dotnet_time(epoch):
    value = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return value.strftime('%m/%d/%Y %I:%M:%S %p').lstrip('0')


def _unauthorized(flavour, code, message):
    headers = {}
    if flavour != GRAPH:
        headers['WWW-Authenticate'] = f'Bearer authorization_uri="", error="invalid_token", error_description="{message}"'
    return EmulatorError(401, code, message, flavour=flavour, headers=headers)


def unverified_header(token):
    """JOSE header of a JWT without verifying it; None when it is not a JWT."""
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return None


def unverified_claims(token):
    try:
        payload = token.split('.')[1]
        return json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
