"""Builds the state, keys and certificates in a state directory and serves HTTPS on 127.0.0.1."""

import json
import logging
import os
import signal
import socket
import ssl

from cryptography.hazmat.primitives import serialization
from werkzeug.serving import WSGIRequestHandler, make_server

from . import tls
from .app import create_app
from .state import State, load_seed
from .tokens import TokenService

HOST = '127.0.0.1'
IDLE_TIMEOUT = 300


class _Handler(WSGIRequestHandler):
    timeout = IDLE_TIMEOUT   # drop connections that stay silent (also bounds the TLS handshake)

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms per answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def env_values(state, state_dir):
    automation = state.seed_keys['automation']
    seed_sp = next(s for s in state.seed['service_principals'] if s['key'] == 'automation')
    ca_path = os.path.join(state_dir, 'ca.pem')
    return {
        'AZURE_CLOUD_ENVIRONMENT': state.base_url,
        'AZURE_SUBSCRIPTION_ID': state.subscription_id,
        'AZURE_TENANT': state.tenant_id,
        'AZURE_CLIENT_ID': automation['appId'],
        'AZURE_SECRET': seed_sp['secret'],
        'REQUESTS_CA_BUNDLE': ca_path,
        'SSL_CERT_FILE': ca_path,
        'TWINOPS_EMULATOR_ADMIN_URL': f'{state.base_url}/_emulator',
    }


def _write_atomic(path, text, mode=0o600):
    tmp = path + '.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_env(state_dir, values):
    lines = ''.join(f"export {name}='{value}'\n" for name, value in values.items())
    _write_atomic(os.path.join(state_dir, 'env.json'), json.dumps(values, indent=2) + '\n')
    _write_atomic(os.path.join(state_dir, 'env'), lines)


def build(state_dir, port=0, provisioning_delay=1.0):
    """Create key material and bind the server; returns (server, state)."""
    os.makedirs(state_dir, exist_ok=True)
    ca_cert, ca_key = tls.ensure_ca(state_dir)
    cert_path, key_path = tls.ensure_server_cert(state_dir, ca_cert, ca_key)
    signing_key = tls.load_or_create_key(os.path.join(state_dir, 'signing-key.pem'))
    automation_cert = tls.ensure_client_cert(os.path.join(state_dir, 'automation-cert.pem'), 'twinops-automation')
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    server = make_server(HOST, port, None, threaded=True, request_handler=_Handler)
    # Handshake in the connection's own thread (not in accept), so a silent client cannot stall the server.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.ssl_context = context
    base_url = f'https://{HOST}:{server.server_port}'
    certs = {'automation': [automation_cert.public_bytes(serialization.Encoding.PEM)]}
    state = State(load_seed(), base_url, state_dir, provisioning_delay=provisioning_delay, seed_certs=certs)
    server.app = create_app(state, TokenService(signing_key, base_url))
    return server, state


def serve(state_dir, port=0, provisioning_delay=1.0):
    """Run in the foreground until SIGTERM/SIGINT; writes DIR/env, DIR/env.json and DIR/pid."""
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(name)s %(levelname)s %(message)s')
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    server, state = build(state_dir, port, provisioning_delay)

    def _stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    write_env(state_dir, env_values(state, state_dir))
    _write_atomic(os.path.join(state_dir, 'pid'), f'{os.getpid()}\n', mode=0o644)
    logging.getLogger('twinops_emulator').info('serving %s (state dir %s)', state.base_url, state_dir)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        pid_path = os.path.join(state_dir, 'pid')
        if os.path.exists(pid_path):
            os.remove(pid_path)
    return 0
