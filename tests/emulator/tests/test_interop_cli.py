"""The unmodified Azure CLI against the emulator: `az resource list` and `az role assignment create --assignee <UPN>`.

Runs wherever the benchmark's Azure CLI virtualenv exists (`tests/bench/setup_venvs.sh az`, which `make bench` runs;
or TWINOPS_AZ_VENV pointing at another venv with azure-cli); skipped otherwise. The CLI is pointed at the emulator the
way the benchmark does it: `az cloud register` with the emulator's endpoints, then `az login --service-principal`.
"""

import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
AZ_VENV = os.environ.get('TWINOPS_AZ_VENV') or os.path.join(ROOT, '.venv-bench-az')
AZ = os.path.join(AZ_VENV, 'bin', 'az')
DT_TYPE = 'Microsoft.DigitalTwins/digitalTwinsInstances'
DATA_OWNER = 'Azure Digital Twins Data Owner'

pytestmark = pytest.mark.skipif(not os.access(AZ, os.X_OK),
                                reason=f'the Azure CLI virtualenv {AZ_VENV} does not exist (tests/bench/setup_venvs.sh az creates it)')


class Cli:
    def __init__(self, emu, config_dir):
        self.emu = emu
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(('AZURE_', 'PYTHON', 'VIRTUAL_ENV'))}
        self.env.update({'AZURE_CONFIG_DIR': config_dir, 'REQUESTS_CA_BUNDLE': emu.ca_path, 'SSL_CERT_FILE': emu.ca_path,
                         'AZURE_CORE_COLLECT_TELEMETRY': 'false', 'AZURE_CORE_ONLY_SHOW_ERRORS': 'true', 'AZURE_CORE_NO_COLOR': 'true',
                         'AZURE_CORE_SURVEY_MESSAGE': 'false', 'AZURE_CORE_LOGIN_EXPERIENCE_V2': 'off', 'AZURE_CORE_INSTANCE_DISCOVERY': 'false'})

    def __call__(self, *args, check=True):
        done = subprocess.run([AZ, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, check=False, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"az {' '.join(args[:3])} failed ({done.returncode}): {done.stderr.replace(self.emu.env['AZURE_SECRET'], '***')[-800:]}")
        return done

    def json(self, *args):
        return json.loads(self(*args, '--output', 'json').stdout or 'null')


@pytest.fixture(scope='module')
def cli(emulator, tmp_path_factory):
    """The CLI signed in as the automation principal (Owner of the subscription), as the benchmark does it."""
    emulator.reset()
    az = Cli(emulator, str(tmp_path_factory.mktemp('azure-cli')))
    base = emulator.url.rstrip('/')
    az('cloud', 'register', '--name', 'TwinopsEmulator', '--endpoint-resource-manager', base + '/', '--endpoint-active-directory', base,
       '--endpoint-active-directory-resource-id', 'https://management.core.windows.net/',
       '--endpoint-active-directory-graph-resource-id', 'https://graph.windows.net/', '--endpoint-microsoft-graph-resource-id', base + '/',
       '--suffix-storage-endpoint', 'core.windows.net', '--suffix-keyvault-dns', '.vault.azure.net')
    az('cloud', 'set', '--name', 'TwinopsEmulator')
    az('login', '--service-principal', '--username', emulator.env['AZURE_CLIENT_ID'], '--password', emulator.env['AZURE_SECRET'],
       '--tenant', emulator.env['AZURE_TENANT'], '--output', 'none')
    return az


def test_az_resource_list(cli, emulator):
    emulator.bulk_instances(count=3, resource_group='rg-cli-one', location='westus2', name_prefix='dt-cli-one')
    emulator.bulk_instances(count=2, resource_group='rg-cli-two', location='westeurope', name_prefix='dt-cli-two')
    emulator.clear_requests()
    listed = cli.json('resource', 'list')
    names = sorted(r['name'] for r in listed if r['name'].startswith('dt-cli-'))
    assert names == ['dt-cli-one-00000', 'dt-cli-one-00001', 'dt-cli-one-00002', 'dt-cli-two-00000', 'dt-cli-two-00001']
    assert any(r['path'].endswith('/resources') and r['status'] == 200 for r in emulator.requests())
    in_group = cli.json('resource', 'list', '--resource-group', 'rg-cli-two', '--resource-type', DT_TYPE)
    assert sorted(r['name'] for r in in_group) == ['dt-cli-two-00000', 'dt-cli-two-00001']
    assert {r['type'] for r in in_group} == {DT_TYPE} and {r['location'] for r in in_group} == {'westeurope'}
    assert cli.json('resource', 'list', '--resource-type', 'Microsoft.Storage/storageAccounts') == []


def test_az_role_assignment_create_by_upn(cli, emulator):
    emulator.bulk_instances(count=1, resource_group='rg-cli-ra', location='westus2', name_prefix='dt-cli-ra')
    scope = f"/subscriptions/{emulator.env['AZURE_SUBSCRIPTION_ID']}/resourceGroups/rg-cli-ra/providers/{DT_TYPE}/dt-cli-ra-00000"
    alice = next(u for u in emulator.seed['users'] if u['key'] == 'alice')
    created = cli.json('role', 'assignment', 'create', '--assignee', alice['user_principal_name'], '--role', DATA_OWNER, '--scope', scope)
    assert created['principalId'] == alice['id'] and created['scope'] == scope
    assert created['roleDefinitionId'].lower().endswith('/bcd981a7-7f74-457b-83e1-cceb9e632ffe')
    held = [a for a in emulator.state()['role_assignments'] if a['properties']['principalId'] == alice['id'] and a['properties']['scope'] == scope]
    assert len(held) == 1
    listed = cli.json('role', 'assignment', 'list', '--assignee', alice['user_principal_name'], '--scope', scope)
    assert [a['roleDefinitionName'] for a in listed] == [DATA_OWNER]
