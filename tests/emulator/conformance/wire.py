"""Talk to the emulator exactly as production code does, and keep what went over the wire.

``WireLog`` is an azure-core ``raw_response_hook``: given to a real management client it records every response of
every request that client's pipeline sends (initial calls, LRO polls and final GETs), undeserialised.  ``ArmSession``
sends hand-made requests (example and recording replays) with a bearer token that azure-identity obtained from the
emulator's Entra ID endpoint.
"""

import json
import time
import urllib.parse

import requests
from azure.core.exceptions import ResponseNotReadError
from azure.identity import ClientSecretCredential

from .recordings import Exchange

ARM_SCOPE = 'https://management.azure.com/.default'
DT_API = '2023-01-31'
AUTHZ_API = '2022-04-01'
RG_API = '2025-04-01'


def _parse(text):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


class WireLog:
    """The ``Exchange`` objects seen, in order; call it as ``raw_response_hook``.  Always truthy: azure-core skips a
    falsy hook, and an empty container would be one."""

    def __init__(self):
        self.exchanges = []

    def __bool__(self):
        return True

    def __iter__(self):
        return iter(self.exchanges)

    def __len__(self):
        return len(self.exchanges)

    def __getitem__(self, index):
        return self.exchanges[index]

    def append(self, exchange):
        self.exchanges.append(exchange)

    def __call__(self, pipeline_response):
        request, response = pipeline_response.http_request, pipeline_response.http_response
        body = request.body
        if isinstance(body, bytes):
            body = body.decode('utf-8', 'replace')
        text = ''
        if request.method != 'HEAD':
            try:
                text = response.text()
            except ResponseNotReadError:
                # LRO initial calls are streamed: read through requests, which keeps the bytes and replays them to the SDK
                text = response.internal_response.content.decode('utf-8', 'replace')
        self.append(Exchange(request.method, request.url, _parse(body), response.status_code, dict(response.headers), _parse(text)))


def credential(emu):
    env = emu.env
    return ClientSecretCredential(env['AZURE_TENANT'], env['AZURE_CLIENT_ID'], env['AZURE_SECRET'], authority=emu.url,
                                  disable_instance_discovery=True, connection_verify=emu.ca_path)


def client_kwargs(emu, log):
    return {'base_url': emu.url + '/', 'credential_scopes': [ARM_SCOPE], 'connection_verify': emu.ca_path, 'raw_response_hook': log}


def digitaltwins_client(emu, log, cred=None):
    from azure.mgmt.digitaltwins import AzureDigitalTwinsManagementClient     # pylint: disable=import-outside-toplevel
    return AzureDigitalTwinsManagementClient(cred or credential(emu), emu.env['AZURE_SUBSCRIPTION_ID'], **client_kwargs(emu, log))


def authorization_client(emu, log, cred=None):
    from azure.mgmt.authorization import AuthorizationManagementClient        # pylint: disable=import-outside-toplevel
    return AuthorizationManagementClient(cred or credential(emu), emu.env['AZURE_SUBSCRIPTION_ID'], **client_kwargs(emu, log))


def resource_client(emu, log, cred=None):
    from azure.mgmt.resource.resources import ResourceManagementClient        # pylint: disable=import-outside-toplevel
    return ResourceManagementClient(cred or credential(emu), emu.env['AZURE_SUBSCRIPTION_ID'], **client_kwargs(emu, log))


_TOKENS = {}


def arm_token(emu, cred=None):
    """A bearer token for ARM from the emulator's Entra ID, reused while valid (one token request per run, not per test)."""
    key = (emu.url, emu.env['AZURE_CLIENT_ID'])
    token = _TOKENS.get(key)
    if token is None or token.expires_on - time.time() < 300:
        token = _TOKENS[key] = (cred or credential(emu)).get_token(ARM_SCOPE)
    return token.token


class ArmSession:
    """Plain HTTPS requests to the emulator's ARM endpoint with a real bearer token; every answer is logged."""

    def __init__(self, emu, cred=None):
        self.base = emu.url.rstrip('/')
        self.session = requests.Session()
        self.ca_path = emu.ca_path                 # passed per request: a REQUESTS_CA_BUNDLE in the environment beats Session.verify
        token = arm_token(emu, cred)
        self.session.headers.update({'Authorization': f'Bearer {token}', 'Accept': 'application/json'})
        self.log = WireLog()

    def url(self, path_or_url, api_version=None, query=None):
        url = path_or_url if path_or_url.startswith('https://') else self.base + path_or_url
        params = dict(query or {})
        if api_version is not None:
            params['api-version'] = api_version
        if params:
            url += ('&' if '?' in url else '?') + urllib.parse.urlencode(params, safe="$'()", quote_via=urllib.parse.quote)
        return url

    def send(self, method, path_or_url, body=None, api_version=None, query=None):
        url = self.url(path_or_url, api_version, query)
        data = json.dumps(body) if body is not None else None
        headers = {'Content-Type': 'application/json'} if data is not None else {}
        response = self.session.request(method, url, data=data, headers=headers, timeout=30, verify=self.ca_path)
        text = response.text if method.upper() != 'HEAD' else ''
        exchange = Exchange(method, url, body, response.status_code, dict(response.headers), _parse(text))
        self.log.append(exchange)
        return exchange

    def poll(self, exchange, timeout=20.0, interval=0.1):
        """Follow an LRO answer as ARMPolling does (Azure-AsyncOperation first, then Location) until it is terminal.

        Returns the status answers in order; waits ``interval`` instead of Retry-After to keep the suite fast."""
        answers = []
        if 'azure-asyncoperation' in exchange.headers:
            url = exchange.headers['azure-asyncoperation']
            deadline = time.time() + timeout
            while time.time() < deadline:
                answer = self.send('GET', url)
                answers.append(answer)
                status = (answer.body or {}).get('status', '') if isinstance(answer.body, dict) else ''
                if answer.status >= 400 or status.lower() in ('succeeded', 'failed', 'canceled'):
                    return answers
                time.sleep(interval)
            raise AssertionError(f'LRO did not finish within {timeout} s: {answers[-1].body!r}')
        if 'location' in exchange.headers:
            url = exchange.headers['location']
            deadline = time.time() + timeout
            while time.time() < deadline:
                answer = self.send('GET', url)
                answers.append(answer)
                if answer.status != 202:
                    return answers
                time.sleep(interval)
            raise AssertionError(f'LRO did not finish within {timeout} s')
        return answers
