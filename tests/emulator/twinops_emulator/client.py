"""Admin API client (stdlib only, cheap to import) for tests, benchmarks and scripts."""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request


class AdminRequestError(Exception):
    """An admin call failed: HTTP status (0 when unreachable) and the answer body."""

    def __init__(self, status, body):
        super().__init__(f'admin API answered {status}: {body}')
        self.status = status
        self.body = body


class EmulatorAdmin:
    def __init__(self, admin_url, ca_path, timeout=30):
        self.admin_url = admin_url.rstrip('/')
        self.context = ssl.create_default_context(cafile=ca_path)
        self.timeout = timeout

    def call(self, method, path, body=None, query=None):
        url = self.admin_url + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise AdminRequestError(exc.code, exc.read().decode('utf-8', 'replace')) from None
        except (urllib.error.URLError, OSError) as exc:
            raise AdminRequestError(0, str(exc)) from None
        return json.loads(payload) if payload else None

    def health(self):
        return self.call('GET', '/health')

    def reset(self):
        return self.call('POST', '/reset')

    def requests(self, since=None):
        return self.call('GET', '/requests', query={'since': since} if since is not None else None)

    def clear_requests(self):
        return self.call('DELETE', '/requests')

    def add_principal(self, **kwargs):
        return self.call('POST', '/principals', kwargs)

    def inject_fault(self, **kwargs):
        return self.call('POST', '/faults', kwargs)

    def clear_faults(self):
        return self.call('DELETE', '/faults')

    def set_behaviour(self, **kwargs):
        return self.call('POST', '/behaviours', kwargs)

    def settings(self, **kwargs):
        return self.call('POST', '/settings', kwargs)

    def state(self):
        return self.call('GET', '/state')

    def bulk_role_assignments(self, **kwargs):
        return self.call('POST', '/bulk/role-assignments', kwargs)

    def bulk_instances(self, **kwargs):
        return self.call('POST', '/bulk/instances', kwargs)

    def federated_token(self, client_id, subject=None):
        body = {'client_id': client_id}
        if subject:
            body['subject'] = subject
        return self.call('POST', '/federated-token', body)['token']
