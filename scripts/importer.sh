#!/usr/bin/env bash
# Run galaxy-importer (what Galaxy and Automation Hub run on upload) on the built tarball,
# in its own virtualenv. Sanity is run separately (scripts/test.sh): the importer's own
# ansible-test mode needs Docker.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"${ROOT}/scripts/venv.sh" importer
if [[ ! -f "${TARBALL}" ]]; then
    "${ROOT}/scripts/build.sh"
fi

work="${BUILD_ROOT}/importer"
rm -rf "${work}"
mkdir -p "${work}"
cat >"${work}/galaxy-importer.cfg" <<'CFG'
[galaxy-importer]
LOG_LEVEL_MAIN = INFO
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_LINT = True
OFFLINE_ANSIBLE_LINT = True
CHECK_REQUIRED_TAGS = True
CHECK_CHANGELOG = True
RUN_FLAKE8 = False
CFG

rc=0
(
    cd "${work}"
    GALAXY_IMPORTER_CONFIG="${work}/galaxy-importer.cfg" PATH="${VENV_IMPORTER}/bin:${PATH}" \
        "${VENV_IMPORTER}/bin/python" -m galaxy_importer.main "${TARBALL}"
) 2>&1 | tee "${work}/importer.log" || rc=$?

[[ ${rc} -eq 0 ]] || die "galaxy-importer exited with ${rc}"
[[ -s "${work}/importer_result.json" ]] || die "galaxy-importer wrote no importer_result.json"
grep -q 'Importer processing completed successfully' "${work}/importer.log" ||
    die "galaxy-importer did not report success"
if grep -E '^(ERROR|WARNING|CRITICAL):' "${work}/importer.log"; then
    die "galaxy-importer reported the problems listed above"
fi
note "galaxy-importer: no errors or warnings (result in ${work#"${ROOT}"/}/importer_result.json)"
