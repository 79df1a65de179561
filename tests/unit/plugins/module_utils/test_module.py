# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Python requirements: one message naming every missing library, and one list in code, docs and requirements.txt."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.twinops.digital_twins.plugins.doc_fragments.azure_auth import ModuleDocFragment
from ansible_collections.twinops.digital_twins.plugins.module_utils import _module
from ansible_collections.twinops.digital_twins.plugins.module_utils._module import (
    REQUIREMENTS,
    missing_requirements,
    missing_requirements_message,
)

COLLECTION = Path(_module.__file__).resolve().parents[2]
# The Azure modules; batch_plan, batch_result and setup_declaration are controller-side actions (no Azure call, no requirement).
MODULES = sorted(path.stem for path in (COLLECTION / "plugins" / "modules").glob("*.py")
                 if path.stem not in ("__init__", "batch_plan", "batch_result", "setup_declaration"))


def requirements_txt():
    lines = (COLLECTION / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_requirements_txt_is_the_list_the_modules_check():
    assert requirements_txt() == ["%s>=%s" % (package, minimum) for package, minimum, dummy in REQUIREMENTS]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_documents_exactly_requirements_txt(name):
    module = importlib.import_module("ansible_collections.twinops.digital_twins.plugins.modules.%s" % name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert "twinops.digital_twins.azure_auth" in doc["extends_documentation_fragment"]
    # ansible-doc shows the module's own requirements followed by the fragment's.
    documented = (doc.get("requirements") or []) + yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["requirements"]
    libraries = [re.sub(r"\s+", "", item) for item in documented if not item.startswith("python ")]
    assert sorted(libraries) == sorted(requirements_txt()), documented


def test_nothing_missing_here():
    assert missing_requirements() == []


def test_every_missing_library_is_named_at_once():
    def find_spec(name):
        if name.startswith("azure.mgmt."):
            raise ModuleNotFoundError("No module named 'azure.mgmt'")
        if name == "msgraph":
            return None
        return object()

    missing = missing_requirements(find_spec=find_spec)
    assert [package for package, dummy in missing] == [
        "azure-mgmt-digitaltwins", "azure-mgmt-authorization", "azure-mgmt-resource", "msgraph-sdk"]
    message = missing_requirements_message(missing, python="/opt/venv/bin/python")
    assert message.startswith("The Python libraries azure-mgmt-digitaltwins, azure-mgmt-authorization, "
                              "azure-mgmt-resource, msgraph-sdk are missing on the host that runs the task "
                              "(Python /opt/venv/bin/python).")
    assert "/opt/venv/bin/python -m pip install -r " in message
    assert "ansible_collections/twinops/digital_twins/requirements.txt" in message
    assert "'msgraph-sdk>=1.5.0'" in message and "'azure-mgmt-resource>=23.1.0'" in message
    assert "azure-identity" not in message


def test_one_missing_library_reads_right():
    message = missing_requirements_message([("azure-identity", "1.16.1")], python="python3")
    assert message.startswith("The Python library azure-identity is missing on the host")


def test_a_module_fails_before_any_other_check(monkeypatch):
    """No credentials either: the missing libraries are what the task reports, with their names as data."""
    for key in ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(_module, "missing_requirements", lambda: [("azure-identity", "1.16.1"), ("msgraph-sdk", "1.5.0")])
    from ansible_collections.twinops.digital_twins.plugins.modules import resource_group  # pylint: disable=import-outside-toplevel

    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": {"name": "rg1"}}).encode()
    if hasattr(basic, "_ANSIBLE_PROFILE"):
        basic._ANSIBLE_PROFILE = "legacy"
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            with pytest.raises(SystemExit):
                resource_group.main()
    finally:
        basic._ANSIBLE_ARGS = None
    result = json.loads(out.getvalue())
    assert result["failed"]
    assert result["missing_requirements"] == ["azure-identity", "msgraph-sdk"]
    assert "azure-identity, msgraph-sdk are missing" in result["msg"]
