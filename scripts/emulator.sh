#!/usr/bin/env bash
# Start or stop the local Azure control-plane emulator (tests/emulator/twinops_emulator).
#   scripts/emulator.sh start   state, certificates, logs and the env file go to .emulator/
#   scripts/emulator.sh stop
# After start, `source .emulator/env` points the Azure SDK (and the modules) at it.
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
