#!/usr/bin/env bash
# Seed the ansible-test cache with offline pip bootstrap scripts.
#
# For every virtualenv ansible-test creates (one per sanity test and Python version),
# it bootstraps pip with get-pip-<version>.py downloaded from ci-files.testing.ansible.com,
# unless ~/.ansible/test/cache/get_pip_<version>.py already exists
# (ansible_test/_util/target/setup/requirements.py, ansible/ansible#77304). That host is not
# reachable here, so this script puts a small stand-in there: it runs pip from the pip wheel
# (fetched from the package index) the way get-pip does. Idempotent.
#
# Usage: scripts/ansible-test-bootstrap.sh <venv> [<venv>...]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -gt 0 ]] || die "usage: $0 <venv with ansible-core> [...]"
cache="${HOME}/.ansible/test/cache"
mkdir -p "${cache}"

for venv in "$@"; do
    python="${venv}/bin/python"
    [[ -x "${python}" ]] || die "no Python in ${venv}"
    # The pip version this ansible-test pins for its virtualenvs.
    source_file="$("${python}" -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')"
    version="$(sed -n "s/^ *pip='\([0-9.]*\)',\$/\1/p" "${source_file}" | head -n1)"
    [[ -n "${version}" ]] || die "could not find the pip version ansible-test wants in ${source_file}"

    wheel="${cache}/pip-${version}-py3-none-any.whl"
    shim="${cache}/get_pip_${version//./_}.py"
    if [[ ! -f "${wheel}" ]]; then
        note "downloading pip ${version} wheel into ${cache}"
        "${python}" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
            -d "${cache}" "pip==${version}"
    fi
    [[ -f "${wheel}" ]] || die "pip ${version} wheel missing after download: ${wheel}"
    tmp="$(mktemp "${shim}.XXXXXX")"
    cat >"${tmp}" <<PY
"""Offline stand-in for get-pip ${version}: run pip from the cached wheel (written by twinops scripts)."""
import os
import runpy
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-${version}-py3-none-any.whl"))
extra = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.argv = ["pip", "install", "--upgrade", "--force-reinstall", *extra]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
PY
    if cmp -s "${tmp}" "${shim}"; then
        rm -f "${tmp}"
    else
        mv "${tmp}" "${shim}"
        note "wrote ${shim}"
    fi
done
