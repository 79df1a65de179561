# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the twinops_digital_twins fact of the setup role from an Ansible JSON fact cache (ansible.builtin.jsonfile).

    python scripts/show-facts.py <fact cache directory> [host]

The values to note after `az dt create` (hostName, name, resourceGroup), the endpoint, and every role
assignment the role granted: who (as declared, and the object id it resolved to), which role, and how the
principal was found.
"""

import json
import os
import sys


def untag(node):
    """ansible-core 2.19+ writes variables with their origin tags ({"value": ..., "__ansible_type": ...})."""
    if isinstance(node, dict):
        if "__ansible_type" in node and "value" in node:
            return untag(node["value"])
        return {key: untag(value) for key, value in node.items() if key != "__ansible_type"}
    if isinstance(node, list):
        return [untag(value) for value in node]
    return node


def read_facts(directory, host):
    """The cached facts of ``host``: the file is ``<host>``, or ``s1_<host>`` with a JSON payload (ansible-core 2.21)."""
    for name in ("s1_" + host, host):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            if isinstance(data, dict) and isinstance(data.get("__payload__"), str):
                data = json.loads(data["__payload__"])
            return untag(data)
    return None


def main(directory, host="localhost"):
    facts = read_facts(directory, host)
    if facts is None:
        sys.exit("no cached facts for %s in %s" % (host, directory))
    path = directory
    fact = facts.get("twinops_digital_twins")
    if not fact:
        sys.exit("no twinops_digital_twins fact in %s" % path)
    rows = [("hostName", fact.get("host_name")), ("name", fact.get("name")),
            ("resourceGroup", fact.get("resource_group")), ("endpoint", fact.get("endpoint")),
            ("location", fact.get("location")), ("id", fact.get("id"))]
    width = max(len(key) for key, dummy in rows)
    for key, value in rows:
        print("  %-*s  %s" % (width, key, value if value is not None else "(not known)"))
    assignments = fact.get("assignments") or []
    print("\n  %d role assignments:" % len(assignments))
    table = [("who", "principal (type)", "role", "resolved by")]
    for item in assignments:
        table.append((str(item.get("assignee") or item.get("principal_id")),
                      "%s (%s)" % (item.get("principal_id"), item.get("principal_type")),
                      str(item.get("role_name") or item.get("role_definition_id")),
                      str(item.get("resolved_by") or "-")))
    widths = [max(len(row[column]) for row in table) for column in range(4)]
    for row in table:
        print("    " + "  ".join(cell.ljust(widths[column]) for column, cell in enumerate(row)).rstrip())
    added = fact.get("added_assignments")
    removed = fact.get("removed_assignments") or []
    if added is not None:
        print("\n  this run added %d and removed %d assignments (undeclared ones go with setup_exclusive)"
              % (len(added), len(removed)))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
