"""The command line (start/stop in the background), the env file and the metadata endpoint."""

import json
import os
import shlex
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args):
    env = dict(os.environ, PYTHONPATH=PACKAGE_ROOT)
    return subprocess.run([sys.executable, '-m', 'twinops_emulator', *args], capture_output=True, text=True, env=env, timeout=90, check=False)


def get_json(url, ca):
    with urllib.request.urlopen(url, context=ssl.create_default_context(cafile=ca), timeout=10) as response:
        return response.status, response.headers, json.loads(response.read())


def test_start_writes_env_and_stop_stops(tmp_path):
    state_dir = str(tmp_path / 'state')
    result = run_cli('start', '--state-dir', state_dir, '--provisioning-delay', '0.5')
    try:
        assert result.returncode == 0, result.stderr
        assert os.path.join(state_dir, 'env') in result.stdout
        with open(os.path.join(state_dir, 'env.json'), encoding='utf-8') as handle:
            env = json.load(handle)
        assert set(env) == {'AZURE_CLOUD_ENVIRONMENT', 'AZURE_SUBSCRIPTION_ID', 'AZURE_TENANT', 'AZURE_CLIENT_ID', 'AZURE_SECRET',
                            'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'TWINOPS_EMULATOR_ADMIN_URL'}
        assert env['AZURE_CLOUD_ENVIRONMENT'].startswith('https://127.0.0.1:')
        assert env['TWINOPS_EMULATOR_ADMIN_URL'] == env['AZURE_CLOUD_ENVIRONMENT'] + '/_emulator'
        assert env['SSL_CERT_FILE'] == env['REQUESTS_CA_BUNDLE'] == os.path.join(state_dir, 'ca.pem')
        # the shell file carries the same values
        sourced = subprocess.run(['bash', '-c', f'source {shlex.quote(os.path.join(state_dir, "env"))} && env'], capture_output=True, text=True,
                                 check=True).stdout
        for name, value in env.items():
            assert f'{name}={value}\n' in sourced
        for name in ('ca.pem', 'ca.key', 'pid', 'emulator.log', 'automation-cert.pem'):
            assert os.path.exists(os.path.join(state_dir, name)), name
        status, _headers, body = get_json(env['TWINOPS_EMULATOR_ADMIN_URL'] + '/health', env['SSL_CERT_FILE'])
        assert status == 200 and body['status'] == 'ok'
        with open(os.path.join(state_dir, 'ca.pem'), 'rb') as handle:
            first_ca = handle.read()
    finally:
        stopped = run_cli('stop', '--state-dir', state_dir)
    assert stopped.returncode == 0 and 'stopped' in stopped.stdout
    assert not os.path.exists(os.path.join(state_dir, 'pid'))
    again = run_cli('stop', '--state-dir', state_dir)
    assert again.returncode == 0 and 'not running' in again.stdout
    # the CA is reused by the next start
    result = run_cli('start', '--state-dir', state_dir)
    try:
        assert result.returncode == 0, result.stderr
        with open(os.path.join(state_dir, 'ca.pem'), 'rb') as handle:
            assert handle.read() == first_ca
    finally:
        run_cli('stop', '--state-dir', state_dir)


def test_cli_rejects_missing_state_dir():
    result = run_cli('start')
    assert result.returncode != 0
    assert '--state-dir' in result.stderr


@pytest.mark.parametrize('version', ['2022-09-01', '2019-05-01', '2018-01-01', '2015-01-01'])
def test_metadata_endpoints_forms(emulator, version):
    status, headers, body = get_json(f'{emulator.url}/metadata/endpoints?api-version={version}', emulator.ca_path)
    assert status == 200
    assert headers['Content-Type'] == 'application/json; charset=utf-8'
    audiences = ['https://management.core.windows.net/', 'https://management.azure.com/', emulator.url + '/']
    if version == '2019-05-01':
        assert isinstance(body, list) and len(body) == 1
        cloud = body[0]
        assert cloud['resourceManager'] == emulator.url + '/'
        assert cloud['authentication']['loginEndpoint'] == emulator.url + '/'
        assert cloud['authentication']['audiences'] == audiences
        assert cloud['graph'] == emulator.url + '/'
        assert {'portal', 'media', 'graphAudience', 'name', 'suffixes', 'batch', 'vmImageAliasDoc', 'activeDirectoryDataLake', 'sqlManagement',
                'gallery'} <= set(cloud)
    elif version == '2022-09-01':
        assert isinstance(body, dict)
        assert body['resourceManager'] == emulator.url + '/'
        assert body['microsoftGraphResourceId'] == emulator.url + '/'
        assert body['authentication']['audiences'] == audiences
        assert body['name'] == 'AzureCloud'
        assert {'appInsightsResourceId', 'logAnalyticsResourceId', 'ossrDbmsResourceId', 'attestationResourceId', 'synapseAnalyticsResourceId'} <= set(body)
    else:
        assert body['authentication']['loginEndpoint'] == emulator.url + '/'
        assert body['authentication']['audiences'] == audiences
        assert body['graphEndpoint'] == emulator.url + '/'
        assert ('graphAudience' in body) == (version == '2018-01-01')


def test_metadata_with_doubled_slash(emulator):
    # msrestazure concatenates arm_url + '/metadata/endpoints...' even when arm_url ends in '/'
    status, _headers, body = get_json(f'{emulator.url}//metadata/endpoints?api-version=2015-01-01', emulator.ca_path)
    assert status == 200 and body['authentication']['loginEndpoint'] == emulator.url + '/'


def test_metadata_rejects_unknown_version(emulator):
    with pytest.raises(urllib.error.HTTPError) as info:
        get_json(f'{emulator.url}/metadata/endpoints?api-version=1999-01-01', emulator.ca_path)
    assert info.value.code == 400
    assert json.loads(info.value.read())['error']['code'] == 'InvalidApiVersionParameter'


def test_server_certificate_is_for_loopback(emulator):
    context = ssl.create_default_context(cafile=emulator.ca_path)
    for host in ('127.0.0.1', 'localhost'):
        port = emulator.url.rsplit(':', 1)[1]
        with urllib.request.urlopen(f'https://{host}:{port}/_emulator/health', context=context, timeout=10) as response:
            assert response.status == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(emulator.url + '/_emulator/health', context=ssl.create_default_context(), timeout=10)  # pylint: disable=consider-using-with
