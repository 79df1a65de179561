"""In-memory state of the emulated cloud, rebuilt from seed.yaml on start and on reset."""

import collections
import os
import threading
import time

import yaml

from .clock import now_iso
from .rbac import scope_key

SEED_PATH = os.path.join(os.path.dirname(__file__), 'seed.yaml')
REQUEST_LOG_LIMIT = 100000

DEFAULT_SETTINGS = {
    'provisioning_delay_seconds': 1.0,
    'deletion_delay_seconds': None,          # None: same as provisioning_delay_seconds
    'page_size': 50,                         # resource groups and Digital Twins instances per page
    'role_assignment_page_size': 500,
    'permission_page_size': 100,             # entries per page of a permissions list
    'graph_page_size': 100,
    'managed_identity_arm_visible_after_seconds': 0.0,
    'retry_after_seconds': 1,
    'role_assignment_list_lag_seconds': 0.0,  # a new assignment shows in lists only this long after its PUT
}


def load_seed(path=SEED_PATH):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


class State:
    """Everything the emulator knows. Guard every access with `lock`."""

    def __init__(self, seed, base_url, state_dir, provisioning_delay=1.0, seed_certs=None, providers=None):
        if providers is None:
            from .providers import REGISTRY as providers  # pylint: disable=import-outside-toplevel
        self.providers = tuple(providers)
        self.lock = threading.RLock()
        self.seed = seed
        self.base_url = base_url
        self.state_dir = state_dir
        self.initial_delay = provisioning_delay
        self.tenant_id = seed['tenant']['id']
        self.tenant_domain = seed['tenant']['domain']
        self.subscription_id = seed['subscription']['id']
        self.dt_regions = dict(seed['digital_twins_regions'])
        self.rg_regions = list(seed['resource_group_regions'])
        self.seed_certs = seed_certs or {}   # seed key -> PEM certificates registered at start
        self.request_seq = 0
        self.requests = collections.deque(maxlen=REQUEST_LOG_LIMIT)
        self.reset()

    # ---- lifecycle -----------------------------------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.settings = dict(DEFAULT_SETTINGS, provisioning_delay_seconds=self.initial_delay)
            self.faults = []
            self.requests.clear()
            for provider in self.providers:
                provider.reset(self)

    def subst(self, text):
        return str(text).replace('{subscription}', self.subscription_id).replace('{base_url}', self.base_url)

    _subst = subst

    # ---- what the providers answer together ----------------------------------------------------------------------
    def advance(self):
        """Apply every provider's long-running work whose time has come (state is computed lazily on access)."""
        now = time.time()
        for provider in self.providers:
            provider.advance(self, now)

    def delete_scope(self, scope):
        """`scope` (a resource group or resource) is gone: every provider drops what it holds at or below it."""
        for provider in self.providers:
            provider.scope_deleted(self, scope)

    def find_resource(self, sub, rg, namespace, pairs):
        """True/False when a provider emulates that resource type (exists or not), None when none does."""
        for provider in self.providers:
            found = provider.find(self, sub, rg, namespace, pairs)
            if found is not None:
                return found
        return None

    def resources(self, sub, rg=None):
        """The generic resources of a subscription (or of one resource group) across all providers."""
        self.advance()
        return [resource for provider in self.providers for resource in provider.resources(self, sub, rg)]

    def registration(self, sub, namespace):
        for provider in self.providers:
            if provider.name.lower() == namespace.lower():
                return provider.registration(self, sub)
        return None

    # ---- helpers shared by the route modules -----------------------------------------------------------------
    def add_assignment(self, scope, name, role_guid, principal, created_by, principal_type=None, description=None, condition=None,
                       condition_version=None, delegated=None):
        stamp = now_iso()
        record = {'id': self.rbac.assignment_id(scope, name), 'name': name, 'scope': '/' + scope.strip('/') if scope.strip('/') else '/',
                  'scopeKey': scope_key(scope), 'roleGuid': role_guid.lower(), 'principalId': principal['id'] if principal else None,
                  'principalType': principal_type or _principal_type(principal), 'description': description, 'condition': condition,
                  'conditionVersion': condition_version, 'delegatedManagedIdentityResourceId': delegated,
                  'createdOn': stamp, 'updatedOn': stamp, 'createdBy': created_by, 'updatedBy': created_by}
        self.rbac.add(record)
        return record

    def delay(self, kind='provisioning'):
        if kind == 'deletion' and self.settings.get('deletion_delay_seconds') is not None:
            return float(self.settings['deletion_delay_seconds'])
        return float(self.settings['provisioning_delay_seconds'])

    def resource_group(self, sub, rg):
        self.advance()
        return self.resource_groups.get((sub.lower(), rg.lower()))

    def rbac_remove_principal(self, principal_id):
        for key in list(self.rbac.by_principal.get(principal_id.lower(), {})):
            self.rbac.remove(key)

    def principal_ids_of(self, object_id):
        """The caller's object id plus the groups it belongs to."""
        return [object_id] + self.directory.groups_of(object_id)


def _principal_type(principal):
    if principal is None:
        return None
    return {'user': 'User', 'servicePrincipal': 'ServicePrincipal', 'group': 'Group'}[principal['kind']]
