# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""One host's declaration for the setup role, as items of the modules' list forms (the logic of the
setup_declaration action).

Each host of a fleet declares one instance with the role's variables (``setup_*``), which this validates against the
role's argument spec (meta/argument_specs.yml, with ArgumentSpecValidator as ansible-core's own role validation does).
The role's ``run_once`` calls converge the declarations of every host of the batch together; this builds each host's:
its resource group item (``resource_group`` list form), its instance item (``dt_instance`` ``instances``), its access
target (``dt_role_assignment`` ``targets``), and the keys the role selects hosts by.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

# The built-in roles that setup_data_owners and setup_data_readers grant (the names _roles resolves). Not imported from
# _roles, which loads the Azure SDK: this runs in a controller worker process of every host of a fleet.
DATA_OWNER = "Azure Digital Twins Data Owner"
DATA_READER = "Azure Digital Twins Data Reader"

# The entry point of the role's argument spec (meta/argument_specs.yml) that the declaration validates against.
ENTRY_POINT = "setup"


def access_items(owners, readers, assignments):
    """The declared role assignments, in the list form of dt_role_assignment: the data owners, the data readers
    (each an assignee given as a UPN, mail, object id or name), then the explicit ones."""
    items = [dict(assignee=assignee, role=DATA_OWNER) for assignee in owners or ()]
    items.extend(dict(assignee=assignee, role=DATA_READER) for assignee in readers or ())
    items.extend(assignments or ())
    return items


def build(host, values):
    """The declaration of ``host`` from the role's ``values``, as the role's argument spec validated them (every
    option present, defaults applied, types converted)."""
    name, group, state = values["setup_instance_name"], values["setup_resource_group"], values["setup_state"]
    location, purge_tags = values["setup_location"], values["setup_purge_tags"]
    return {
        "host": host,
        "key": group.lower(),
        "name_key": name.lower(),
        "state": state,
        "create_resource_group": values["setup_create_resource_group"],
        "delete_resource_group": values["setup_delete_resource_group"],
        # The location only creates the group: an existing group elsewhere is fine (match_location false).
        "resource_group": dict(name=group, location=location, match_location=False,
                               tags=values["setup_resource_group_tags"], purge_tags=purge_tags),
        "resource_group_absent": dict(name=group, state="absent"),
        "instance": dict(name=name, resource_group=group, location=location, tags=values["setup_instance_tags"],
                         purge_tags=purge_tags, identity=values["setup_instance_identity"],
                         public_network_access=values["setup_public_network_access"] or None, state=state),
        "access": dict(instance=name, resource_group=group, exclusive=values["setup_exclusive"],
                       assignments=access_items(values["setup_data_owners"], values["setup_data_readers"],
                                                values["setup_role_assignments"])),
        "wait": values["setup_wait"],
        "verify": values["setup_verify"],
        "wait_timeout": values["setup_wait_timeout"],
        "principal_wait_timeout": values["setup_principal_wait_timeout"],
    }


def declare(host, spec, variables):
    """Validate ``variables`` (the role's options found among the host's variables, templated) against the role's
    argument ``spec`` and build the host's declaration. Returns ``(declaration, errors)``; with errors, no
    declaration."""
    result = ArgumentSpecValidator(spec).validate(variables, validate_role_argument_spec=True)
    if result.error_messages:
        return None, list(result.error_messages)
    values = dict(result.validated_parameters)
    # Lists and dicts go to the modules as given: the validator fills every suboption left out with None, which the
    # modules' own item validation would take as given (they check the nested options themselves).
    values.update((name, value) for name, value in variables.items() if spec[name].get("type") in ("list", "dict"))
    return build(host, values), []
