#!/usr/bin/env bash
# Create or refresh one of the project's virtualenvs.
#   scripts/venv.sh dev       .venv           CPython 3.12 (else 3.13, 3.14, then 3.11), requirements/dev.txt
#   scripts/venv.sh core219   .venv-core219   CPython 3.11 (else 3.12, 3.13), requirements/core-2.19.txt
#   scripts/venv.sh importer  .venv-importer  CPython 3.11 (else 3.12, 3.13), requirements/importer.txt
# A stamp file inside the venv records the hash of the requirements that were installed,
# so a venv is only touched again when its requirements change.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kind="${1:-dev}"
case "${kind}" in
    dev)      venv="${VENV}";          reqs="${ROOT}/requirements/dev.txt" ;;
    core219)  venv="${VENV_CORE219}";  reqs="${ROOT}/requirements/core-2.19.txt" ;;
    importer) venv="${VENV_IMPORTER}"; reqs="${ROOT}/requirements/importer.txt" ;;
    *) die "unknown venv kind '${kind}' (expected dev, core219 or importer)" ;;
esac
[[ -f "${reqs}" ]] || die "missing ${reqs}"

pick_python() {
    local version py
    if [[ "${kind}" == dev ]]; then
        # Keep a working existing interpreter: other shells may be using this venv.
        if [[ -x "${venv}/bin/python" ]]; then
            read -r -a version <<<"$(python_version_of "${venv}/bin/python")"
            if [[ ${#version[@]} -eq 2 && "${version[0]}" -eq 3 && "${version[1]}" -ge 11 ]]; then
                printf '%s\n' "${venv}/bin/python"
                return 0
            fi
        fi
        # 3.12 first: the toolchain and every suite are verified on it; 3.13/3.14 run the same ansible-core.
        for version in 3.12 3.13 3.14; do
            if py="$(find_python "${version}")"; then
                printf '%s\n' "${py}"
                return 0
            fi
        done
        # Last resort: the system python3 (3.11 can only run ansible-core < 2.20).
        py="$(find_python 3.11)" || die "no CPython >= 3.11 found (looked on PATH and in pyenv)"
        printf '%s\n' "${py}"
    else
        # ansible-core 2.19 runs on 3.11 to 3.13; 3.11 first, the oldest controller Python the collection supports.
        for version in 3.11 3.12 3.13; do
            if py="$(find_python "${version}")"; then
                printf '%s\n' "${py}"
                return 0
            fi
        done
        die "no CPython 3.11, 3.12 or 3.13 found for ${venv#"${ROOT}"/} (looked on PATH and in pyenv)"
    fi
}

python="$(pick_python)"
read -r -a pyver <<<"$(python_version_of "${python}")"

# ansible-core 2.20 and later need a Python 3.12+ controller: on 3.11, install 2.19.
effective_reqs="${reqs}"
if [[ "${kind}" == dev && "${pyver[1]}" -lt 12 ]]; then
    effective_reqs="$(mktemp)"
    trap 'rm -f "${effective_reqs}"' EXIT
    sed 's/^ansible-core==.*/ansible-core==2.19.14/' "${reqs}" >"${effective_reqs}"
fi

# ANSIBLE_COLLECTIONS_PATH=.build/dev finds the collection in the working tree (README, .emulator/env).
if [[ "${kind}" == dev ]]; then
    dev_collection_tree >/dev/null
fi

stamp="${venv}/.twinops-requirements.sha256"
want="$(sha256sum <"${effective_reqs}" | cut -d' ' -f1)"
if [[ -x "${venv}/bin/python" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
    exit 0
fi

if [[ ! -x "${venv}/bin/python" ]]; then
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in a separate package.
    "${python}" -c 'import ensurepip, venv' 2>/dev/null ||
        die "${python} (Python ${pyver[0]}.${pyver[1]}) cannot create virtualenvs: its venv/ensurepip module is missing." \
            "On Debian or Ubuntu install python3-venv (or python${pyver[0]}.${pyver[1]}-venv), or put another CPython >= 3.11 on PATH."
    note "creating ${venv#"${ROOT}"/} with ${python} (Python ${pyver[0]}.${pyver[1]})"
    "${python}" -m venv "${venv}"
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
fi
note "installing ${reqs#"${ROOT}"/} into ${venv#"${ROOT}"/}"
if [[ "${effective_reqs}" != "${reqs}" ]]; then
    note "Python ${pyver[0]}.${pyver[1]}: installing ansible-core 2.19.14 instead of the pinned version (2.20+ needs 3.12+)"
fi
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${effective_reqs}"
printf '%s\n' "${want}" >"${stamp}"
