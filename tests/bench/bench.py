# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark harness: per-task cost, HTTP requests and fleet convergence of twinops.digital_twins against the local
emulator, side by side with ansible.builtin.ping, azure.azcollection and the Azure CLI.

Run through tests/bench/run.sh (``make bench``). Writes docs/benchmarks.md and docs/benchmarks.png from one run; the
raw figures go to tests/output/bench/results.json. ``--report-only`` re-renders the page from that file.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import traceback

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# pylint: disable=wrong-import-position
from benchlib import ROOT, Admin, Arm, Emulator, dir_size, load_seed, read_module_log, request_kind, run_measured, summarise  # noqa: E402
import report  # noqa: E402

# fleet_budget: seconds one pass of one fleet size may take (a size estimated to need more is skipped, see run_fleet)
MODES = {
    'full': {'runs': 10, 'loop_runs': 2, 'loop_items': 20, 'azcoll_loop_runs': 1, 'fleet': [1, 10, 50, 100, 300], 'fleet_one_runs': 3,
             'delay': 20.0, 'scale': [10, 20000], 'scale_runs': 6, 'scale_other_runs': 2, 'role_runs': 3, 'max_forks': 50,
             'fleet_budget': 600, 'inventory_instances': 1000, 'inventory_runs': 5},
    'quick': {'runs': 3, 'loop_runs': 1, 'loop_items': 20, 'azcoll_loop_runs': 1, 'fleet': [1, 10], 'fleet_one_runs': 1,
              'delay': 20.0, 'scale': [10, 20000], 'scale_runs': 3, 'scale_other_runs': 1, 'role_runs': 2, 'max_forks': 50,
              'fleet_budget': 300, 'inventory_instances': 1000, 'inventory_runs': 3},
}
SECTIONS = ('size', 'adhoc', 'profile', 'role', 'fleet', 'inventory', 'scale', 'loop')
FLEET_SECTIONS = ('role', 'fleet')

LOCATION = 'westus2'
RG = 'bench-rg'
INSTANCE = 'bench-dt-01'
OUR_VENV = os.path.join(ROOT, '.venv')
AZCOLL_VENV = os.path.join(ROOT, '.venv-bench-azcoll')
AZ_VENV = os.path.join(ROOT, '.venv-bench-az')
PLOT_VENV = os.path.join(ROOT, '.venv-bench-plot')
OUT_DIR = os.path.join(ROOT, 'tests', 'output', 'bench')
MODULE_PYTHON = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'module_python.sh')
# loop only the targets the issue sets goals for (the info modules are measured ad hoc only, to fit the time budget)
LOOP_KEYS = ('ping', 'resource_group', 'dt_instance', 'dt_role_assignment', 'azcoll_ping', 'azure_rm_resourcegroup', 'azure_rm_resource',
             'azure_rm_roleassignment')
MODULES = ('resource_group', 'dt_instance', 'dt_instance_info', 'dt_role_assignment', 'dt_role_assignment_info')
FQCN = 'twinops.digital_twins.'


def log(message):
    sys.stderr.write('[bench %s] %s\n' % (datetime.datetime.now(datetime.timezone.utc).strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def tail(text, size=700):
    text = (text or '').strip()
    return text[-size:]


class Target:
    """One thing to run: a module of one tool with its arguments, run through ansible of one venv (or a plain command)."""

    def __init__(self, key, label, tool, module=None, args=None, venv=OUR_VENV, command=None):
        self.key = key
        self.label = label
        self.tool = tool            # ours | floor | azcoll | azcli
        self.module = module
        self.args = args or {}
        self.venv = venv
        self.command = command      # for the Azure CLI: argv


class Bench:
    """Runs every section, collecting results; a section that cannot run records why instead of numbers."""

    def __init__(self, options, publish):
        self.options = options
        self.publish = publish
        self.mode = 'quick' if options.quick else 'full'
        self.cfg = dict(MODES[self.mode])
        if options.fleet_sizes:
            self.cfg['fleet'] = sorted({int(n) for n in options.fleet_sizes.split(',')})
        self.work = tempfile.mkdtemp(prefix='twinops-bench-')
        self.results = {'meta': {'mode': self.mode, 'config': self.cfg, 'started': _now(), 'fleet_only': bool(options.fleet_only)},
                        'adhoc': {}, 'loop': {}, 'empty': {},
                        'role': {}, 'fleet': {}, 'scale': {}, 'size': {}, 'profile': {}, 'inventory': {},
                        'not_measured': {}, 'notes': []}
        self.seed = load_seed()
        self.emulator = None
        self.admin = None
        self.env = {}
        self.arm = None
        self.collections = None
        self.targets = {}
        self.usable = []
        self._az_state = None
        self.principal = next(u for u in self.seed['users'] if u['key'] == 'alice')['id']
        self.role_guid = next(r for r in self.seed['role_definitions'] if r['role_name'] == 'Azure Digital Twins Data Owner')['id']

    # ---- infrastructure ----------------------------------------------------------------------------------------------
    def not_measured(self, key, why):
        log('not measured: %s: %s' % (key, why))
        self.results['not_measured'][key] = why

    def start_emulator(self):
        state_dir = os.path.join(self.work, 'emulator')
        self.emulator = Emulator(os.path.join(OUR_VENV, 'bin', 'python'), state_dir, os.path.join(self.work, 'emulator.log'), delay=0)
        self.env = self.emulator.start()
        try:
            self.admin = Admin(self.env['TWINOPS_EMULATOR_ADMIN_URL'], self.env.get('REQUESTS_CA_BUNDLE'))
            self.admin.settings(provisioning_delay_seconds=0)
            self.arm = Arm(self.env)
        except Exception:
            self.emulator.stop()
            raise
        log('emulator up at %s' % self.env.get('AZURE_CLOUD_ENVIRONMENT'))

    def install_collection(self):
        """Build the collection tarball and install it into a private collections dir (as users get it)."""
        galaxy = os.path.join(OUR_VENV, 'bin', 'ansible-galaxy')
        build_dir = os.path.join(self.work, 'build')
        dest = os.path.join(self.work, 'collections')
        env = self.base_env(OUR_VENV)
        try:
            subprocess.run([galaxy, 'collection', 'build', ROOT, '--output-path', build_dir, '--force'], env=env, check=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
            tarball = glob.glob(os.path.join(build_dir, '*.tar.gz'))[0]
            subprocess.run([galaxy, 'collection', 'install', tarball, '-p', dest, '--force', '--no-deps'], env=env, check=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
            self.collections = dest
            self.results['meta']['collection_source'] = 'built tarball %s installed into a private collections dir' % os.path.basename(tarball)
        except (subprocess.CalledProcessError, IndexError, subprocess.TimeoutExpired) as exc:
            dev = os.path.join(ROOT, '.build', 'dev')
            link = os.path.join(dev, 'ansible_collections', 'twinops', 'digital_twins')
            if not os.path.exists(link):
                os.makedirs(os.path.dirname(link), exist_ok=True)
                os.symlink(ROOT, link)
            self.collections = dev
            out = getattr(exc, 'output', b'') or b''
            self.results['meta']['collection_source'] = 'symlink tree .build/dev (build/install failed: %s)' % tail(out.decode('utf-8', 'replace'), 200)

    def base_env(self, venv):
        dropped = ('ANSIBLE_', 'AZURE_', 'ARM_', 'PYTHON', 'VIRTUAL_ENV', 'REQUESTS_CA', 'SSL_CERT', 'CURL_CA')
        env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
        env['PATH'] = os.path.join(venv, 'bin') + os.pathsep + env.get('PATH', '/usr/bin:/bin')
        env['VIRTUAL_ENV'] = venv
        return env

    def ansible_env(self, venv, ours=True):
        env = self.base_env(venv)
        env.update({k: v for k, v in self.env.items() if k.startswith(('AZURE_', 'REQUESTS_CA', 'SSL_CERT', 'TWINOPS_'))})
        home = os.path.join(self.work, 'ansible-home-' + os.path.basename(venv))
        env.update({'ANSIBLE_CONFIG': self.ansible_cfg(), 'ANSIBLE_HOME': home, 'ANSIBLE_LOCAL_TEMP': os.path.join(home, 'tmp'),
                    'ANSIBLE_REMOTE_TMP': os.path.join(home, 'remote-tmp'), 'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0',
                    'ANSIBLE_LOCALHOST_WARNING': 'False', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False'})
        if ours:
            env['ANSIBLE_COLLECTIONS_PATH'] = self.collections
        else:
            env['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(home, 'collections')
            # azure.azcollection's own option for custom authorities, plus the benchmark-only adapter (azcoll_shim/sitecustomize.py)
            env['AZURE_DISABLE_INSTANCE_DISCOVERY'] = 'true'
            env['PYTHONPATH'] = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'azcoll_shim')
            env['BENCH_EMULATOR_ARM'] = self.env['AZURE_CLOUD_ENVIRONMENT']
        return env

    def ansible_cfg(self):
        path = os.path.join(self.work, 'ansible.cfg')
        if not os.path.exists(path):
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write('[defaults]\n# ansible-core defaults apply; this file only keeps the repo and user configs out\n')
        return path

    def inventory(self, venv, hosts=('localhost',), name='inventory'):
        path = os.path.join(self.work, '%s-%s.ini' % (name, os.path.basename(venv)))
        python = os.path.join(venv, 'bin', 'python')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('[bench]\n')
            for host in hosts:
                handle.write('%s ansible_connection=local ansible_python_interpreter=%s\n' % (host, python))
        return path

    def write(self, name, data):
        path = os.path.join(self.work, name)
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(data, handle, sort_keys=False)
        return path

    def measured(self, cmd, env, timeout=900):
        """One measured run: clear the emulator's request log, run, count the requests it saw."""
        self.admin.clear_requests()
        sample = run_measured(cmd, env, timeout=timeout)
        entries = self.admin.requests()
        sample.requests = len(entries)
        kinds = {}
        for entry in entries:
            kind = request_kind(entry)
            kinds[kind] = kinds.get(kind, 0) + 1
        sample.request_kinds = kinds
        return sample

    # ---- targets -----------------------------------------------------------------------------------------------------
    def instance_id(self, rg=RG, name=INSTANCE):
        return '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DigitalTwins/digitalTwinsInstances/%s' % (self.env['AZURE_SUBSCRIPTION_ID'], rg, name)

    def role_definition_id(self):
        return '/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s' % (self.env['AZURE_SUBSCRIPTION_ID'], self.role_guid)

    def build_targets(self):
        alice = self.principal
        ours = {
            'resource_group': {'name': RG, 'location': LOCATION},
            'dt_instance': {'name': INSTANCE, 'resource_group': RG, 'location': LOCATION},
            'dt_instance_info': {'name': INSTANCE, 'resource_group': RG},
            'dt_role_assignment': {'instance': INSTANCE, 'resource_group': RG, 'assignee_object_id': alice, 'principal_type': 'User',
                                   'role': 'Azure Digital Twins Data Owner'},
            'dt_role_assignment_info': {'instance': INSTANCE, 'resource_group': RG, 'assignee_object_id': alice},
        }
        targets = [Target('ping', 'ansible.builtin.ping', 'floor', 'ansible.builtin.ping')]
        for name in MODULES:
            targets.append(Target(name, name, 'ours', FQCN + name, ours[name]))
        targets += [
            Target('azcoll_ping', 'ansible.builtin.ping (azcoll venv)', 'floor', 'ansible.builtin.ping', venv=AZCOLL_VENV),
            Target('azure_rm_resourcegroup', 'azure_rm_resourcegroup', 'azcoll', 'azure.azcollection.azure_rm_resourcegroup',
                   {'name': RG, 'location': LOCATION}, venv=AZCOLL_VENV),
            Target('azure_rm_resource', 'azure_rm_resource (instance)', 'azcoll', 'azure.azcollection.azure_rm_resource',
                   {'api_version': '2023-01-31', 'resource_group': RG, 'provider': 'DigitalTwins', 'resource_type': 'digitalTwinsInstances',
                    'resource_name': INSTANCE, 'idempotency': True,
                    'body': {'location': LOCATION, 'properties': {'publicNetworkAccess': 'Enabled'}}}, venv=AZCOLL_VENV),
            Target('azure_rm_roleassignment', 'azure_rm_roleassignment (object id)', 'azcoll', 'azure.azcollection.azure_rm_roleassignment',
                   {'scope': self.instance_id(), 'assignee_object_id': alice, 'role_definition_id': self.role_definition_id()}, venv=AZCOLL_VENV),
            Target('az_role_assignment', 'az role assignment create', 'azcli', venv=AZ_VENV, command=[
                os.path.join(AZ_VENV, 'bin', 'az'), 'role', 'assignment', 'create', '--assignee-object-id', alice, '--assignee-principal-type', 'User',
                '--role', 'Azure Digital Twins Data Owner', '--scope', self.instance_id(), '--only-show-errors', '--output', 'none']),
        ]
        self.targets = {t.key: t for t in targets}
        self.results['meta']['targets'] = {t.key: {'label': t.label, 'tool': t.tool, 'module': t.module, 'args': t.args} for t in targets}

    def adhoc_cmd(self, target):
        cmd = [os.path.join(target.venv, 'bin', 'ansible'), 'localhost', '-i', self.inventory(target.venv), '-m', target.module]
        if target.args:
            cmd += ['-a', json.dumps(target.args)]
        return cmd

    def target_env(self, target):
        if target.tool == 'azcli':
            return self.az_env()
        return self.ansible_env(target.venv, ours=target.venv == OUR_VENV)

    def available(self, target):
        """None when the target can run, else why not."""
        if target.tool == 'ours' and not os.path.exists(os.path.join(ROOT, 'plugins', 'modules', target.key + '.py')):
            return 'plugins/modules/%s.py does not exist yet' % target.key
        if target.venv == AZCOLL_VENV and not os.path.exists(os.path.join(AZCOLL_VENV, '.bench-ready')):
            return '.venv-bench-azcoll is not installed (tests/bench/setup_venvs.sh azcoll)'
        if target.tool == 'azcli':
            return self.az_ready()
        return None

    # ---- section: per-module ad hoc and loop ---------------------------------------------------------------------------
    def prepare_state(self):
        self.arm.ensure_rg(RG, LOCATION)
        self.arm.ensure_instance(RG, INSTANCE, LOCATION)

    def warm_up(self):
        """One unmeasured run per target: creates what is missing (the role assignment), checks the next run is a no-change run."""
        usable = []
        for key, target in self.targets.items():
            why = self.available(target)
            if why:
                self.not_measured('adhoc:' + key, why)
                continue
            cmd = target.command if target.tool == 'azcli' else self.adhoc_cmd(target)
            first = run_measured(cmd, self.target_env(target), timeout=600)
            second = self.measured(cmd, self.target_env(target))
            if first.returncode != 0 or second.returncode != 0:
                self.not_measured('adhoc:' + key, 'fails: rc=%s: %s' % (second.returncode or first.returncode, tail(second.output or first.output)))
                continue
            if target.tool != 'azcli' and ('CHANGED' in second.output or '"changed": true' in second.output):
                self.results['notes'].append('%s reported changed on a second identical run: %s' % (target.label, tail(second.output, 300)))
            usable.append(key)
            log('warm-up %s: %.2fs, %s requests' % (key, second.wall, second.requests))
        return usable

    def run_adhoc(self, keys):
        samples = {key: [] for key in keys}
        failures = {}
        for run in range(self.cfg['runs']):
            for key in keys:
                target = self.targets[key]
                cmd = target.command if target.tool == 'azcli' else self.adhoc_cmd(target)
                sample = self.measured(cmd, self.target_env(target))
                if sample.returncode != 0:
                    failures[key] = tail(sample.output)
                    continue
                samples[key].append(sample)
            log('ad hoc round %d/%d done' % (run + 1, self.cfg['runs']))
        for key in keys:
            if samples[key]:
                self.results['adhoc'][key] = dict(summarise(samples[key]), samples=[s.as_dict() for s in samples[key]])
            if key in failures:
                self.results['notes'].append('ad hoc %s failed in some runs: %s' % (key, failures[key]))

    def playbook(self, name, module, args, items):
        task = {'name': 'bench', module: args}
        if items:
            task['loop'] = '{{ range(%d) | list }}' % items
        return self.write(name, [{'name': 'bench', 'hosts': 'bench', 'gather_facts': False, 'tasks': [task] if module else []}])

    def run_loop(self, keys):
        items = self.cfg['loop_items']
        venvs = sorted({self.targets[k].venv for k in keys if self.targets[k].tool != 'azcli'})
        empty_books = {venv: self.playbook('empty.yml', None, None, 0) for venv in venvs}
        empty = {venv: [] for venv in venvs}
        loop = {key: [] for key in keys if self.targets[key].tool != 'azcli'}
        for run in range(self.cfg['loop_runs']):
            for venv in venvs:
                env = self.ansible_env(venv, ours=venv == OUR_VENV)
                empty[venv].append(self.measured([os.path.join(venv, 'bin', 'ansible-playbook'), '-i', self.inventory(venv), empty_books[venv]], env))
            for key in list(loop):
                target = self.targets[key]
                if target.tool == 'azcoll' and run >= self.cfg['azcoll_loop_runs']:
                    continue
                book = self.playbook('loop-%s.yml' % key, target.module, target.args, items)
                env = self.ansible_env(target.venv, ours=target.venv == OUR_VENV)
                sample = self.measured([os.path.join(target.venv, 'bin', 'ansible-playbook'), '-i', self.inventory(target.venv), book], env, timeout=1800)
                if sample.returncode != 0 or 'failed=0' not in sample.output:
                    self.results['notes'].append('loop %s failed: %s' % (key, tail(sample.output)))
                    continue
                loop[key].append(sample)
            log('loop round %d/%d done' % (run + 1, self.cfg['loop_runs']))
        for venv in venvs:
            self.results['empty'][os.path.basename(venv)] = summarise(empty[venv])
        for key, samples in loop.items():
            if not samples:
                self.not_measured('loop:' + key, 'every loop run failed')
                continue
            base = summarise(empty[self.targets[key].venv])
            per_item = [(s.wall - base['wall']) / items for s in samples]
            per_cpu = [(s.cpu - base['cpu']) / items for s in samples]
            self.results['loop'][key] = dict(summarise(samples), items=items, per_item_wall=statistics.median(per_item),
                                             per_item_cpu=statistics.median(per_cpu),
                                             per_item_requests=(statistics.median([s.requests for s in samples]) / items),
                                             samples=[s.as_dict() for s in samples])

    # ---- Azure CLI ------------------------------------------------------------------------------------------------------
    def az_env(self):
        env = self.base_env(AZ_VENV)
        env.update({'AZURE_CONFIG_DIR': os.path.join(self.work, 'azure-cli'), 'REQUESTS_CA_BUNDLE': self.env.get('REQUESTS_CA_BUNDLE', ''),
                    'SSL_CERT_FILE': self.env.get('SSL_CERT_FILE', self.env.get('REQUESTS_CA_BUNDLE', '')),
                    'AZURE_CORE_COLLECT_TELEMETRY': 'false', 'AZURE_CORE_ONLY_SHOW_ERRORS': 'true', 'AZURE_CORE_NO_COLOR': 'true',
                    'AZURE_CORE_SURVEY_MESSAGE': 'false', 'AZURE_CORE_LOGIN_EXPERIENCE_V2': 'off',
                    'AZURE_CORE_INSTANCE_DISCOVERY': 'false'})
        return env

    def az_ready(self):
        if self._az_state is not None:
            return self._az_state or None
        az = os.path.join(AZ_VENV, 'bin', 'az')
        if not os.path.exists(os.path.join(AZ_VENV, '.bench-ready')):
            self._az_state = '.venv-bench-az is not installed (tests/bench/setup_venvs.sh az)'
            return self._az_state
        base = self.env['AZURE_CLOUD_ENVIRONMENT'].rstrip('/')
        steps = [
            [az, 'cloud', 'register', '--name', 'TwinopsEmulator', '--endpoint-resource-manager', base + '/',
             '--endpoint-active-directory', base, '--endpoint-active-directory-resource-id', 'https://management.core.windows.net/',
             '--endpoint-active-directory-graph-resource-id', 'https://graph.windows.net/', '--endpoint-microsoft-graph-resource-id', base + '/',
             '--suffix-storage-endpoint', 'core.windows.net', '--suffix-keyvault-dns', '.vault.azure.net'],
            [az, 'cloud', 'set', '--name', 'TwinopsEmulator'],
            [az, 'login', '--service-principal', '--username', self.env['AZURE_CLIENT_ID'], '--password', self.env['AZURE_SECRET'],
             '--tenant', self.env['AZURE_TENANT'], '--output', 'none'],
        ]
        env = self.az_env()
        for step in steps[:2]:
            done = subprocess.run(step, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300, check=False)
            if done.returncode != 0 and b'already registered' not in done.stdout:
                self._az_state = 'az %s failed: %s' % (' '.join(step[1:3]), tail(done.stdout.decode('utf-8', 'replace')))
                return self._az_state
        # az login signs in, stores the service principal and lists the subscriptions (GET /subscriptions), as against Azure.
        done = subprocess.run(steps[2], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300, check=False)
        if done.returncode != 0:
            self._az_state = 'az login --service-principal failed: %s' % tail(
                done.stdout.decode('utf-8', 'replace').replace(self.env['AZURE_SECRET'], '***'), 300)
            return self._az_state
        version = subprocess.run([az, 'version', '--output', 'json'], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False, timeout=120)
        try:
            self.results['meta']['azure_cli'] = json.loads(version.stdout).get('azure-cli')
        except ValueError:
            pass
        self._az_state = ''
        return None

    # ---- setup role and fleet -----------------------------------------------------------------------------------------------
    def role_ready(self):
        if not os.path.exists(os.path.join(ROOT, 'roles', 'setup', 'tasks', 'main.yml')):
            return 'roles/setup/tasks/main.yml does not exist yet'
        for name in ('resource_group', 'dt_instance', 'dt_role_assignment'):
            if not os.path.exists(os.path.join(ROOT, 'plugins', 'modules', name + '.py')):
                return 'plugins/modules/%s.py does not exist yet' % name
        return None

    def assignees(self):
        """The two assignees every instance gets: a user and a service principal of the emulator's seed, by object id."""
        sp_pipeline = next(p for p in self.seed['service_principals'] if p['key'] == 'sp_pipeline')['id']
        return [{'assignee_object_id': self.principal, 'principal_type': 'User', 'role': 'Azure Digital Twins Data Owner'},
                {'assignee_object_id': sp_pipeline, 'principal_type': 'ServicePrincipal', 'role': 'Azure Digital Twins Data Reader'}]

    def fleet_inventory(self, hosts, rg):
        """A YAML inventory as a fleet is written: the shared settings as group vars, each instance a host (local connection).

        ansible_python_interpreter is tests/bench/module_python.sh, which logs one line per module process, for every host
        including an explicit localhost outside the play's group, so that a task delegated to localhost is counted too."""
        path = os.path.join(self.work, 'fleet-%s.yml' % rg)
        group = {'vars': {'setup_resource_group': rg, 'setup_location': LOCATION, 'setup_role_assignments': self.assignees()},
                 'hosts': {host: {'setup_instance_name': host} for host in hosts}}
        inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': MODULE_PYTHON},
                             'hosts': {'localhost': None}, 'children': {'bench': group}}}
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(inventory, handle, sort_keys=False)
        return path

    def fleet_book(self):
        return self.write('fleet.yml', [{'name': 'Converge the fleet', 'hosts': 'bench', 'gather_facts': False,
                                         'roles': [{'role': 'twinops.digital_twins.setup'}]}])

    def module_env(self, name):
        """ansible's environment plus the module-process log of one run (emptied first)."""
        log_path = os.path.join(self.work, 'modules-%s.log' % re.sub(r'[^A-Za-z0-9]+', '-', name))
        open(log_path, 'w', encoding='utf-8').close()
        env = self.ansible_env(OUR_VENV)
        env.update({'BENCH_MODULE_LOG': log_path, 'BENCH_MODULE_PYTHON': os.path.join(OUR_VENV, 'bin', 'python')})
        return env, log_path

    def run_counted(self, cmd, name, timeout=3600):
        env, log_path = self.module_env(name)
        sample = self.measured(cmd, env, timeout=timeout)
        sample.processes, sample.process_kinds, sample.module_cpu = read_module_log(log_path)
        return sample

    def check_process_count(self):
        """The counter itself: a module task, the same delegated to localhost and four controller-side actions count two."""
        inventory = self.fleet_inventory(['bench-count'], 'bench-count-rg')
        book = self.write('count.yml', [{'name': 'count', 'hosts': 'bench', 'gather_facts': False, 'tasks': [
            {'name': 'A module', 'ansible.builtin.ping': {}},
            {'name': 'A module on localhost', 'ansible.builtin.ping': {}, 'delegate_to': 'localhost', 'run_once': True},
            {'name': 'Controller side', 'ansible.builtin.set_fact': {'bench_fact': 1}},
            {'name': 'Controller side', 'ansible.builtin.debug': {'msg': 'x'}},
            {'name': 'Controller side', 'ansible.builtin.assert': {'that': ['bench_fact == 1'], 'quiet': True}},
            {'name': 'Controller side', 'ansible.builtin.set_stats': {'data': {'bench': 1}}}]}])
        sample = self.run_counted([os.path.join(OUR_VENV, 'bin', 'ansible-playbook'), '-i', inventory, book], 'count', timeout=300)
        self.results['role']['process_check'] = {'expected': 2, 'counted': sample.processes, 'kinds': sample.process_kinds,
                                                 'rc': sample.returncode}
        if sample.returncode != 0 or sample.processes != 2:
            raise RuntimeError('the module-process counter is wrong: expected 2 (ping, ping on localhost), counted %s %s (rc=%s): %s' % (
                sample.processes, sample.process_kinds, sample.returncode, tail(sample.output, 600)))

    def converge(self, hosts, rg, forks, name, timeout=3600, rerun=False):
        """One measured ansible-playbook run of the setup role over `hosts` (one instance each, all in `rg`)."""
        cmd = [os.path.join(OUR_VENV, 'bin', 'ansible-playbook'), '-i', self.fleet_inventory(hosts, rg), '-f', str(forks), self.fleet_book()]
        sample = self.run_counted(cmd, name, timeout=timeout)
        if sample.returncode != 0:
            raise RuntimeError('%s failed (rc=%s): %s' % (name, sample.returncode, tail(sample.output, 1200)))
        if not sample.processes and (sample.request_kinds or {}).get('token'):
            raise RuntimeError('%s: %s token requests but no module process counted: a module ran with another interpreter than '
                               'tests/bench/module_python.sh' % (name, sample.request_kinds['token']))
        recap = _recap(sample.output)
        if set(recap) != set(hosts) or any(v.get('failed') or v.get('unreachable') for v in recap.values()):
            raise RuntimeError('%s: the play recap does not show every host ok: %s' % (name, tail(sample.output, 800)))
        if rerun and any(v.get('changed') for v in recap.values()):
            changed = sorted(h for h, v in recap.items() if v.get('changed'))
            self.results['notes'].append('%s: %d of %d hosts reported changes on a pass with nothing to change (%s)' % (
                name, len(changed), len(hosts), ', '.join(changed[:5])))
        if not rerun:
            self.check_converged(hosts, rg, name)
        return sample

    def check_converged(self, hosts, rg, name):
        """After a first converge the emulator must hold every instance (Succeeded) and both assignments on each."""
        state = self.admin.state()
        prefix = ('/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DigitalTwins/digitalTwinsInstances/'
                  % (self.env['AZURE_SUBSCRIPTION_ID'], rg)).lower()
        ready = {i['id'].lower()[len(prefix):] for i in state.get('instances') or []
                 if i['id'].lower().startswith(prefix) and (i.get('properties') or {}).get('provisioningState') == 'Succeeded'}
        wanted = {h.lower() for h in hosts}
        held = {}
        for entry in state.get('role_assignments') or []:
            scope = ((entry.get('properties') or {}).get('scope') or '').lower()
            if scope.startswith(prefix):
                held[scope[len(prefix):]] = held.get(scope[len(prefix):], 0) + 1
        missing = sorted(wanted - ready)
        short = sorted(h for h in wanted if held.get(h, 0) < len(self.assignees()))
        if missing or short:
            raise RuntimeError('%s: the emulator does not hold what the play reports: %d instances missing or not Succeeded (%s), '
                               '%d with fewer than %d role assignments (%s)' % (name, len(missing), ', '.join(missing[:5]), len(short),
                                                                                len(self.assignees()), ', '.join(short[:5])))

    def run_role(self):
        """One instance (new resource group + instance, two assignees): first converge, then passes with nothing to change."""
        why = self.role_ready()
        if why:
            self.not_measured('role', why)
            return
        delay = self.cfg['delay']
        self.admin.settings(provisioning_delay_seconds=delay)
        role = self.results['role']
        role['delay'] = delay
        role['assignees'] = self.assignees()
        try:
            self.check_process_count()
            firsts = [self.converge(['bench-one-%d' % run], 'bench-one-rg-%d' % run, 1, 'role first converge %d' % (run + 1))
                      for run in range(self.cfg['fleet_one_runs'])]
            role['first'] = dict(summarise(firsts), samples=[s.as_dict() for s in firsts])
            log('role first converge: %.1fs, %s processes, %s requests' % (
                role['first']['wall'], role['first']['processes'], role['first']['requests']))
            reruns = [self.converge(['bench-one-0'], 'bench-one-rg-0', 1, 'role no-change pass %d' % (run + 1), rerun=True)
                      for run in range(self.cfg['role_runs'])]
            role['rerun'] = dict(summarise(reruns), samples=[s.as_dict() for s in reruns])
            log('role no-change pass: %.1fs, %s processes, %s requests' % (
                role['rerun']['wall'], role['rerun']['processes'], role['rerun']['requests']))
        except RuntimeError as exc:
            self.not_measured('role', str(exc))
        finally:
            self.admin.settings(provisioning_delay_seconds=0)

    def run_fleet(self):
        """Fleets of N instances, one new resource group per N: first converge, then one pass with nothing to change."""
        why = self.role_ready()
        if why:
            self.not_measured('fleet', why)
            return
        role = self.results['role']
        if not role.get('first') or not role.get('rerun'):
            self.not_measured('fleet', 'the one-instance runs of the setup role (its baseline) were not measured')
            return
        delay = self.cfg['delay']
        fleet = self.results['fleet']
        fleet.update({'delay': delay, 'max_forks': self.cfg['max_forks'], 'budget': self.cfg['fleet_budget'], 'sizes': {}})
        budget = self.cfg['fleet_budget']
        cpus = os.cpu_count() or 1
        last = (1, role['first']['cpu'])
        self.admin.settings(provisioning_delay_seconds=delay)
        try:
            for size in self.cfg['fleet']:
                if size == 1:
                    fleet['sizes']['1'] = {'forks': 1, 'from_role': True, 'first': _pass(role['first'], 1), 'rerun': _pass(role['rerun'], 1)}
                    continue
                # at least the provisioning wait, and at least the CPU it needs spread over the cores (at the CPU per instance of
                # the last size measured, which only falls as a batch grows)
                estimate = delay + last[1] / last[0] * size / cpus
                if estimate > budget:
                    self.not_measured('fleet:%d' % size, 'skipped: N=%d used %.1f s of CPU per instance to converge, so N=%d would take at '
                                      'least %.0f s (%.0f s provisioning + N × that CPU / %d cores), over the %d s budget per pass' % (
                                          last[0], last[1] / last[0], size, estimate, delay, cpus, budget))
                    continue
                forks = min(size, self.cfg['max_forks'])
                hosts = ['fl%d-%03d' % (size, i) for i in range(size)]
                rg = 'bench-fleet-%d' % size
                entry = {'forks': forks}
                try:
                    first = self.converge(hosts, rg, forks, 'fleet N=%d first converge' % size, timeout=max(600, 2 * budget))
                    entry['first'] = _pass(dict(summarise([first]), samples=[first.as_dict()]), size)
                    fleet['sizes'][str(size)] = entry
                    log('fleet N=%d first converge: %.1fs, %.1fs CPU, %s processes, %s requests' % (
                        size, first.wall, first.cpu, first.processes, first.requests))
                    last = (size, first.cpu)
                    rerun = self.converge(hosts, rg, forks, 'fleet N=%d no-change pass' % size, timeout=max(600, 2 * budget), rerun=True)
                    entry['rerun'] = _pass(dict(summarise([rerun]), samples=[rerun.as_dict()]), size)
                    log('fleet N=%d no-change pass: %.1fs, %.1fs CPU, %s processes, %s requests' % (
                        size, rerun.wall, rerun.cpu, rerun.processes, rerun.requests))
                except RuntimeError as exc:
                    self.not_measured('fleet:%d' % size, str(exc))
                    continue
                self.publish(self.results)
        finally:
            self.admin.settings(provisioning_delay_seconds=0)

    # ---- inventory of existing instances -----------------------------------------------------------------------------------
    def run_inventory(self):
        """``ansible-inventory --list`` through the dt_instances plugin with the emulator holding N instances, beside a static
        one-host YAML inventory (the cost of ansible-inventory itself)."""
        if not os.path.exists(os.path.join(ROOT, 'plugins', 'inventory', 'dt_instances.py')):
            self.not_measured('inventory', 'plugins/inventory/dt_instances.py does not exist')
            return
        wanted = self.cfg['inventory_instances']
        held = len(self.admin.state().get('instances') or [])
        if held < wanted:
            self.admin.bulk_instances(wanted - held, 'bench-inventory-rg', location=LOCATION, name_prefix='bench-inv')
        held = len(self.admin.state().get('instances') or [])
        page_size = self.admin.settings().get('page_size')
        env = self.ansible_env(OUR_VENV)
        tool = os.path.join(OUR_VENV, 'bin', 'ansible-inventory')
        noop = self.write('noop.yml', {'all': {'hosts': {'localhost': {'ansible_connection': 'local'}}}})
        plugin = self.write('bench.dt_instances.yml', {'plugin': 'twinops.digital_twins.dt_instances',
                                                       'keyed_groups': [{'key': 'location', 'prefix': 'twins'}]})
        commands = {'noop': [tool, '-i', noop, '--list'], 'dt_instances': [tool, '-i', plugin, '--list']}
        # one unmeasured run: the plugin answers, with every instance as a host
        check = subprocess.run(commands['dt_instances'], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, timeout=900)
        hosts = len(json.loads(check.stdout or b'{}').get('_meta', {}).get('hostvars', {})) if check.returncode == 0 else 0
        if hosts != held:
            self.not_measured('inventory', 'ansible-inventory listed %d hosts for %d instances (rc=%s): %s'
                              % (hosts, held, check.returncode, tail(check.stderr.decode('utf-8', 'replace'))))
            return
        samples = {key: [] for key in commands}
        for _run in range(self.cfg['inventory_runs']):
            for key, cmd in commands.items():
                sample = self.measured(cmd, env)
                if sample.returncode != 0:
                    self.results['notes'].append('inventory %s failed: %s' % (key, tail(sample.output)))
                    continue
                samples[key].append(sample)
        self.results['inventory'] = {'instances': held, 'hosts': hosts, 'page_size': page_size,
                                     'runs': {key: summarise(values) for key, values in samples.items()}}
        figures = ['%s %.2fs wall %.2fs CPU' % (k, v['wall'], v['cpu']) for k, v in self.results['inventory']['runs'].items() if v]
        log('inventory of %d instances: %s' % (held, ', '.join(figures)))

    # ---- role assignments at scale ----------------------------------------------------------------------------------------
    def run_scale(self):
        keys = [k for k in ('dt_role_assignment', 'azure_rm_roleassignment', 'az_role_assignment') if k in self.usable]
        if 'dt_role_assignment' not in keys:
            self.not_measured('scale', 'dt_role_assignment not measurable')
            return
        for count in self.cfg['scale']:
            try:
                held = len(self.admin.state().get('role_assignments') or [])
                reply = self.admin.bulk_role_assignments(max(1, count - held), scope='/subscriptions/' + self.env['AZURE_SUBSCRIPTION_ID'])
            except Exception as exc:  # pylint: disable=broad-exception-caught
                self.not_measured('scale', 'POST /bulk/role-assignments failed: %s' % exc)
                return
            entry = self.results['scale'].setdefault(str(count), {'bulk_reply': reply, 'held_before': held})
            for key in keys:
                runs = self.cfg['scale_runs'] if key == 'dt_role_assignment' else self.cfg['scale_other_runs']
                target = self.targets[key]
                cmd = target.command if target.tool == 'azcli' else self.adhoc_cmd(target)
                samples = [self.measured(cmd, self.target_env(target), timeout=1800) for _run in range(runs)]
                good = [s for s in samples if s.returncode == 0]
                if good:
                    entry[key] = summarise(good)
                else:
                    entry[key] = None
                    self.results['notes'].append('scale %s at %d failed: %s' % (key, count, tail(samples[-1].output)))
            log('scale %d done' % count)

    # ---- profile ------------------------------------------------------------------------------------------------------------
    def run_profile(self):
        for key in ('dt_instance', 'dt_role_assignment', 'azure_rm_roleassignment'):
            if key not in self.usable:
                continue
            try:
                self.results['profile'][key] = self.profile_module(self.targets[key])
            except Exception as exc:  # pylint: disable=broad-exception-caught
                self.results['profile'][key] = {'error': '%s: %s' % (type(exc).__name__, exc)}

    def profile_module(self, target):
        """Keep the AnsiballZ payload of one run, then run it directly: plain (wall), and under -X importtime."""
        ours = target.venv == OUR_VENV
        env = self.ansible_env(target.venv, ours=ours)
        keep = os.path.join(self.work, 'keep-' + target.key)
        env.update({'ANSIBLE_KEEP_REMOTE_FILES': '1', 'ANSIBLE_REMOTE_TMP': keep})
        run_measured(self.adhoc_cmd(target), env)
        payloads = glob.glob(os.path.join(keep, '*', 'AnsiballZ_*.py'))
        if not payloads:
            raise RuntimeError('no AnsiballZ payload kept under %s' % keep)
        payload = payloads[0]
        python = os.path.join(target.venv, 'bin', 'python')
        run_env = self.ansible_env(target.venv, ours=ours)
        direct = [run_measured([python, payload], run_env) for _run in range(5)]
        walls = [sample.wall for sample in direct]
        bare = [run_measured([python, '-c', 'pass'], run_env).wall for _run in range(5)]
        basic = [run_measured([python, '-c', 'import ansible.module_utils.basic'], run_env).wall for _run in range(5)]
        imports = subprocess.run([python, '-X', 'importtime', payload], env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, timeout=300)
        tree = parse_importtime(imports.stderr.decode('utf-8', 'replace'))
        self.admin.clear_requests()
        subprocess.run([python, payload], env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=300)
        entries = self.admin.requests()
        shutil.rmtree(keep, ignore_errors=True)
        return {'module_process_wall': statistics.median(walls), 'module_process_cpu': statistics.median([d.cpu for d in direct]),
                'python_startup': statistics.median(bare),
                'import_basic': statistics.median(basic), 'imports': tree,
                'requests': [{'method': e.get('method'), 'path': e.get('path'), 'status': e.get('status'), 'ms': e.get('duration_ms')} for e in entries]}

    # ---- install size -------------------------------------------------------------------------------------------------------
    def run_size(self):
        python = os.path.join(OUR_VENV, 'bin', 'python3')
        bare = os.path.join(self.work, 'venv-bare')
        subprocess.run([python, '-m', 'venv', bare], check=True, timeout=300)
        base_bytes, base_files = dir_size(_site_packages(bare))
        for key, venv in (('ours', os.path.join(ROOT, '.venv-bench-size-ours')), ('azcoll', os.path.join(ROOT, '.venv-bench-size-azcoll'))):
            if not os.path.exists(os.path.join(venv, '.bench-ready')):
                self.not_measured('size:' + key, '%s is not installed (tests/bench/setup_venvs.sh size-%s)' % (os.path.basename(venv), key))
                continue
            site = _site_packages(venv)
            size, files = dir_size(site)
            top = []
            for name in os.listdir(site):
                path = os.path.join(site, name)
                if os.path.isdir(path) and not name.endswith(('.dist-info', '.egg-info')):
                    top.append((dir_size(path)[0], name))
            dists = len(glob.glob(os.path.join(site, '*.dist-info')))
            self.results['size'][key] = {'bytes': size - base_bytes, 'files': files - base_files, 'distributions': dists - len(glob.glob(os.path.join(
                _site_packages(bare), '*.dist-info'))), 'largest': [[n, b] for b, n in sorted(top, reverse=True)[:6]]}
        req = os.path.join(ROOT, 'requirements.txt')
        with open(req, encoding='utf-8') as handle:
            self.results['size']['ours_requirements'] = [line.strip() for line in handle if line.strip() and not line.startswith('#')]

    # ---- versions -------------------------------------------------------------------------------------------------------------
    def versions(self):
        meta = self.results['meta']
        meta['machine'] = {'cpus': os.cpu_count(), 'cpu_model': _cpu_model(), 'kernel': platform.release()}
        head = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
        dirty = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, check=False)
        if head.returncode == 0:
            meta['commit'] = head.stdout.decode().strip() + (' with uncommitted changes' if dirty.stdout.strip() else '')
        for key, venv in (('ours', OUR_VENV), ('azcoll_venv', AZCOLL_VENV)):
            python = os.path.join(venv, 'bin', 'python')
            if not os.path.exists(python):
                continue
            out = subprocess.run([python, '-c', 'import sys, ansible.release as r; print(sys.version.split()[0], r.__version__)'],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False, timeout=60).stdout.decode().split()
            if len(out) == 2:
                meta[key] = {'python': out[0], 'ansible_core': out[1]}
        manifests = glob.glob(os.path.join(AZCOLL_VENV, 'lib', 'python*', 'site-packages', 'ansible_collections', 'azure', 'azcollection', 'MANIFEST.json'))
        if manifests:
            with open(manifests[0], encoding='utf-8') as handle:
                meta['azcollection'] = json.load(handle)['collection_info']['version']
        ansible_pkg = glob.glob(os.path.join(AZCOLL_VENV, 'lib', 'python*', 'site-packages', 'ansible-*.dist-info'))
        if ansible_pkg:
            meta['ansible_package'] = os.path.basename(ansible_pkg[0])[len('ansible-'):-len('.dist-info')]

    # ---- main ----------------------------------------------------------------------------------------------------------------
    def run(self):
        sections = [name for name in SECTIONS if name in self.options.sections.split(',')]
        self.results['meta']['sections'] = sections
        self.results['meta']['loadavg_start'] = list(os.getloadavg())
        self.versions()
        if 'size' in sections:
            self.run_size()
        self.install_collection()
        self.start_emulator()
        try:
            if set(sections) & {'adhoc', 'profile', 'scale', 'loop'}:
                self.prepare_state()
                self.build_targets()
                self.usable = self.warm_up()
            # most important first; the page is re-rendered after each section, so an interrupted run still leaves its figures.
            # The setup role and the fleets run before the inventory (1000 more instances) and scale (20,000 more assignments)
            # sections fill the emulator, so that they measure a subscription as a fleet would find it.
            steps = (('adhoc', lambda: self.run_adhoc(self.usable)), ('profile', self.run_profile), ('role', self.run_role),
                     ('fleet', self.run_fleet), ('inventory', self.run_inventory), ('scale', self.run_scale),
                     ('loop', lambda: self.run_loop([k for k in self.usable if k in LOOP_KEYS])))
            for name, step in steps:
                if name not in sections:
                    continue
                try:
                    step()
                    self.results['meta'].setdefault('completed', []).append(name)
                except Interrupted:
                    raise
                except Exception:  # pylint: disable=broad-exception-caught
                    self.not_measured(name, 'harness error: ' + tail(traceback.format_exc(), 800))
                self.publish(self.results)
        finally:
            self.results['meta']['finished'] = _now()
            self.results['meta']['loadavg_end'] = list(os.getloadavg())
            self.emulator.stop()


def _recap(output):
    """{host: {ok, changed, unreachable, failed, ...}} from the PLAY RECAP of an ansible-playbook run."""
    hosts = {}
    for line in output.split('PLAY RECAP', 1)[-1].splitlines():
        match = re.match(r'^(\S+)\s+:\s+(ok=\d+.*)$', line.strip())
        if match:
            hosts[match.group(1)] = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', match.group(2))}
    return hosts


def _pass(summary, size):
    """A pass of a fleet of `size` with its per-instance figures."""
    entry = dict(summary, size=size)
    for field in ('wall', 'cpu', 'requests', 'processes'):
        entry['per_instance_' + field] = None if summary.get(field) is None else summary[field] / float(size)
    return entry


def parse_importtime(stderr):
    """Top-level imports (cumulative us) from `python -X importtime`, grouped by top package, largest first."""
    roots = {}
    total = 0
    for line in stderr.splitlines():
        if not line.startswith('import time:') or 'imported package' in line:
            continue
        parts = line[len('import time:'):].split('|')
        if len(parts) != 3:
            continue
        name_field = parts[2]
        depth = (len(name_field) - len(name_field.lstrip(' ')) - 1) // 2
        if depth != 0:
            continue
        cumulative = int(parts[1].strip())
        name = name_field.strip()
        parts = name.split('.')
        depth_of_name = {'ansible_collections': 6, 'azure': 3 if parts[:2] == ['azure', 'mgmt'] else 2, 'ansible': 3}.get(parts[0], 1)
        root = '.'.join(parts[:depth_of_name])
        roots[root] = roots.get(root, 0) + cumulative
        total += cumulative
    ordered = sorted(roots.items(), key=lambda item: item[1], reverse=True)
    return {'total_us': total, 'top': ordered[:15]}


def _site_packages(venv):
    return glob.glob(os.path.join(venv, 'lib', 'python*', 'site-packages'))[0]


def _cpu_model():
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class Interrupted(Exception):
    """SIGTERM/SIGINT: stop measuring, still stop the emulator and write what was measured."""


def _interrupt(signum, _frame):
    raise Interrupted('interrupted by signal %d' % signum)


def main():
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--quick', action='store_true', help='fewer repetitions and a fleet of 10 at most (for iterating)')
    parser.add_argument('--report-only', action='store_true',
                        help='re-render the page and its plot from the results.json of the last run (tests/output/bench/, or '
                             'tests/output/bench/fleet-only/ with --fleet-only)')
    parser.add_argument('--fleet-only', action='store_true',
                        help='only the setup-role and fleet sections (for development); writes tests/output/bench/fleet-only/ and never '
                             'docs/benchmarks.md, whose figures all come from one full run')
    parser.add_argument('--fleet-sizes', help='comma-separated fleet sizes instead of the mode\'s (for development), e.g. 1,10')
    parser.add_argument('--output', help='the page to write (default docs/benchmarks.md; tests/output/bench/fleet-only/benchmarks.md '
                                         'with --fleet-only)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    parser.add_argument('--sections', default=','.join(SECTIONS), help='comma-separated subset of %s (for iterating)' % ','.join(SECTIONS))
    options = parser.parse_args()
    out_dir = OUT_DIR
    if options.fleet_only:
        options.sections = ','.join(FLEET_SECTIONS)
        out_dir = os.path.join(OUT_DIR, 'fleet-only')
    options.output = options.output or os.path.join(out_dir if options.fleet_only else os.path.join(ROOT, 'docs'), 'benchmarks.md')
    unknown = set(options.sections.split(',')) - set(SECTIONS)
    if unknown:
        parser.error('unknown sections: %s (known: %s)' % (', '.join(sorted(unknown)), ', '.join(SECTIONS)))
    os.makedirs(out_dir, exist_ok=True)
    results_path = os.path.join(out_dir, 'results.json')

    def publish(results):
        results['meta']['results_file'] = os.path.relpath(results_path, ROOT)
        with open(results_path, 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=1, default=str)
        render(results_path, options.output)

    if not options.report_only:
        bench = Bench(options, publish)
        log('mode %s, work dir %s' % (bench.mode, bench.work))
        try:
            bench.run()
        except Exception:  # pylint: disable=broad-exception-caught
            bench.results['notes'].append('harness stopped early: ' + tail(traceback.format_exc(), 1500))
            log(traceback.format_exc())
        bench.results['meta'].setdefault('finished', _now())
        publish(bench.results)
        if not options.keep:
            shutil.rmtree(bench.work, ignore_errors=True)
    else:
        render(results_path, options.output)
    return 0


def render(results_path, output):
    """docs/benchmarks.md (+ .png when the plot venv exists) from results.json."""
    with open(results_path, encoding='utf-8') as handle:
        results = json.load(handle)
    results['meta']['results_file'] = os.path.relpath(results_path, ROOT)
    png = os.path.splitext(output)[0] + '.png'
    plot_python = os.path.join(PLOT_VENV, 'bin', 'python')
    plotted = False
    if os.path.exists(plot_python):
        done = subprocess.run([plot_python, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'plot.py'), results_path, png], check=False)
        plotted = done.returncode == 0
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write(report.render(results, os.path.basename(png) if plotted else None))
    log('wrote %s%s' % (output, ' and ' + png if plotted else ' (no plot: .venv-bench-plot missing or plot failed)'))


if __name__ == '__main__':
    sys.exit(main())
