"""Wire-level behaviour: authentication errors, api-version handling, malformed input, unknown paths, headers."""

import socket
import ssl
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import ARM_SCOPE, GRAPH_SCOPE


@pytest.fixture(name='http')
def http_session(az):
    """requests.Session with the emulator CA and a valid ARM token, plus the URL helpers."""
    session = requests.Session()
    session.verify = az.ca
    session.trust_env = False
    session.headers['Authorization'] = 'Bearer ' + az.credential.get_token(ARM_SCOPE).token
    session.base = az.url
    session.sub = az.sub_scope
    return session


def forged_token(aud, exp_delta=3600, key=None, emu=None):
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {'iss': 'x', 'aud': aud, 'tid': 't', 'oid': str(uuid.uuid4()), 'sub': 's', 'iat': now, 'nbf': now, 'exp': now + exp_delta}
    del emu
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return jwt.encode(claims, pem, algorithm='RS256')


def emulator_signed(emu, aud, exp_delta):
    with open(f'{emu.state_dir}/signing-key.pem', 'rb') as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    return forged_token(aud, exp_delta, key=key)


def test_missing_and_bad_tokens_on_arm(emu, http):
    url = f'{http.base}{http.sub}/resourcegroups?api-version=2025-04-01'
    response = requests.get(url, verify=emu.ca_path, timeout=10)
    assert response.status_code == 401
    assert response.json()['error']['code'] == 'AuthenticationFailed'
    assert 'WWW-Authenticate' in response.headers and response.headers['x-ms-request-id']
    expired = emulator_signed(emu, 'https://management.azure.com/', -10)
    response = requests.get(url, verify=emu.ca_path, headers={'Authorization': f'Bearer {expired}'}, timeout=10)
    assert response.status_code == 401 and response.json()['error']['code'] == 'ExpiredAuthenticationToken'
    graph_token = emulator_signed(emu, 'https://graph.microsoft.com', 600)
    response = requests.get(url, verify=emu.ca_path, headers={'Authorization': f'Bearer {graph_token}'}, timeout=10)
    assert response.status_code == 401 and response.json()['error']['code'] == 'InvalidAuthenticationTokenAudience'
    foreign = forged_token('https://management.azure.com/')
    response = requests.get(url, verify=emu.ca_path, headers={'Authorization': f'Bearer {foreign}'}, timeout=10)
    assert response.status_code == 401 and response.json()['error']['code'] == 'InvalidAuthenticationToken'
    response = requests.get(url, verify=emu.ca_path, headers={'Authorization': 'Bearer not-a-jwt'}, timeout=10)
    assert response.status_code == 401 and response.json()['error']['code'] == 'InvalidAuthenticationToken'
    # both ARM audiences, with and without trailing slash, are accepted
    for aud in ('https://management.core.windows.net/', 'https://management.core.windows.net', 'https://management.azure.com'):
        token = emulator_signed(emu, aud, 600)
        assert requests.get(url, verify=emu.ca_path, headers={'Authorization': f'Bearer {token}'}, timeout=10).status_code in (200, 403)


def test_graph_token_errors_use_odata_shape(emu, az):
    url = f'{emu.url}/v1.0/users/alice@contoso.com'
    response = requests.get(url, verify=emu.ca_path, timeout=10)
    body = response.json()
    assert response.status_code == 401 and body['error']['code'] == 'InvalidAuthenticationToken'
    assert set(body['error']['innerError']) == {'date', 'request-id', 'client-request-id'}
    assert response.headers['request-id']
    arm = az.credential.get_token(ARM_SCOPE).token
    response = requests.get(url, verify=emu.ca_path, headers={'Authorization': f'Bearer {arm}'}, timeout=10)
    assert response.status_code == 401 and response.json()['error']['code'] == 'InvalidAuthenticationToken'
    for scope in (GRAPH_SCOPE, f'{emu.url}/.default'):
        token = az.credential.get_token(scope).token
        response = requests.get(url, verify=emu.ca_path, headers={'Authorization': f'Bearer {token}', 'client-request-id': 'abc'}, timeout=10)
        assert response.status_code == 200 and response.headers['client-request-id'] == 'abc'


def test_api_version_errors(http):
    response = http.get(f'{http.base}{http.sub}/resourcegroups/rg-x')
    expected = {'code': 'MissingApiVersionParameter', 'message': 'The api-version query parameter (?api-version=) is required for all requests.'}
    assert response.status_code == 400 and response.json() == {'error': expected}
    response = http.put(f'{http.base}{http.sub}/resourceGroups/rg-x/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt-x?api-version=2099-01-01',
                        json={'location': 'westus2'})
    assert response.status_code == 400 and response.json()['error']['code'] == 'NoRegisteredProviderFound'
    assert "API version '2099-01-01'" in response.json()['error']['message']
    response = http.get(f'{http.base}{http.sub}/providers/Microsoft.Authorization/roleAssignments?api-version=2099-01-01')
    assert response.status_code == 400 and response.json()['error']['code'] == 'InvalidApiVersionParameter'
    # resource groups accept any api-version (older SDKs)
    assert http.get(f'{http.base}{http.sub}/resourcegroups?api-version=2019-10-01').status_code == 200


def test_malformed_bodies_change_nothing(http, emu):
    url = f'{http.base}{http.sub}/resourcegroups/rg-bad?api-version=2025-04-01'
    for payload in (b'{"location": ', b'not json', b'[1, 2]', b'\xff\xfe'):
        response = http.put(url, data=payload, headers={'Content-Type': 'application/json'})
        assert response.status_code == 400, payload
        assert response.json()['error']['code'] == 'InvalidRequestContent'
        assert 'Traceback' not in response.text
    response = http.put(url, json={'location': 'westus2', 'tags': ['not', 'a', 'map']})
    assert response.status_code == 400
    http.put(url, json={'location': 'westus2'})
    dt = f'{http.base}{http.sub}/resourceGroups/rg-bad/providers/Microsoft.DigitalTwins/digitalTwinsInstances/dt-bad?api-version=2023-01-31'
    for payload in ({'location': 'westus2', 'identity': {'type': 'Magic'}}, {'location': 'westus2', 'properties': 'x'},
                    {'location': 'westus2', 'properties': {'publicNetworkAccess': 'Maybe'}}, {},
                    {'location': 'westus2', 'identity': 'SystemAssigned'}, {'location': 'westus2', 'identity': {'type': 'UserAssigned'}},
                    {'location': 'westus2', 'identity': {'type': 'UserAssigned', 'userAssignedIdentities': ['x']}}):
        assert http.put(dt, json=payload).status_code == 400, payload
    assert emu.state()['instances'] == []
    assignment = f'{http.base}{http.sub}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}?api-version=2022-04-01'
    assert http.put(assignment, json={'properties': {'principalId': 'nope', 'roleDefinitionId': 'x'}}).status_code == 400
    assert http.put(assignment, data=b'{', headers={'Content-Type': 'application/json'}).status_code == 400


def test_unknown_paths_and_methods(http):
    response = http.get(f'{http.base}{http.sub}/providers/Microsoft.Nothing/things/x?api-version=2020-01-01')
    assert response.status_code == 404 and response.json()['error']['code'] == 'InvalidResourceType'
    response = http.get(f'{http.base}/no/such/path')
    assert response.status_code == 404 and 'error' in response.json()
    response = http.post(f'{http.base}{http.sub}/resourcegroups/rg-x?api-version=2025-04-01', json={})
    assert response.status_code == 405 and response.json()['error']['code'] == 'MethodNotAllowed'
    response = http.delete(f'{http.base}{http.sub}/providers/Microsoft.DigitalTwins/locations/westus2/checkNameAvailability?api-version=2023-01-31')
    assert response.status_code == 405
    assert http.request('TRACE', f'{http.base}/metadata/endpoints').status_code in (404, 405)


def test_standard_headers(http):
    response = http.get(f'{http.base}{http.sub}/resourcegroups?api-version=2025-04-01', headers={'x-ms-correlation-request-id': 'corr-1'})
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'
    assert response.headers['x-ms-correlation-request-id'] == 'corr-1'
    uuid.UUID(response.headers['x-ms-request-id'])
    assert response.headers['x-ms-ratelimit-remaining-subscription-reads'] == '11999'
    head = http.head(f'{http.base}{http.sub}/resourcegroups/absent?api-version=2025-04-01')
    assert head.status_code == 404 and head.content == b''


def test_garbage_connection_does_not_hang_server(emu, http):
    port = int(emu.url.rsplit(':', 1)[1])
    with socket.create_connection(('127.0.0.1', port), timeout=5):  # silent client: no TLS hello at all
        started = time.time()
        assert http.get(f'{http.base}{http.sub}/resourcegroups?api-version=2025-04-01', timeout=10).status_code == 200
        assert time.time() - started < 5
    with socket.create_connection(('127.0.0.1', port), timeout=5) as raw:
        raw.sendall(b'GET / HTTP/1.1\r\n\r\n')  # plain text on a TLS port
        raw.settimeout(5)
        try:
            raw.recv(100)
        except (OSError, ssl.SSLError):
            pass
    context = ssl.create_default_context(cafile=emu.ca_path)
    with socket.create_connection(('127.0.0.1', port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname='127.0.0.1') as tls:
            tls.sendall(b'THIS IS NOT HTTP\r\n\r\n')
            tls.settimeout(5)
            answer = b''
            while len(answer) < 4096:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                answer += chunk
            assert b'400' in answer  # answered (Bad request syntax) and closed, no hang
    assert http.get(f'{http.base}{http.sub}/resourcegroups?api-version=2025-04-01').status_code == 200
