"""Command line: start (background), stop, serve (foreground)."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from .client import EmulatorAdmin, AdminRequestError

START_TIMEOUT = 60


def _pid(state_dir):
    try:
        with open(os.path.join(state_dir, 'pid'), encoding='utf-8') as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def _answers(state_dir):
    try:
        with open(os.path.join(state_dir, 'env.json'), encoding='utf-8') as handle:
            env = json.load(handle)
        EmulatorAdmin(env['TWINOPS_EMULATOR_ADMIN_URL'], env['SSL_CERT_FILE'], timeout=2).health()
        return True
    except (OSError, ValueError, KeyError, AdminRequestError):
        return False


def start(args):
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    if _pid(state_dir) and _answers(state_dir):
        print(f'emulator already running; environment in {os.path.join(state_dir, "env")}')
        return 0
    for name in ('env', 'env.json', 'pid'):
        if os.path.exists(os.path.join(state_dir, name)):
            os.remove(os.path.join(state_dir, name))
    command = [sys.executable, '-m', 'twinops_emulator', 'serve', '--state-dir', state_dir, '--port', str(args.port),
               '--provisioning-delay', str(args.provisioning_delay)]
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env['PYTHONPATH'] = package_root + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    with open(os.path.join(state_dir, 'emulator.log'), 'ab') as log:
        child = subprocess.Popen(  # pylint: disable=consider-using-with
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True)
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if child.poll() is not None:
            print(f'emulator exited with status {child.returncode}; see {os.path.join(state_dir, "emulator.log")}', file=sys.stderr)
            return 1
        if os.path.exists(os.path.join(state_dir, 'pid')) and _answers(state_dir):
            print(f'emulator running (pid {child.pid}); environment in {os.path.join(state_dir, "env")}')
            return 0
        time.sleep(0.1)
    print(f'emulator did not answer within {START_TIMEOUT} s; see {os.path.join(state_dir, "emulator.log")}', file=sys.stderr)
    child.terminate()
    return 1


def stop(args):
    state_dir = os.path.abspath(args.state_dir)
    pid = _pid(state_dir)
    if pid is None:
        print(f'emulator not running (no live pid in {state_dir})')
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while time.time() < deadline and _pid(state_dir) == pid:
        time.sleep(0.1)
    if _pid(state_dir) == pid:
        os.kill(pid, signal.SIGKILL)
    pid_path = os.path.join(state_dir, 'pid')
    if os.path.exists(pid_path):
        os.remove(pid_path)
    print(f'emulator stopped (pid {pid})')
    return 0


def serve(args):
    from .server import serve as run  # pylint: disable=import-outside-toplevel
    return run(os.path.abspath(args.state_dir), args.port, args.provisioning_delay)


def parser():
    root = argparse.ArgumentParser(prog='python -m twinops_emulator', description='Local Azure control-plane emulator (HTTPS, 127.0.0.1 only).')
    commands = root.add_subparsers(dest='command', required=True)
    for name, func, help_text in (('start', start, 'start in the background'), ('serve', serve, 'run in the foreground'),
                                  ('stop', stop, 'stop a background emulator')):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument('--state-dir', required=True, help='directory for the CA, keys, env file, pid and log')
        if name != 'stop':
            sub.add_argument('--port', type=int, default=0, help='TCP port on 127.0.0.1 (default 0 = a free port)')
            sub.add_argument('--provisioning-delay', type=float, default=1.0, help='seconds a create or delete takes (default 1.0)')
        sub.set_defaults(func=func)
    return root


def main(argv=None):
    args = parser().parse_args(argv)
    return args.func(args)
