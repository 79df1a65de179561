"""Read the recorded Azure exchanges (vcrpy YAML and azure-sdk test-proxy JSON) into one neutral shape.

Quirks handled (see ``shared/specs/recordings/README.md``): request bodies stored as nested ``b'...'`` literals,
``content-length`` that does not match the stored body (upstream renamed the resource group after recording; the
header is ignored), bodies that are JSON text or already-parsed JSON.
"""

import ast
import json
import re
import urllib.parse
from pathlib import Path

import yaml

LRO_HEADERS = ('azure-asyncoperation', 'location', 'retry-after')


class Exchange:
    """One request and its response as recorded (or as sent to and answered by the emulator)."""

    def __init__(self, method, url, request_body, status, headers, body):
        self.method = method.upper()
        self.url = url
        parsed = urllib.parse.urlsplit(url)
        self.host = parsed.hostname or ''
        self.path = urllib.parse.unquote(parsed.path)
        self.query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        self.api_version = self.query.get('api-version')
        self.request_body = request_body
        self.status = int(status)
        self.headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
        self.body = body

    def __repr__(self):
        return f'<Exchange {self.method} {self.path} -> {self.status}>'

    @property
    def lro_headers(self):
        """The LRO headers present on the response, lower-cased (Azure-AsyncOperation, Location, Retry-After)."""
        return sorted(name for name in LRO_HEADERS if name in self.headers)

    @property
    def kind(self):
        return classify(self)


def _json_or_text(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def demangle(body):
    """A request body as JSON (or text): unwraps upstream's nested ``b'b\\'...\\''`` literals."""
    text = body
    for _attempt in range(16):
        if isinstance(text, bytes):
            text = text.decode('utf-8', 'replace')
            continue
        if isinstance(text, str) and re.match(r"^b['\"]", text):
            try:
                text = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                break
            continue
        break
    return _json_or_text(text)


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def load_vcr(path):
    document = yaml.safe_load(Path(path).read_text(encoding='utf-8'))
    out = []
    for item in document['interactions']:
        request, response = item['request'], item['response']
        body = (response.get('body') or {}).get('string')
        headers = {k: _first(v) for k, v in (response.get('headers') or {}).items()}
        out.append(Exchange(request['method'], request['uri'], demangle(request.get('body')), response['status']['code'], headers,
                            _json_or_text(body)))
    return out


def load_test_proxy(path):
    document = json.loads(Path(path).read_text(encoding='utf-8'))
    out = []
    for entry in document['Entries']:
        out.append(Exchange(entry['RequestMethod'], entry['RequestUri'], demangle(entry.get('RequestBody')), entry['StatusCode'],
                            entry.get('ResponseHeaders'), _json_or_text(entry.get('ResponseBody'))))
    return out


def load(path):
    path = Path(path)
    return load_test_proxy(path) if path.suffix == '.json' else load_vcr(path)


def classify(exchange):
    """What an exchange is about, for deciding how (or whether) to replay it against the emulator."""
    path = exchange.path.lower()
    if exchange.host.startswith('login.') or '/oauth2/' in path or '/.well-known/' in path or '/discovery/' in path:
        return 'aad'
    if (exchange.status == 409 and isinstance(exchange.body, dict)
            and (exchange.body.get('error') or {}).get('code') == 'MissingSubscriptionRegistration'):
        return 'missing-registration'
    if re.search(r'^/subscriptions/[^/]+/providers/[^/]+(/register)?$', path):
        return 'provider-registration'
    if '/provideroperations/' in path:
        return 'provider-operations'
    if 'microsoft.managedidentity/' in path:
        return 'managed-identity'
    if re.search(r'/operationsstatuses/|/operationstatuses/', path):
        return 'dt-operation-status'
    if re.search(r'/digitaltwinsinstances/[^/]+/operationresults/|/microsoft\.digitaltwins/locations/[^/]+/operationresults/', path):
        return 'dt-operation-result'
    if re.search(r'^/subscriptions/[^/]+/operationresults/', path):
        return 'rg-operation-result'
    if 'microsoft.digitaltwins/' in path:
        return 'digitaltwins'
    if '/microsoft.authorization/roleassignments' in path:
        return 'role-assignment'
    if '/microsoft.authorization/roledefinitions' in path:
        return 'role-definition'
    if re.search(r'^/subscriptions/[^/]+/resourcegroups/[^/]+$', path):
        return 'resource-group'
    return 'other'
