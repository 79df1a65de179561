# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: dt_instances
short_description: Inventory of the Azure Digital Twins instances that exist in one or more subscriptions
version_added: 0.1.0
description:
  - Lists the Azure Digital Twins instances of one or more subscriptions (every resource group, or the ones in
    O(resource_groups)) and makes one host of each instance.
  - Reads one paged list per subscription (or per resource group with O(resource_groups)); with
    O(include_role_assignments=true), also one list of role assignments per instance, several at a time.
  - Each host has the variable C(dt_instance), the instance as M(twinops.digital_twins.dt_instance) returns it
    (C(id), C(name), C(resource_group), C(location), C(host_name), C(endpoint), C(provisioning_state), C(identity),
    C(tags), C(public_network_access), C(created_time), C(updated_time)) plus C(subscription_id); and, with
    O(include_role_assignments=true), the variable C(dt_role_assignments).
  - In O(compose), O(groups), O(keyed_groups), O(filters), O(exclude) and O(hostnames), the fields of the instance
    can also be named directly (C(location), C(tags.site), C(role_assignments)), as well as C(dt_instance) and
    C(dt_role_assignments). They are not host variables themselves, because ansible-core reserves C(name) and
    C(tags) for play keywords; use O(compose) to copy the ones a playbook needs.
  - Signs in as the modules do, with the same options and environment variables (AWX's Azure credential included).
  - A caller that may not list the instances of a subscription gets an empty inventory for it and a warning.
  - The configuration file must be named C(*.dt_instances.yml) or C(*.dt_instances.yaml).
author:
  - twinops maintainers (@twinops)
options:
  plugin:
    description: The name of this plugin; makes the file an inventory source of this plugin.
    type: str
    required: true
    choices: [twinops.digital_twins.dt_instances]
  subscription_id:
    description:
      - The subscription to list (a GUID), when O(subscription_ids) is not given.
    type: str
    env:
      - name: AZURE_SUBSCRIPTION_ID
  subscription_ids:
    description:
      - Several subscriptions to list, all with the same credential. Takes precedence over O(subscription_id).
    type: list
    elements: str
    default: []
  resource_groups:
    description:
      - Only the instances in these resource groups (one list request per group). A group that does not exist
        adds no host and a warning.
      - By default, every resource group of each subscription (one list request per subscription).
    type: list
    elements: str
    default: []
  hostnames:
    description:
      - Jinja2 expressions, evaluated against the host variables, that name the host; the first that gives a
        non-empty string is used.
      - When two instances get the same name (the same instance name in two resource groups or subscriptions),
        the second is named C(<name>_<resource_group>) (and then C(<name>_<resource_group>_<subscription_id>)),
        with a warning.
    type: list
    elements: str
    default: [name]
  filters:
    description:
      - Jinja2 conditionals evaluated against the host variables (before O(compose)); an instance becomes a host
        only when every one is true.
      - A conditional that cannot be evaluated counts as false, or fails the inventory with O(strict=true).
    type: list
    elements: str
    default: []
  exclude:
    description:
      - Jinja2 conditionals evaluated against the host variables (before O(compose)); an instance for which any is
        true is left out. Applied after O(filters).
      - A conditional that cannot be evaluated counts as false, or fails the inventory with O(strict=true).
    type: list
    elements: str
    default: []
  include_role_assignments:
    description:
      - Add C(dt_role_assignments), the role assignments made directly on each instance, shaped as
        RV(twinops.digital_twins.dt_role_assignment_info#module:assignments) (without display names).
      - One list request per instance, O(role_assignment_workers) at a time. An instance whose assignments cannot
        be read gets no C(dt_role_assignments) variable, and a warning names it.
    type: bool
    default: false
  role_assignment_workers:
    description:
      - How many role assignment lists run at the same time with O(include_role_assignments=true).
    type: int
    default: 8
extends_documentation_fragment:
  - twinops.digital_twins.azure_auth_inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
requirements:
  - The collection's C(requirements.txt) on the controller (the inventory runs there), of which it uses
    azure-core >= 1.30.0, azure-identity >= 1.16.1, azure-mgmt-digitaltwins >= 7.0.0 and, for
    O(include_role_assignments), azure-mgmt-authorization >= 4.0.0.
notes:
  - The cache, when enabled, holds the host variables only; credentials are never written to it.
seealso:
  - module: twinops.digital_twins.dt_instance_info
  - module: twinops.digital_twins.dt_role_assignment_info
"""

EXAMPLES = r"""
# twins.dt_instances.yml: every instance of the subscription in AZURE_SUBSCRIPTION_ID, grouped by region and by the
# value of their "site" tag; credentials from the environment (as AWX's Azure credential injects them).
plugin: twinops.digital_twins.dt_instances
keyed_groups:
  - key: location
    prefix: twins
  - key: tags.site | default('none')
    prefix: site
compose:
  ansible_connection: "'local'"
  twins_endpoint: endpoint

---
# Two subscriptions, two resource groups, production instances only, with their role assignments, cached for an hour.
plugin: twinops.digital_twins.dt_instances
subscription_ids:
  - 00000000-0000-0000-0000-000000000001
  - 00000000-0000-0000-0000-000000000002
resource_groups: [rg-twins-prod, rg-twins-shared]
filters:
  - tags.env | default('') == 'prod'
exclude:
  - provisioning_state != 'Succeeded'
include_role_assignments: true
groups:
  open_to_internet: public_network_access == 'Enabled'
  without_data_owner: >-
    role_assignments | selectattr('role_name', 'equalto', 'Azure Digital Twins Data Owner') | list | length == 0
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/twinops-dt-instances
cache_timeout: 3600
"""

import concurrent.futures
import re

from ansible.errors import AnsibleParserError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.twinops.digital_twins.plugins.module_utils._assignments import applying_at, report, select
from ansible_collections.twinops.digital_twins.plugins.module_utils._auth import AUTH_ARGUMENT_SPEC, validate_auth_params
from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import (
    CLIENT_SETTINGS,
    COLLECTION_VERSION,
    AzureSession,
    import_client_class,
)
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import DigitalTwinsError
from ansible_collections.twinops.digital_twins.plugins.module_utils._ids import guid_of, validate_resource_group
from ansible_collections.twinops.digital_twins.plugins.module_utils._instance import list_instances
from ansible_collections.twinops.digital_twins.plugins.module_utils._roles import role_names

# The sentence of the modules' no-credentials message that speaks of module_defaults, which an inventory has not.
_MODULE_DEFAULTS_SENTENCE = re.compile(r"\s*Set them once for all tasks with module_defaults.*?\.(?=\s|$)")
_FORBIDDEN = (403,)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """One host per Azure Digital Twins instance."""

    NAME = "twinops.digital_twins.dt_instances"

    def __init__(self):
        super().__init__()
        self._path = None

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("dt_instances.yml", "dt_instances.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._path = path
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        records = None
        if use_cache and cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                records = None
        if records is None:
            records = self.fetch()
            if use_cache:
                self._cache[cache_key] = records
        self.populate(records)

    # ---- reading Azure ---------------------------------------------------------------------------------------------

    def auth_params(self):
        """The authentication options in the shape the modules' AzureSession takes."""
        params = {name: self.get_option(name) for name in AUTH_ARGUMENT_SPEC if name != "subscription_id"}
        params["subscription_id"] = None
        return params

    def subscriptions(self):
        subscriptions = [s.strip() for s in self.get_option("subscription_ids") or [] if s and s.strip()]
        if not subscriptions and (self.get_option("subscription_id") or "").strip():
            subscriptions = [self.get_option("subscription_id").strip()]
        if not subscriptions:
            raise AnsibleParserError(
                "dt_instances inventory: no subscription to list. Set subscription_id (or AZURE_SUBSCRIPTION_ID, which "
                "AWX's Azure credential sets) or subscription_ids in %s." % self._path)
        unique = {}
        for subscription in subscriptions:
            unique.setdefault(subscription.lower(), subscription)
        return list(unique.values())

    def fetch(self):
        """Every selected instance of every subscription, as host variable dicts (what the cache holds)."""
        subscriptions = self.subscriptions()
        groups = list(dict.fromkeys(self.get_option("resource_groups") or []))
        try:
            for subscription in subscriptions:
                validate_auth_params(dict(self.auth_params(), subscription_id=subscription))
            for group in groups:
                validate_resource_group(group)
            session = AzureSession(dict(self.auth_params(), subscription_id=subscriptions[0]))
            session.preflight()
            session.token(session.cloud.arm_scope)  # one sign-in, before any list: a wrong secret is one clear error
        except DigitalTwinsError as err:
            raise AnsibleParserError("dt_instances inventory: %s" % _without_module_defaults(str(err))) from None
        records = []
        for subscription in subscriptions:
            records.extend(self.fetch_subscription(session, subscription, groups))
        return records

    def client(self, session, kind, subscription):
        """An ARM client of ``kind`` for ``subscription``, signed in with the session's one credential."""
        cloud = session.cloud
        return import_client_class(kind)(session.credential, subscription, base_url=cloud.resource_manager.rstrip("/"),
                                         credential_scopes=[cloud.arm_scope],
                                         user_agent="twinops.digital_twins/%s" % COLLECTION_VERSION, **CLIENT_SETTINGS)

    def fetch_subscription(self, session, subscription, groups):
        try:
            client = self.client(session, "digitaltwins", subscription)
        except DigitalTwinsError as err:
            raise AnsibleParserError("dt_instances inventory: %s" % err) from None
        instances = []
        for group in groups or [None]:
            try:
                instances.extend(list_instances(client, group))
            except DigitalTwinsError as err:
                where = "resource group '%s' of subscription %s" % (group, subscription) if group else "subscription %s" % subscription
                if err.code == "ResourceGroupNotFound" or (group and err.status == 404):
                    self.display.warning("dt_instances inventory: %s does not exist; it adds no host." % where)
                    continue
                if err.status in _FORBIDDEN:
                    self.display.warning(
                        "dt_instances inventory: the caller may not list the Azure Digital Twins instances of %s, so it "
                        "adds no host. Grant it Reader (or Microsoft.DigitalTwins/digitalTwinsInstances/read) there. %s"
                        % (where, err))
                    continue
                raise AnsibleParserError("dt_instances inventory: %s" % err) from None
        for instance in instances:
            instance["subscription_id"] = subscription
        if instances and self.get_option("include_role_assignments"):
            self.add_role_assignments(session, subscription, instances)
        return instances

    def add_role_assignments(self, session, subscription, instances):
        """Set ``role_assignments`` on each instance: one list per instance, a few at a time."""
        try:
            client = self.client(session, "authorization", subscription)
        except DigitalTwinsError as err:
            raise AnsibleParserError("dt_instances inventory: %s" % err) from None
        workers = max(1, int(self.get_option("role_assignment_workers") or 1))
        failed = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(workers, len(instances))) as pool:
            futures = {pool.submit(direct_assignments, client, instance["id"]): instance for instance in instances}
            for future in concurrent.futures.as_completed(futures):
                instance = futures[future]
                try:
                    instance["role_assignments"] = future.result()
                except DigitalTwinsError as err:
                    failed.append((instance["name"], err))
        if failed:
            failed.sort(key=lambda item: item[0])
            self.display.warning(
                "dt_instances inventory: the role assignments of %d instance(s) could not be read, so they have no "
                "dt_role_assignments variable: %s. First error: %s"
                % (len(failed), ", ".join(name for name, dummy in failed), failed[0][1]))
        guids = set(guid_of(a["role_definition_id"]) for i in instances for a in i.get("role_assignments") or [])
        if guids:
            try:
                names = role_names(lambda: client, sorted(guids), "/subscriptions/%s" % subscription)
            except DigitalTwinsError as err:
                self.display.warning("dt_instances inventory: the names of custom roles are left out: %s" % err)
                names = {}
            for instance in instances:
                for assignment in instance.get("role_assignments") or []:
                    guid = guid_of(assignment["role_definition_id"])
                    if not assignment["role_name"] and names.get(guid):
                        assignment["role_name"] = names[guid]

    # ---- building the inventory ------------------------------------------------------------------------------------

    def populate(self, records):
        strict = self.get_option("strict")
        taken = set()
        for record in records:
            if not self.selected(record, strict):
                continue
            host = self.hostname(record, taken, strict)
            taken.add(host.lower())
            self.inventory.add_host(host)
            variables = expression_variables(record)
            self.inventory.set_variable(host, "dt_instance", variables["dt_instance"])
            if "dt_role_assignments" in variables:
                self.inventory.set_variable(host, "dt_role_assignments", variables["dt_role_assignments"])
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)

    def condition(self, expression, record, strict, option):
        """The truth of one conditional of ``filters`` or ``exclude``; None when it cannot be evaluated (not strict)."""
        try:
            value = self._compose(expression, expression_variables(record))
        except Exception as exc:  # pylint: disable=broad-except  # templating raises many types
            if strict:
                raise AnsibleParserError("dt_instances inventory: could not evaluate %s entry %r for instance %s: %s"
                                         % (option, expression, record.get("id"), exc)) from None
            return None
        if isinstance(value, str):
            return boolean(value.strip() or "false", strict=False)
        return bool(value)

    def selected(self, record, strict):
        for expression in self.get_option("filters") or []:
            if not self.condition(expression, record, strict, "filters"):
                return False
        for expression in self.get_option("exclude") or []:
            if self.condition(expression, record, strict, "exclude"):
                return False
        return True

    def hostname(self, record, taken, strict):
        name = None
        for expression in self.get_option("hostnames") or ["name"]:
            try:
                if _IDENTIFIER.match(expression) and expression in record:
                    value = record[expression]  # a plain field (the default): no template to compile per host
                else:
                    value = self._compose(expression, expression_variables(record))
            except Exception as exc:  # pylint: disable=broad-except  # templating raises many types
                if strict:
                    raise AnsibleParserError("dt_instances inventory: could not evaluate hostnames entry %r for instance "
                                             "%s: %s" % (expression, record.get("id"), exc)) from None
                continue
            if value not in (None, "") and str(value).strip():
                name = str(value).strip()
                break
        if name is None:
            name = record["name"]
        if name.lower() not in taken:
            return name
        for candidate in ("%s_%s" % (name, record["resource_group"]),
                          "%s_%s_%s" % (name, record["resource_group"], record["subscription_id"])):
            if candidate.lower() not in taken:
                self.display.warning("dt_instances inventory: host name %s is taken; instance %s is named %s."
                                     % (name, record["id"], candidate))
                return candidate
        raise AnsibleParserError("dt_instances inventory: instance %s would have the same host name as another (%s); "
                                 "set hostnames so that each instance gets its own." % (record["id"], name))


def expression_variables(record):
    """What compose, groups, keyed_groups, filters, exclude and hostnames see: the instance's fields by their own
    names, and the host variables ``dt_instance`` (and ``dt_role_assignments``).

    Only the last two become host variables: ``name`` and ``tags`` are names ansible-core reserves for play keywords.
    """
    instance = {key: value for key, value in record.items() if key != "role_assignments"}
    variables = dict(record, dt_instance=instance)
    if "role_assignments" in record:
        variables["dt_role_assignments"] = record["role_assignments"]
    return variables


def direct_assignments(client, scope):
    """The role assignments made directly on ``scope``, listed and shaped as dt_role_assignment_info does (one list)."""
    return report(select(applying_at(client, scope), scope), scope)


def _without_module_defaults(message):
    """The modules' no-credentials message, without its advice about module_defaults."""
    return _MODULE_DEFAULTS_SENTENCE.sub("", message).strip()
