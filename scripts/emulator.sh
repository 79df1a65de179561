#!/usr/bin/env bash
# Start or stop the local Azure control-plane emulator (tests/emulator/twinops_emulator).
#   scripts/emulator.sh start   state, certificates, logs and the env file go to .emulator/
#   scripts/emulator.sh stop
# After start, `. .emulator/env` points the Azure SDK (and the modules) at it, puts .venv/bin on PATH
# and lets Ansible find the collection in the working tree (ANSIBLE_COLLECTIONS_PATH=.build/dev),
# so ansible-playbook, ansible-doc and the playbooks work as written in the README.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

action="${1:-}"
[[ "${action}" == start || "${action}" == stop ]] || die "usage: $0 start|stop"
[[ -f "${ROOT}/tests/emulator/twinops_emulator/__main__.py" ]] ||
    die "the emulator is missing: tests/emulator/twinops_emulator/__main__.py does not exist"
[[ -x "${VENV}/bin/python" ]] || die "missing ${VENV}: run make venv"

cd "${ROOT}"
PYTHONPATH="${ROOT}/tests/emulator${PYTHONPATH:+:${PYTHONPATH}}" \
    "${VENV}/bin/python" -m twinops_emulator "${action}" --state-dir "${ROOT}/.emulator"

if [[ "${action}" == start ]]; then
    env_file="${ROOT}/.emulator/env"
    [[ -f "${env_file}" ]] || die "the emulator started but wrote no ${env_file#"${ROOT}"/}"
    dev_tree="$(dev_collection_tree)"
    marker="# twinops: the project's tools and the collection from the working tree"
    if ! grep -qxF "${marker}" "${env_file}"; then
        {
            printf '%s\n' "${marker}"
            printf "export PATH='%s':\"\${PATH}\"\n" "${VENV}/bin"
            printf "export ANSIBLE_COLLECTIONS_PATH='%s'\n" "${dev_tree}"
        } >>"${env_file}"
    fi
fi
