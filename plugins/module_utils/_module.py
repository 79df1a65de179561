# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins.

"""A thin wrapper around AnsibleModule that adds the shared authentication options and Azure error reporting."""

from __future__ import annotations

import importlib.util
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.twinops.digital_twins.plugins.module_utils._auth import AUTH_ARGUMENT_SPEC, AUTH_MUTUALLY_EXCLUSIVE
from ansible_collections.twinops.digital_twins.plugins.module_utils._clients import AzureSession
from ansible_collections.twinops.digital_twins.plugins.module_utils._compare import make_diff
from ansible_collections.twinops.digital_twins.plugins.module_utils._errors import AZURE_ERRORS, DigitalTwinsError, from_azure


# The collection's Python requirements on the host that runs the task, as in requirements.txt (a unit test keeps the
# two, and every module's documented requirements, equal): (pip package, minimum version, a module it provides).
REQUIREMENTS = (
    ("azure-core", "1.30.0", "azure.core"),
    ("azure-identity", "1.16.1", "azure.identity"),
    ("azure-mgmt-digitaltwins", "7.0.0", "azure.mgmt.digitaltwins"),
    ("azure-mgmt-authorization", "4.0.0", "azure.mgmt.authorization"),
    ("azure-mgmt-resource", "23.1.0", "azure.mgmt.resource"),
    ("msgraph-sdk", "1.5.0", "msgraph"),
)

REQUIREMENTS_FILE = "ansible_collections/twinops/digital_twins/requirements.txt"


def _importable(name, find_spec):
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package is missing or broken
        return False


def missing_requirements(find_spec=importlib.util.find_spec):
    """The pip packages of REQUIREMENTS whose modules cannot be found (nothing is imported, so this costs ~2 ms)."""
    return [(package, minimum) for package, minimum, module in REQUIREMENTS if not _importable(module, find_spec)]


def missing_requirements_message(missing, python=None):
    """One message naming every missing library and how to install them all."""
    python = python or sys.executable or "python3"
    names = ", ".join(package for package, dummy in missing)
    return (
        "The Python %s %s missing on the host that runs the task (Python %s). Install the collection's "
        "requirements.txt into that Python: %s -m pip install -r <collections path, such as ~/.ansible/collections>/%s (or: %s -m pip install %s). "
        "In an execution environment, ansible-builder installs requirements.txt for you."
        % ("library" if len(missing) == 1 else "libraries", names + (" is" if len(missing) == 1 else " are"), python,
           python, REQUIREMENTS_FILE, python, " ".join("'%s>=%s'" % item for item in missing)))


class AzureDTModule:
    """Holds an AnsibleModule (composition, not inheritance) and the task's AzureSession.

    The constructor only parses options; the module's own code runs in ``run()``, so it can be unit tested.
    """

    def __init__(self, argument_spec, mutually_exclusive=None, **kwargs):
        spec = dict(AUTH_ARGUMENT_SPEC)
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True,
                                    mutually_exclusive=AUTH_MUTUALLY_EXCLUSIVE + list(mutually_exclusive or []), **kwargs)
        self._session = None

    def __getattr__(self, name):
        # Anything not defined here (boolean(), debug(), _name, ...) comes from the AnsibleModule.
        if name == "module":
            raise AttributeError(name)
        return getattr(self.module, name)

    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff

    @property
    def session(self):
        if self._session is None:
            self._session = AzureSession(self.module.params)
        return self._session

    def client(self, kind):
        return self.session.client(kind)

    def warn(self, message):
        self.module.warn(message)

    def exit_json(self, **result):
        self.module.exit_json(**result)

    def fail_json(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def exit_with_state(self, changed, key, before, after, **extra):
        """Exit with ``key: after`` and, in diff mode, a diff built from the same normalised dicts."""
        result = dict(changed=changed, **extra)
        result[key] = after if after is not None else {}
        if self.diff_mode:
            result["diff"] = make_diff(before, after)
        self.module.exit_json(**result)

    def fail_from_error(self, error, **result):
        """Fail with a DigitalTwinsError: a short message, Azure's code and request id; the traceback shows at -vvv."""
        result.update(error.to_result())
        if error.tb:
            result["exception"] = error.tb
        self.module.fail_json(msg=str(error), **result)

    def run(self, main):
        """Check the Python requirements and the authentication options (no request), then call ``main(self)``.

        A DigitalTwinsError (or an Azure SDK error that escaped translation) becomes a clean failure.
        """
        missing = missing_requirements()
        if missing:
            self.module.fail_json(msg=missing_requirements_message(missing), missing_requirements=[p for p, v in missing])
        try:
            self.session.preflight()
            main(self)
        except DigitalTwinsError as error:
            self.fail_from_error(error)
        except AZURE_ERRORS as exc:
            self.fail_from_error(from_azure(exc, "complete the task"))
