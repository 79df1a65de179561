#!/usr/bin/env bash
# Run the molecule scenarios of the collection against the project's local Azure emulator.
#
#   extensions/molecule/run.sh                 # every scenario: default fleet drift failure
#   extensions/molecule/run.sh drift failure   # only these
#
# Starts a private emulator (127.0.0.1 only) in a temporary state directory, exports its environment (AZURE_*,
# REQUESTS_CA_BUNDLE, SSL_CERT_FILE, TWINOPS_EMULATOR_ADMIN_URL), resets it before each scenario and stops it on
# exit. When TWINOPS_EMULATOR_ADMIN_URL is already set (with the rest of that environment, e.g. from
# `source .emulator/env`), that running emulator is used instead, and reset before each scenario. The collection is resolved from the working tree through .build/dev (a symlink tree; ANSIBLE_COLLECTIONS_PATH
# overrides it), with molecule's prerun off and a private HOME, so no cached copy of the collection can shadow it.
# Environment: KEEP_STATE=1 keeps the state directory (emulator log) for debugging; it is kept after a failure too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${ROOT}/.venv"
SCENARIOS=("$@")
if [[ ${#SCENARIOS[@]} -eq 0 ]]; then
    SCENARIOS=(default fleet drift failure)
fi

[[ -x "${VENV}/bin/molecule" ]] || { echo "ERROR: ${VENV}/bin/molecule not found; build the dev virtualenv first" >&2; exit 1; }

DEV_TREE="${ROOT}/.build/dev/ansible_collections/twinops"
if [[ ! -e "${DEV_TREE}/digital_twins" ]]; then
    mkdir -p "${DEV_TREE}"
    ln -sfn "${ROOT}" "${DEV_TREE}/digital_twins"
fi

STATE="$(mktemp -d "${TMPDIR:-/tmp}/twinops-molecule.XXXXXX")"
EMULATOR_STATE="${STATE}/emulator"
emulator() {
    PYTHONPATH="${ROOT}/tests/emulator" "${VENV}/bin/python" -m twinops_emulator "$@"
}
cleanup() {
    local rc=$?
    emulator stop --state-dir "${EMULATOR_STATE}" >/dev/null 2>&1 || true
    if [[ "${KEEP_STATE:-0}" == "1" || ${rc} -ne 0 ]]; then
        echo "==> state kept in ${STATE}" >&2
    else
        rm -rf "${STATE}"
    fi
    exit "${rc}"
}
trap cleanup EXIT INT TERM

if [[ -n "${TWINOPS_EMULATOR_ADMIN_URL:-}" ]]; then
    for name in AZURE_CLOUD_ENVIRONMENT AZURE_SUBSCRIPTION_ID AZURE_TENANT AZURE_CLIENT_ID AZURE_SECRET SSL_CERT_FILE; do
        [[ -n "${!name:-}" ]] || { echo "ERROR: TWINOPS_EMULATOR_ADMIN_URL is set but ${name} is not" >&2; exit 1; }
    done
    echo "==> using the running emulator at ${TWINOPS_EMULATOR_ADMIN_URL}"
else
    emulator start --state-dir "${EMULATOR_STATE}"
    set -a
    # shellcheck disable=SC1091
    . "${EMULATOR_STATE}/env"
    set +a
fi

export PATH="${VENV}/bin:${PATH}"
export HOME="${STATE}/home"
mkdir -p "${HOME}"
# A caller may point this at an installed copy instead (for example the tree scripts/sync-tree.sh builds).
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-${ROOT}/.build/dev}"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

reset_emulator() {
    "${VENV}/bin/python" - <<'PY'
import os, ssl, urllib.request
request = urllib.request.Request(os.environ["TWINOPS_EMULATOR_ADMIN_URL"] + "/reset", data=b"", method="POST")
context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
with urllib.request.urlopen(request, context=context, timeout=30) as response:
    response.read()
PY
}

cd "${ROOT}"
failed=()
summary=()
for scenario in "${SCENARIOS[@]}"; do
    reset_emulator
    start=$(date +%s)
    echo "==> molecule test -s ${scenario}"
    if molecule test -s "${scenario}"; then
        summary+=("${scenario}: passed in $(( $(date +%s) - start )) s")
    else
        summary+=("${scenario}: FAILED after $(( $(date +%s) - start )) s")
        failed+=("${scenario}")
    fi
done

printf '==> %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "ERROR: molecule scenarios failed: ${failed[*]}" >&2
    exit 1
fi
