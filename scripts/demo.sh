#!/usr/bin/env bash
# End-to-end demo against the local emulator:
#   1. create .venv, build the collection and install it into .build/collections;
#   2. start the emulator (stopped again on exit, also on failure);
#   3. run playbooks/setup.yml and print what the role published in its twinops_digital_twins fact
#      (read from the fact cache: host name, name, resource group, endpoint, every role assignment);
#   4. run the playbook again and show that nothing changes (changed=0 in the recap).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COLLECTIONS_DIR="${BUILD_ROOT}/collections"
STATE_DIR="${ROOT}/.emulator"
PLAYBOOK="${ROOT}/playbooks/setup.yml"
# Input of the playbook; override with DEMO_VARS=path/to/vars.yml.
DEMO_VARS="${DEMO_VARS:-${ROOT}/playbooks/vars/example.yml}"
MODULES=(resource_group dt_instance dt_instance_info dt_role_assignment dt_role_assignment_info)

# Say everything that is missing at once, before doing any work.
missing=()
[[ -f "${ROOT}/tests/emulator/twinops_emulator/__main__.py" ]] ||
    missing+=("the emulator: tests/emulator/twinops_emulator/__main__.py")
for module in "${MODULES[@]}"; do
    [[ -f "${ROOT}/plugins/modules/${module}.py" ]] || missing+=("module plugins/modules/${module}.py")
done
[[ -f "${PLAYBOOK}" ]] || missing+=("the playbook playbooks/setup.yml")
[[ -f "${DEMO_VARS}" ]] || missing+=("the playbook input ${DEMO_VARS#"${ROOT}"/}")
[[ -f "${ROOT}/README.md" ]] || missing+=("README.md (galaxy.yml names it as the collection readme)")
if [[ ${#missing[@]} -gt 0 ]]; then
    printf 'make demo cannot run yet, missing:\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi

"${ROOT}/scripts/venv.sh" dev
"${ROOT}/scripts/build.sh"
note "installing $(basename "${TARBALL}") into ${COLLECTIONS_DIR#"${ROOT}"/}"
rm -rf "${COLLECTIONS_DIR}"
"${VENV}/bin/ansible-galaxy" collection install --force "${TARBALL}" -p "${COLLECTIONS_DIR}"

stop_emulator() {
    "${ROOT}/scripts/emulator.sh" stop || printf 'WARNING: stopping the emulator failed\n' >&2
}
trap stop_emulator EXIT
"${ROOT}/scripts/emulator.sh" start
[[ -f "${STATE_DIR}/env" ]] || die "the emulator started but wrote no ${STATE_DIR#"${ROOT}"/}/env"
# shellcheck source=/dev/null
set -a && source "${STATE_DIR}/env" && set +a

export ANSIBLE_COLLECTIONS_PATH="${COLLECTIONS_DIR}"
export PATH="${VENV}/bin:${PATH}"
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1
# The role's fact is cacheable: a JSON fact cache (as AWX's fact storage) hands it to the summary below.
fact_cache="$(mktemp -d)"
trap 'rm -rf "${fact_cache}"; stop_emulator' EXIT
export ANSIBLE_CACHE_PLUGIN=ansible.builtin.jsonfile ANSIBLE_CACHE_PLUGIN_CONNECTION="${fact_cache}"
playbook=(ansible-playbook -i "localhost," -c local -e "ansible_python_interpreter=${VENV}/bin/python"
    -e "@${DEMO_VARS}" "${PLAYBOOK}")

started="$(now)"
note "first run: ${playbook[*]}"
"${playbook[@]}"

note "the instance, from the twinops_digital_twins fact:"
"${VENV}/bin/python" "${ROOT}/scripts/show-facts.py" "${fact_cache}" localhost

note "second run: nothing may change"
log="$(mktemp)"
"${playbook[@]}" | tee "${log}"
recap="$(sed -n '/^PLAY RECAP/,$p' "${log}")"
rm -f "${log}"
[[ -n "${recap}" ]] || die "no PLAY RECAP in the second run"
if grep -Eq 'changed=[1-9]|failed=[1-9]|unreachable=[1-9]' <<<"${recap}"; then
    die "the second run was not idempotent: ${recap}"
fi
note "second run: changed=0, the setup is idempotent"
note "both runs took $(elapsed "${started}") s"
