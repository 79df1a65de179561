"""Emulated Entra ID: azure-identity credentials (secret, certificate, federated assertion) and AADSTS errors."""

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientAssertionCredential, ClientSecretCredential

from conftest import ARM_SCOPE, GRAPH_SCOPE, seed_principal


def secret_credential(emu, client_id, secret, tenant=None):
    return ClientSecretCredential(tenant or emu.env['AZURE_TENANT'], client_id, secret, authority=emu.url, disable_instance_discovery=True,
                                  connection_verify=emu.ca_path)


def post_form(emu, path, form):
    request = urllib.request.Request(emu.url + path, data=urllib.parse.urlencode(form).encode(), method='POST',
                                     headers={'Content-Type': 'application/x-www-form-urlencoded'})
    try:
        with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=emu.ca_path), timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_client_secret_token_claims(emu):
    token = secret_credential(emu, emu.env['AZURE_CLIENT_ID'], emu.env['AZURE_SECRET']).get_token(ARM_SCOPE)
    assert 3500 < token.expires_on - time.time() <= 3600
    claims = jwt.decode(token.token, options={'verify_signature': False})
    automation = seed_principal(emu, 'automation')
    assert claims['aud'] == 'https://management.azure.com'
    assert claims['tid'] == emu.env['AZURE_TENANT']
    assert claims['oid'] == automation['id'] and claims['sub'] == automation['id']
    assert claims['appid'] == automation['app_id']
    assert claims['exp'] - claims['iat'] == 3600 and claims['nbf'] == claims['iat']
    assert claims['iss'].startswith(emu.url)
    assert jwt.get_unverified_header(token.token)['alg'] == 'RS256'
    # the token endpoint saw the secret in the body, never in the request log
    log = json.dumps(emu.requests())
    assert emu.env['AZURE_SECRET'] not in log


def test_token_is_signed_by_published_key(emu):
    token = secret_credential(emu, emu.env['AZURE_CLIENT_ID'], emu.env['AZURE_SECRET']).get_token(GRAPH_SCOPE).token
    client = jwt.PyJWKClient(f"{emu.url}/{emu.env['AZURE_TENANT']}/discovery/v2.0/keys", ssl_context=ssl.create_default_context(cafile=emu.ca_path))
    claims = jwt.decode(token, client.get_signing_key_from_jwt(token).key, algorithms=['RS256'], audience='https://graph.microsoft.com')
    assert claims['aud'] == 'https://graph.microsoft.com'


def test_wrong_secret_is_aadsts7000215(emu):
    with pytest.raises(ClientAuthenticationError) as info:
        secret_credential(emu, emu.env['AZURE_CLIENT_ID'], 'not-the-secret').get_token(ARM_SCOPE)
    assert 'AADSTS7000215' in str(info.value)
    status, body = post_form(emu, f"/{emu.env['AZURE_TENANT']}/oauth2/v2.0/token",
                             {'client_id': emu.env['AZURE_CLIENT_ID'], 'grant_type': 'client_credentials', 'client_secret': 'x', 'scope': ARM_SCOPE})
    assert status == 401
    assert body['error'] == 'invalid_client' and body['error_codes'] == [7000215]
    assert body['error_description'].startswith('AADSTS7000215: Invalid client secret provided.')
    assert {'timestamp', 'trace_id', 'correlation_id'} <= set(body)
    assert 'not-the-secret' not in json.dumps(body)


def test_unknown_client_is_aadsts700016(emu):
    with pytest.raises(ClientAuthenticationError) as info:
        secret_credential(emu, '00000000-0000-4000-8000-00000000dead', 'x').get_token(ARM_SCOPE)
    assert 'AADSTS700016' in str(info.value)
    status, body = post_form(emu, f"/{emu.env['AZURE_TENANT']}/oauth2/v2.0/token",
                             {'client_id': '00000000-0000-4000-8000-00000000dead', 'grant_type': 'client_credentials', 'client_secret': 'x',
                              'scope': ARM_SCOPE})
    assert (status, body['error'], body['error_codes']) == (400, 'unauthorized_client', [700016])


def test_unknown_tenant_is_aadsts90002(emu):
    with pytest.raises((ClientAuthenticationError, ValueError)) as info:
        secret_credential(emu, emu.env['AZURE_CLIENT_ID'], emu.env['AZURE_SECRET'], tenant='00000000-0000-4000-8000-0000000000ff').get_token(ARM_SCOPE)
    assert 'Unable to get authority configuration' in str(info.value) or 'AADSTS90002' in str(info.value)
    status, body = post_form(emu, '/00000000-0000-4000-8000-0000000000ff/oauth2/v2.0/token',
                             {'client_id': emu.env['AZURE_CLIENT_ID'], 'grant_type': 'client_credentials', 'client_secret': 'x', 'scope': ARM_SCOPE})
    assert status == 400 and body['error_codes'] == [90002] and body['error'] == 'invalid_request'


def test_tenant_domain_is_accepted(emu):
    token = secret_credential(emu, emu.env['AZURE_CLIENT_ID'], emu.env['AZURE_SECRET'], tenant='contoso.onmicrosoft.com').get_token(ARM_SCOPE)
    assert jwt.decode(token.token, options={'verify_signature': False})['tid'] == emu.env['AZURE_TENANT']


def test_scope_without_default_suffix_is_rejected(emu):
    status, body = post_form(emu, f"/{emu.env['AZURE_TENANT']}/oauth2/v2.0/token",
                             {'client_id': emu.env['AZURE_CLIENT_ID'], 'grant_type': 'client_credentials', 'client_secret': emu.env['AZURE_SECRET'],
                              'scope': 'https://management.azure.com/user_impersonation'})
    assert status == 400 and body['error_codes'] == [1002012]


def test_certificate_credential(emu):
    credential = CertificateCredential(emu.env['AZURE_TENANT'], emu.env['AZURE_CLIENT_ID'], f'{emu.state_dir}/automation-cert.pem', authority=emu.url,
                                       disable_instance_discovery=True, connection_verify=emu.ca_path)
    claims = jwt.decode(credential.get_token(ARM_SCOPE).token, options={'verify_signature': False})
    assert claims['appid'] == emu.env['AZURE_CLIENT_ID']


def test_certificate_of_another_app_is_rejected(emu):
    limited = seed_principal(emu, 'limited')
    credential = CertificateCredential(emu.env['AZURE_TENANT'], limited['app_id'], f'{emu.state_dir}/automation-cert.pem', authority=emu.url,
                                       disable_instance_discovery=True, connection_verify=emu.ca_path)
    with pytest.raises(ClientAuthenticationError) as info:
        credential.get_token(ARM_SCOPE)
    assert 'AADSTS700027' in str(info.value)


def test_federated_assertion(emu):
    token = emu.federated_token(emu.env['AZURE_CLIENT_ID'])
    credential = ClientAssertionCredential(emu.env['AZURE_TENANT'], emu.env['AZURE_CLIENT_ID'], lambda: token, authority=emu.url,
                                           disable_instance_discovery=True, connection_verify=emu.ca_path)
    claims = jwt.decode(credential.get_token(ARM_SCOPE).token, options={'verify_signature': False})
    assert claims['oid'] == seed_principal(emu, 'automation')['id']


def test_federated_assertion_with_other_subject_or_forged_is_rejected(emu):
    other = emu.federated_token(emu.env['AZURE_CLIENT_ID'], subject='repo:someone/else:ref:refs/heads/main')
    credential = ClientAssertionCredential(emu.env['AZURE_TENANT'], emu.env['AZURE_CLIENT_ID'], lambda: other, authority=emu.url,
                                           disable_instance_discovery=True, connection_verify=emu.ca_path)
    with pytest.raises(ClientAuthenticationError) as info:
        credential.get_token(ARM_SCOPE)
    assert 'AADSTS70021' in str(info.value)
    forged = jwt.encode({'iss': f'{emu.url}/federation', 'sub': 'repo:twinops/digital_twins:environment:emulator', 'aud': 'api://AzureADTokenExchange',
                         'exp': int(time.time()) + 300}, 'a-key-that-the-emulator-does-not-know-about', algorithm='HS256')
    credential = ClientAssertionCredential(emu.env['AZURE_TENANT'], emu.env['AZURE_CLIENT_ID'], lambda: forged, authority=emu.url,
                                           disable_instance_discovery=True, connection_verify=emu.ca_path)
    with pytest.raises(ClientAuthenticationError) as info:
        credential.get_token(ARM_SCOPE)
    assert 'AADSTS700027' in str(info.value)


def test_password_grant_for_seeded_user(emu):
    # MSAL's user-realm discovery drops the authority port, so the grant is exercised on the wire directly.
    alice = seed_principal(emu, 'alice')
    form = {'client_id': '04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'grant_type': 'password', 'username': alice['user_principal_name'],
            'password': alice['password'], 'scope': ARM_SCOPE}
    status, body = post_form(emu, f"/{emu.env['AZURE_TENANT']}/oauth2/v2.0/token", form)
    assert status == 200
    claims = jwt.decode(body['access_token'], options={'verify_signature': False})
    assert claims['oid'] == alice['id'] and claims['upn'] == alice['user_principal_name']
    status, body = post_form(emu, f"/{emu.env['AZURE_TENANT']}/oauth2/v2.0/token", dict(form, password='wrong'))
    assert status == 400 and body['error'] == 'invalid_grant' and body['error_codes'] == [50126]


def test_v1_endpoints(emu):
    status, config = post_form(emu, f"/{emu.env['AZURE_TENANT']}/oauth2/token",
                               {'client_id': emu.env['AZURE_CLIENT_ID'], 'grant_type': 'client_credentials', 'client_secret': emu.env['AZURE_SECRET'],
                                'resource': 'https://management.azure.com/'})
    assert status == 200 and config['token_type'] == 'Bearer' and config['expires_in'] == '3599'
    assert jwt.decode(config['access_token'], options={'verify_signature': False})['aud'] == 'https://management.azure.com'
    with urllib.request.urlopen(f"{emu.url}/{emu.env['AZURE_TENANT']}/.well-known/openid-configuration",
                                context=ssl.create_default_context(cafile=emu.ca_path), timeout=10) as response:
        assert json.loads(response.read())['token_endpoint'].endswith('/oauth2/token')
