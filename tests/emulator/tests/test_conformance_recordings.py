"""Conformance, part 3: the recorded Azure exchanges (../shared/specs/recordings) reproduced against the emulator.

Each recording's request sequence is replayed in order, mapped into the emulator's world (subscription, principals,
unknown role definitions; resource groups a recording presupposes are created first), with the recorded api-version.
For every replayed request the status code, the presence of the LRO headers (Azure-AsyncOperation, Location,
Retry-After) and the body shape must match the recording.  Recorded polls are not replayed by URL: the emulator's own
LRO headers are followed (as ARMPolling would) and the final poll is compared with the recorded final poll.

Not replayed, and why:
- Entra ID exchanges (OIDC configuration, instance discovery, token): azure-identity performs them; the emulator's
  token flow is exercised by every other request here (and instance discovery is disabled, see the contract §3).
- 409 MissingSubscriptionRegistration and the provider register/poll that follows: the emulator never emits it
  (azure-mgmt-core would auto-register); the retried PUT is compared instead.
- Microsoft.ManagedIdentity user-assigned identity PUT: not emulated; the emulator creates a referenced identity.
- Microsoft.Authorization providerOperations: not emulated (the collection never calls it).
"""

import re

import pytest

from conformance import RECORDINGS_DIR, SKIP_REASON, SPECS_DIR
from conformance import recordings, wire
from conformance.shape import differences, unexplained
from conformance.specs import SpecSet

pytestmark = pytest.mark.skipif(SPECS_DIR is None, reason=SKIP_REASON)

SP_PIPELINE = 'a0700000-0000-4000-8000-0000000000a4'      # seeded service principal (the recordings assign to SPs)
RECORDED_SUB = '00000000-0000-0000-0000-000000000000'
GUID = r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
NOT_REPLAYED = {'aad': 'Entra ID flow (azure-identity does it)', 'missing-registration': 'the emulator never emits MissingSubscriptionRegistration',
                'provider-registration': 'follows MissingSubscriptionRegistration only', 'managed-identity': 'Microsoft.ManagedIdentity is not emulated',
                'provider-operations': 'providerOperations is not emulated'}
POLLS = ('dt-operation-status', 'dt-operation-result', 'rg-operation-result')

# Differences explained by the api-version gap (recordings use older api-versions; the emulator accepts them and answers
# in its 2023-01-31 / 2022-04-01 shape), each with its reason.
EXCEPTIONS = {
    '$.sku|missing': '2020-03-01-preview answers had sku; removed from the API in later versions',
    '$.location|type string, expected null': '2020-03-01-preview DELETE 202 answered location: null; current versions return the location',
    '$.systemData|unexpected key': 'systemData was added after 2020-03-01-preview',
    '$.properties.publicNetworkAccess|unexpected key': 'publicNetworkAccess was added after 2020-03-01-preview',
    '$.properties.privateEndpointConnections|unexpected key': 'privateEndpointConnections was added after 2020-03-01-preview',
    '$.properties.condition|unexpected key': 'condition/conditionVersion/delegatedManagedIdentityResourceId: 2022-04-01 properties, '
                                             'absent from the 2018 api-versions recorded',
    '$.properties.conditionVersion|unexpected key': 'as for condition',
    '$.properties.delegatedManagedIdentityResourceId|unexpected key': 'as for condition',
    '$.properties.description|unexpected key': 'description was added to role assignments after 2018-09-01-preview',
    '$.properties.createdBy|type string, expected null': 'createdBy is null for assignments ARM made itself; ours is made by the caller',
    '$.properties.updatedBy|type string, expected null': 'as for createdBy',
}

# The emulator accepts these older api-versions and answers them as it answers the current one (2023-01-31): LRO answers
# carry Azure-AsyncOperation + Location + Retry-After, and the poll returns an operation status.  The 2020 recording
# shows Location-only LROs whose poll returned the resource, hostName null and createdTime 0001-01-01 while deleting,
# and "reason": "NameIsAvailable" for a free name.  Those comparisons are skipped for that api-version.
ANSWERED_AS_CURRENT = {
    '2020-03-01-preview': {
        '$.properties.hostName|type string, expected null': 'the 2020 RP sent hostName null while deleting',
        '$.tags|type object, expected null': 'the 2020 RP sent tags null in the DELETE 202 after a PATCH had set them',
        '$.reason|type null, expected string': 'the 2020 RP answered reason "NameIsAvailable" for a free name (not in the 2023-01-31 enum)',
        '$.message|type null, expected string': 'the 2020 RP answered a message for a free name',
    },
    '2015-07-01': {
        '$.properties.permissions[*].dataActions|unexpected key': 'dataActions/notDataActions came after 2015-07-01',
        '$.properties.permissions[*].notDataActions|unexpected key': 'as dataActions',
    },
}

# Confirmed emulator deviations: (_short(recording), step label) -> reason; strict xfails.  Two were found and
# fixed during development (RG PUT 201 with "managedBy": null; user-assigned clientId/principalId filled on the 201).
DEVIATIONS = {}


def _files():
    if RECORDINGS_DIR is None or not RECORDINGS_DIR.is_dir():
        return []
    return sorted(p for p in RECORDINGS_DIR.iterdir() if p.suffix in ('.json', '.yaml'))


def _short(path):
    """A unique, readable id: test_cli_mgmt_authorization.test_role_assignment -> cli_mgmt_authorization.role_assignment."""
    return path.stem.replace('test_', '').replace('.pyTestDigitalTwin', '.')


def _steps(exchanges):
    """(index, label, skip reason or None) of each recorded exchange that is compared: requests, and final polls."""
    out = []
    for index, recorded in enumerate(exchanges):
        kind = recorded.kind
        label = f'{index:02d}-{recorded.method}-{kind}-{recorded.status}'
        if kind in NOT_REPLAYED:
            out.append((index, label, NOT_REPLAYED[kind]))
        elif kind in POLLS:
            if not (index + 1 < len(exchanges) and exchanges[index + 1].kind in POLLS):
                out.append((index, f'{label}-final-poll', None))
        else:
            out.append((index, label, None))
    return out


def _step_params():
    out = []
    for path in _files():
        for index, label, skip in _steps(recordings.load(path)):
            marks = [pytest.mark.skip(reason=f'not replayed: {skip}')] if skip else []
            reason = DEVIATIONS.get((_short(path), label))
            marks += [pytest.mark.xfail(strict=True, reason=f'emulator deviation: {reason}')] if reason else []
            out.append(pytest.param(path.name, index, id=f'{_short(path)}-{label}', marks=marks))
    return out


@pytest.mark.parametrize('path', [pytest.param(p, id=_short(p)) for p in _files()])
def test_recordings_parse(path):
    exchanges = recordings.load(path)
    assert exchanges
    for exchange in exchanges:
        if exchange.method in ('PUT', 'PATCH') and exchange.kind in ('role-assignment', 'digitaltwins'):
            assert isinstance(exchange.request_body, dict), exchange      # nested b'...' literals are unwrapped


def test_recorded_azure_answers_meet_the_spec_validator():
    """Self-test on real traffic: the 2022-10-31 Digital Twins answers and every role assignment/definition answer
    validate against the vendored specs (the 2020-03-01-preview DT answers carry `sku`, which later versions dropped)."""
    specs = SpecSet(SPECS_DIR)
    checked = 0
    for path in _files():
        for exchange in recordings.load(path):
            if exchange.kind not in ('digitaltwins', 'role-assignment', 'role-definition') or exchange.api_version == '2020-03-01-preview':
                continue
            op = specs.find(exchange.method, exchange.path)
            assert specs.validate_response(op, exchange.status, exchange.body) == [], exchange
            checked += 1
    assert checked >= 14


class Replay:
    def __init__(self, emu):
        self.emu = emu
        self.sub = emu.env['AZURE_SUBSCRIPTION_ID']
        self.session = wire.ArmSession(emu)
        self.seeded_roles = {d['id'].lower() for d in emu.seed['role_definitions']}
        self.groups = set()

    def map_text(self, text):
        text = text.replace(RECORDED_SUB, self.sub)
        text = re.sub(r'https://management\.azure\.com(:443)?', self.session.base, text)
        return text

    def map_body(self, body):
        if isinstance(body, dict):
            out = {k: self.map_body(v) for k, v in body.items()}
            props = out.get('properties')
            if isinstance(props, dict) and 'principalId' in props:
                props['principalId'] = SP_PIPELINE
            return out
        if isinstance(body, list):
            return [self.map_body(v) for v in body]
        return self.map_text(body) if isinstance(body, str) else body

    def prerequisites(self, exchange):
        match = re.search(r'/subscriptions/[^/]+/resourceGroups/([^/?]+)', exchange.path, re.IGNORECASE)
        if match and exchange.kind != 'resource-group' and match.group(1).lower() not in self.groups:
            answer = self.session.send('PUT', f'/subscriptions/{self.sub}/resourcegroups/{match.group(1)}', {'location': 'westus2'},
                                       api_version=wire.RG_API)
            assert answer.status in (200, 201), answer.body
        if match:
            self.groups.add(match.group(1).lower())
        role = re.search(r'/roleDefinitions/(' + GUID + ')', exchange.path)
        if exchange.kind == 'role-definition' and role and role.group(1).lower() not in self.seeded_roles and exchange.status == 200:
            props = dict(exchange.body['properties'], assignableScopes=[f'/subscriptions/{self.sub}'])
            props = {k: v for k, v in props.items() if k in ('roleName', 'description', 'type', 'permissions', 'assignableScopes')}
            created = self.session.send('PUT', self.map_text(exchange.path), {'properties': props}, api_version=wire.AUTHZ_API)
            assert created.status in (200, 201), created.body
            self.seeded_roles.add(role.group(1).lower())

    def request_body(self, exchange):
        body = self.map_body(exchange.request_body)
        if exchange.kind == 'role-assignment' and isinstance(body, dict):
            role = re.search(r'roleDefinitions/(' + GUID + ')', body['properties'].get('roleDefinitionId', ''))
            if role and role.group(1).lower() not in self.seeded_roles:
                body['properties']['roleDefinitionId'] = body['properties']['roleDefinitionId'].replace(role.group(1), 'bcd981a7-7f74-457b-83e1-cceb9e632ffe')
        return body


def _compare(recorded, answer, poll=False):
    extra = ANSWERED_AS_CURRENT.get(recorded.api_version)
    problems = []
    if answer.status != recorded.status:
        problems.append(f'status {answer.status}, recorded {recorded.status}')
    if not poll and answer.lro_headers != recorded.lro_headers and recorded.api_version not in ANSWERED_AS_CURRENT:
        problems.append(f'LRO headers {answer.lro_headers}, recorded {recorded.lro_headers}')
    if poll and recorded.api_version in ANSWERED_AS_CURRENT:
        return problems
    if isinstance(recorded.body, (dict, list)) or isinstance(answer.body, (dict, list)):
        problems += unexplained(differences(recorded.body, answer.body), dict(EXCEPTIONS, **(extra or {})))
    return problems


def _replay_file(emu, path):
    """Replay one recording; {index of a compared step: problems}."""
    emu.reset()
    emu.settings(provisioning_delay_seconds=0.2)
    replay = Replay(emu)
    exchanges = recordings.load(path)
    results, last, polls = {}, None, []
    for index, recorded in enumerate(exchanges):
        kind = recorded.kind
        if kind in NOT_REPLAYED:
            continue
        if kind in POLLS:
            if not polls and last is not None:
                polls = replay.session.poll(last) or [None]
            if not (index + 1 < len(exchanges) and exchanges[index + 1].kind in POLLS):
                final = polls[-1] if polls else None
                results[index] = ['recorded a poll, the emulator gave no LRO header to follow'] if final is None else \
                    _compare(recorded, final, poll=True)
                polls = []
            continue
        replay.prerequisites(recorded)
        answer = replay.session.send(recorded.method, replay.map_text(recorded.url), replay.request_body(recorded))
        results[index] = _compare(recorded, answer)
        last = answer
    return results


@pytest.fixture(scope='module')
def replayed(emulator):
    """Every recording replayed once, in order (the emulator is reset before each recording)."""
    yield {path.name: _replay_file(emulator, path) for path in _files()}
    emulator.reset()            # leave the shared emulator as the seed made it (settings included) for other modules


@pytest.mark.parametrize('name, index', _step_params())
def test_recorded_step_reproduces(replayed, name, index):
    recorded = recordings.load(RECORDINGS_DIR / name)[index]
    problems = replayed[name].get(index)
    assert problems is not None, 'step was not replayed'
    assert not problems, f'{recorded.method} {recorded.path} ({recorded.api_version}):\n' + '\n'.join(problems)
