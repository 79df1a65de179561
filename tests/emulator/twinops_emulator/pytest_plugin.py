"""pytest fixtures: `emulator` (one server per session) and `emu` (the same, reset before each test).

Use with `pytest -p twinops_emulator.pytest_plugin` and PYTHONPATH including tests/emulator.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from .client import AdminRequestError, EmulatorAdmin
from .state import load_seed

START_TIMEOUT = 60


class Emulator(EmulatorAdmin):
    """A running emulator: .url, .admin_url, .env, .ca_path, .seed, .state_dir plus the admin helpers."""

    def __init__(self, state_dir, env, process):
        super().__init__(env['TWINOPS_EMULATOR_ADMIN_URL'], env['SSL_CERT_FILE'])
        self.state_dir = state_dir
        self.env = env
        self.url = env['AZURE_CLOUD_ENVIRONMENT']
        self.ca_path = env['SSL_CERT_FILE']
        self.seed = load_seed()
        self.process = process

    @property
    def log_path(self):
        return os.path.join(self.state_dir, 'emulator.log')


def launch(state_dir, provisioning_delay=1.0):
    """Start `serve` as a child process on a free port and wait until it answers."""
    os.makedirs(state_dir, exist_ok=True)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env['PYTHONPATH'] = package_root + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    log = open(os.path.join(state_dir, 'emulator.log'), 'ab')  # pylint: disable=consider-using-with
    command = [sys.executable, '-m', 'twinops_emulator', 'serve', '--state-dir', state_dir, '--port', '0', '--provisioning-delay', str(provisioning_delay)]
    process = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env)  # pylint: disable=consider-using-with
    log.close()
    env_path = os.path.join(state_dir, 'env.json')
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'emulator exited with status {process.returncode}; see {state_dir}/emulator.log')
        if os.path.exists(env_path):
            with open(env_path, encoding='utf-8') as handle:
                values = json.load(handle)
            running = Emulator(state_dir, values, process)
            try:
                running.health()
                return running
            except AdminRequestError:
                pass
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f'emulator did not answer within {START_TIMEOUT} s; see {state_dir}/emulator.log')


def shutdown(running):
    running.process.terminate()
    try:
        running.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()


@pytest.fixture(scope='session')
def emulator(tmp_path_factory):
    instance = launch(str(tmp_path_factory.mktemp('emulator-state')))
    try:
        yield instance
    finally:
        shutdown(instance)


@pytest.fixture
def emu(emulator):  # pylint: disable=redefined-outer-name
    emulator.reset()
    return emulator
