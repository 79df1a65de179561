# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building blocks of the benchmark harness: measuring a command, the emulator, its admin API and plain ARM REST calls."""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import threading
import time

import requests
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMULATOR_PATH = os.path.join(ROOT, 'tests', 'emulator')
SEED_PATH = os.path.join(EMULATOR_PATH, 'twinops_emulator', 'seed.yaml')
DT_API = '2023-01-31'
AUTH_API = '2022-04-01'
RG_API = '2022-09-01'


class Sample:
    """One measured run of one command: wall time, children CPU time, peak RSS, exit code, emulator requests and, where
    counted, module processes."""

    def __init__(self, wall, cpu, rss_kb, returncode, output=''):
        self.wall = wall
        self.cpu = cpu
        self.rss_kb = rss_kb
        self.returncode = returncode
        self.output = output
        self.requests = None
        self.request_kinds = {}
        self.processes = None
        self.process_kinds = {}
        self.module_cpu = None

    def as_dict(self):
        return {'wall': round(self.wall, 4), 'cpu': round(self.cpu, 4), 'rss_mb': round(self.rss_kb / 1024.0, 1),
                'rc': self.returncode, 'requests': self.requests, 'request_kinds': self.request_kinds,
                'processes': self.processes, 'process_kinds': self.process_kinds,
                'module_cpu': None if self.module_cpu is None else round(self.module_cpu, 4)}


def run_measured(cmd, env, cwd=None, timeout=900):
    """Run `cmd`, wait for it with os.wait4 and return a Sample.

    os.wait4 reports the rusage of the child plus every descendant it reaped (ansible's workers and the module
    processes they ran), so cpu = user+sys of the whole process tree and rss = the largest ru_maxrss in it.
    """
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=write_fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    os.close(write_fd)
    chunks = []
    reader = threading.Thread(target=_drain, args=(read_fd, chunks), daemon=True)
    reader.start()
    timer = threading.Timer(timeout, _kill_group, args=(proc.pid,))
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        _kill_group(proc.pid)
        raise
    finally:
        timer.cancel()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    output = b''.join(chunks).decode('utf-8', 'replace')
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode, output)


def _drain(read_fd, chunks):
    with os.fdopen(read_fd, 'rb') as stream:
        for block in iter(lambda: stream.read(65536), b''):
            chunks.append(block)


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def summarise(samples):
    """Medians (and wall min/max) of a list of Samples; None when there are none."""
    if not samples:
        return None
    walls = [s.wall for s in samples]
    reqs = [s.requests for s in samples if s.requests is not None]
    procs = [s.processes for s in samples if s.processes is not None]
    module_cpu = [s.module_cpu for s in samples if s.module_cpu is not None]
    return {
        'n': len(samples),
        'wall': statistics.median(walls), 'wall_min': min(walls), 'wall_max': max(walls),
        'cpu': statistics.median([s.cpu for s in samples]),
        'rss_mb': statistics.median([s.rss_kb for s in samples]) / 1024.0,
        'requests': statistics.median(reqs) if reqs else None,
        'request_kinds': _median_kinds([s.request_kinds for s in samples]),
        'processes': statistics.median(procs) if procs else None,
        'process_kinds': _median_kinds([s.process_kinds for s in samples if s.processes is not None]),
        'module_cpu': statistics.median(module_cpu) if module_cpu else None,
    }


def _median_kinds(dicts):
    """Per key, the median over the samples (a sample without the key counts 0 for it)."""
    keys = sorted({key for entry in dicts for key in entry})
    return {key: statistics.median([entry.get(key, 0) for entry in dicts]) for key in keys}


def read_module_log(path):
    """(processes, {module: processes}, CPU seconds of those that ended) from the log tests/bench/module_python.sh writes:
    a "start <pid> <module>" line when a module process starts, "end <pid> <module> <user> <sys>" when it ends."""
    kinds = {}
    processes = 0
    cpu = 0.0
    try:
        with open(path, encoding='utf-8') as handle:
            lines = [line.split() for line in handle if line.strip()]
    except FileNotFoundError:
        return 0, {}, None
    for parts in lines:
        if parts[0] == 'start':
            processes += 1
            name = parts[2] if len(parts) > 2 else 'unknown'
            kinds[name] = kinds.get(name, 0) + 1
        elif parts[0] == 'end':
            cpu += sum(_shell_seconds(value) for value in parts[3:5])
    return processes, kinds, cpu


def _shell_seconds(value):
    """Seconds from a time as the shell's `times` prints it, e.g. 0m1.250000s."""
    match = re.match(r'^(\d+)m([\d.]+)s$', value)
    return int(match.group(1)) * 60 + float(match.group(2)) if match else 0.0


def load_env_file(path):
    """The emulator's env.json, or its shell env file (KEY=VALUE or export KEY=VALUE lines)."""
    if path.endswith('.json'):
        with open(path, encoding='utf-8') as handle:
            return {k: str(v) for k, v in json.load(handle).items()}
    values = {}
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith('#') or '=' not in line:
                continue
            if line.startswith('export '):
                line = line[len('export '):]
            key, value = line.split('=', 1)
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


class Emulator:
    """Start/stop the project's emulator in its own state directory (not the developers' .emulator/)."""

    def __init__(self, python, state_dir, log_path, delay=None):
        self.python = python
        self.state_dir = state_dir
        self.log_path = log_path
        self.delay = delay
        self.env = {}

    def _cmd(self, *args):
        return [self.python, '-m', 'twinops_emulator'] + list(args) + ['--state-dir', self.state_dir]

    def _env(self):
        env = dict(os.environ)
        env['PYTHONPATH'] = EMULATOR_PATH + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
        return env

    def start(self, timeout=120):
        """`twinops_emulator start` returns once the emulator answers; then read its env.json."""
        os.makedirs(self.state_dir, exist_ok=True)
        args = ['start']
        if self.delay is not None:
            args += ['--provisioning-delay', str(self.delay)]
        with open(self.log_path, 'ab') as log:
            done = subprocess.run(self._cmd(*args), env=self._env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError('emulator start failed (rc=%s); see %s' % (done.returncode, self.log_path))
        self.env = load_env_file(os.path.join(self.state_dir, 'env.json'))
        return self.env

    def stop(self):
        with open(self.log_path, 'ab') as log:
            subprocess.run(self._cmd('stop'), env=self._env(), stdout=log, stderr=subprocess.STDOUT, timeout=60, check=False)


class Admin:
    """The emulator's admin API over plain HTTPS (the contract in docs/design.md)."""

    def __init__(self, admin_url, ca_path):
        self.url = admin_url.rstrip('/')
        self.verify = ca_path
        self.session = requests.Session()

    def _call(self, method, path, body=None):
        # verify per request: a session's verify loses to REQUESTS_CA_BUNDLE from the environment
        response = self.session.request(method, self.url + path, json=body, timeout=600, verify=self.verify)
        response.raise_for_status()
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def clear_requests(self):
        self._call('DELETE', '/requests')

    def requests(self):
        body = self._call('GET', '/requests')
        if isinstance(body, dict):
            for key in ('requests', 'value', 'items'):
                if isinstance(body.get(key), list):
                    return body[key]
            return []
        return body or []

    def settings(self, **values):
        return self._call('POST', '/settings', values)

    def bulk_role_assignments(self, count, **extra):
        return self._call('POST', '/bulk/role-assignments', dict(extra, count=count))

    def bulk_instances(self, count, resource_group, **extra):
        return self._call('POST', '/bulk/instances', dict(extra, count=count, resource_group=resource_group))

    def reset(self):
        return self._call('POST', '/reset')

    def state(self):
        return self._call('GET', '/state')


def request_kind(entry):
    path = (entry.get('path') or '').lower()
    if '/oauth2/' in path or '/.well-known/' in path or '/discovery/' in path:
        return 'token'
    if path.startswith('/v1.0'):
        return 'graph'
    if path.startswith('/metadata/'):
        return 'metadata'
    return (entry.get('method') or 'GET').upper()


class Arm:
    """Minimal ARM REST client used only to prepare state for the measured runs (never measured itself)."""

    def __init__(self, env):
        self.base = env['AZURE_CLOUD_ENVIRONMENT'].rstrip('/')
        self.sub = env['AZURE_SUBSCRIPTION_ID']
        self.verify = env.get('REQUESTS_CA_BUNDLE') or True
        self.session = requests.Session()
        token = self.session.post('%s/%s/oauth2/v2.0/token' % (self.base, env['AZURE_TENANT']), timeout=60, verify=self.verify, data={
            'grant_type': 'client_credentials', 'client_id': env['AZURE_CLIENT_ID'], 'client_secret': env['AZURE_SECRET'],
            'scope': 'https://management.azure.com/.default'})
        token.raise_for_status()
        self.session.headers['Authorization'] = 'Bearer ' + token.json()['access_token']

    def call(self, method, path, api, body=None, ok=(200, 201, 202, 204)):
        response = self.session.request(method, self.base + path, params={'api-version': api}, json=body, timeout=120,
                                        verify=self.verify)
        if response.status_code not in ok:
            raise RuntimeError('%s %s -> %s %s' % (method, path, response.status_code, response.text[:300]))
        return response.json() if response.content else None

    def rg_id(self, rg):
        return '/subscriptions/%s/resourceGroups/%s' % (self.sub, rg)

    def instance_id(self, rg, name):
        return self.rg_id(rg) + '/providers/Microsoft.DigitalTwins/digitalTwinsInstances/' + name

    def ensure_rg(self, rg, location):
        self.call('PUT', self.rg_id(rg), RG_API, {'location': location})

    def ensure_instance(self, rg, name, location, timeout=600):
        path = self.instance_id(rg, name)
        self.call('PUT', path, DT_API, {'location': location, 'properties': {'publicNetworkAccess': 'Enabled'}})
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = (self.call('GET', path, DT_API).get('properties') or {}).get('provisioningState')
            if state == 'Succeeded':
                return
            if state in ('Failed', 'Canceled'):
                raise RuntimeError('instance %s: %s' % (name, state))
            time.sleep(0.5)
        raise RuntimeError('instance %s not provisioned in %ss' % (name, timeout))

    def ensure_assignment(self, scope, name, role_definition_id, principal_id, principal_type):
        body = {'properties': {'roleDefinitionId': role_definition_id, 'principalId': principal_id, 'principalType': principal_type}}
        self.call('PUT', scope + '/providers/Microsoft.Authorization/roleAssignments/' + name, AUTH_API, body, ok=(200, 201, 409))


def load_seed():
    with open(SEED_PATH, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def dir_size(path):
    """(bytes, files) under path, not following symlinks."""
    total = files = 0
    for base, _dirs, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
                files += 1
            except OSError:
                pass
    return total, files
