# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""One host's declaration for the setup role, as items of the modules' list forms (the logic of the
setup_declaration action).

Each host of a fleet declares one instance with the role's variables (``setup_*``, validated by the role's argument
spec before this runs). The role's ``run_once`` calls converge the declarations of every host of the batch together;
this builds each host's: its resource group item (``resource_group`` list form), its instance item (``dt_instance``
``instances``), its access target (``dt_role_assignment`` ``targets``), and the keys the role selects hosts by.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

# The built-in roles that setup_data_owners and setup_data_readers grant (the names _roles resolves). Not imported from
# _roles, which loads the Azure SDK: this runs in a controller worker process of every host of a fleet.
DATA_OWNER = "Azure Digital Twins Data Owner"
DATA_READER = "Azure Digital Twins Data Reader"

# The role's inputs this reads, with their defaults (the role's defaults/main.yml holds the same ones).
INPUTS = (
    "setup_instance_name",
    "setup_resource_group",
    "setup_location",
    "setup_state",
    "setup_create_resource_group",
    "setup_delete_resource_group",
    "setup_resource_group_tags",
    "setup_instance_tags",
    "setup_purge_tags",
    "setup_instance_identity",
    "setup_public_network_access",
    "setup_data_owners",
    "setup_data_readers",
    "setup_role_assignments",
    "setup_exclusive",
    "setup_verify",
    "setup_wait",
    "setup_wait_timeout",
    "setup_principal_wait_timeout",
)


def access_items(owners, readers, assignments):
    """The declared role assignments, in the list form of dt_role_assignment: the data owners, the data readers
    (each an assignee given as a UPN, mail, object id or name), then the explicit ones."""
    items = [dict(assignee=assignee, role=DATA_OWNER) for assignee in owners or ()]
    items.extend(dict(assignee=assignee, role=DATA_READER) for assignee in readers or ())
    items.extend(assignments or ())
    return items


def _integer(value, default):
    return default if value is None or value == "" else int(value)


def build(host, values):
    """The declaration of ``host`` from the role's ``values`` (a mapping of INPUTS; a missing one is None)."""
    name = values.get("setup_instance_name")
    group = values.get("setup_resource_group")
    state = values.get("setup_state") or "present"
    location = values.get("setup_location")
    purge_tags = boolean(values.get("setup_purge_tags", True), strict=False)
    return {
        "host": host,
        "key": group.lower() if isinstance(group, str) else group,
        "name_key": name.lower() if isinstance(name, str) else name,
        "state": state,
        "create_resource_group": boolean(values.get("setup_create_resource_group", True), strict=False),
        "delete_resource_group": boolean(values.get("setup_delete_resource_group", False), strict=False),
        # The location only creates the group: an existing group elsewhere is fine (match_location false).
        "resource_group": dict(name=group, location=location, match_location=False,
                               tags=values.get("setup_resource_group_tags"), purge_tags=purge_tags),
        "resource_group_absent": dict(name=group, state="absent"),
        "instance": dict(name=name, resource_group=group, location=location, tags=values.get("setup_instance_tags"),
                         purge_tags=purge_tags, identity=values.get("setup_instance_identity"),
                         public_network_access=values.get("setup_public_network_access") or None, state=state),
        "access": dict(instance=name, resource_group=group, exclusive=boolean(values.get("setup_exclusive", False), strict=False),
                       assignments=access_items(values.get("setup_data_owners"), values.get("setup_data_readers"),
                                                values.get("setup_role_assignments"))),
        "wait": boolean(values.get("setup_wait", True), strict=False),
        "verify": boolean(values.get("setup_verify", True), strict=False),
        "wait_timeout": _integer(values.get("setup_wait_timeout"), 1200),
        "principal_wait_timeout": _integer(values.get("setup_principal_wait_timeout"), 180),
    }
