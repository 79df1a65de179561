# Shared helpers for the scripts in this directory. Source it, do not run it.
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this file

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_ROOT="${ROOT}/.build"
COLLECTION_COPY="${BUILD_ROOT}/ansible_collections/twinops/digital_twins"
DIST_DIR="${BUILD_ROOT}/dist"
VENV="${ROOT}/.venv"
VENV_CORE219="${ROOT}/.venv-core219"
VENV_IMPORTER="${ROOT}/.venv-importer"
COLLECTION_VERSION="$(sed -n 's/^version: *//p' "${ROOT}/galaxy.yml")"
TARBALL="${DIST_DIR}/twinops-digital_twins-${COLLECTION_VERSION}.tar.gz"

die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}

note() {
    printf '==> %s\n' "$*"
}

# Print "major minor" of a Python interpreter, or nothing if it does not run.
python_version_of() {
    "$1" -c 'import sys; print(sys.version_info[0], sys.version_info[1])' 2>/dev/null || true
}

# Real CPython bin directories of pyenv, newest first. pyenv shims of inactive versions exit
# with 127, so tools that look interpreters up by name must see these directories first.
pyenv_bin_dirs() {
    local pyenv_root
    pyenv_root="$(pyenv root 2>/dev/null || true)"
    [[ -n "${pyenv_root}" && -d "${pyenv_root}/versions" ]] || return 0
    find "${pyenv_root}/versions" -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -rV
}

# Find a working interpreter for python<major>.<minor>, print its path.
find_python() {
    local want="$1" candidate dir
    for dir in $(pyenv_bin_dirs); do
        candidate="${dir}/python${want}"
        if [[ -x "${candidate}" && "$(python_version_of "${candidate}")" == "${want/./ }" ]]; then
            printf '%s\n' "${candidate}"
            return 0
        fi
    done
    candidate="$(command -v "python${want}" 2>/dev/null || true)"
    if [[ -n "${candidate}" && "$(python_version_of "${candidate}")" == "${want/./ }" ]]; then
        printf '%s\n' "${candidate}"
        return 0
    fi
    for candidate in python3 /usr/bin/python3; do
        candidate="$(command -v "${candidate}" 2>/dev/null || true)"
        if [[ -n "${candidate}" && "$(python_version_of "${candidate}")" == "${want/./ }" ]]; then
            printf '%s\n' "${candidate}"
            return 0
        fi
    done
    return 1
}

# PATH with the real pyenv interpreters (3.10 and later) in front of the shims.
real_python_path() {
    local dir version extra=""
    for dir in $(pyenv_bin_dirs); do
        version="$(basename "$(dirname "${dir}")")"
        case "${version}" in
            3.1[0-9].*) extra="${extra}${dir}:" ;;
        esac
    done
    printf '%s%s\n' "${extra}" "${PATH}"
}

# A collection path that resolves twinops.digital_twins to the working tree itself (a symlink, so
# edits count at once); extensions/molecule/run.sh uses the same one. Prints the path.
dev_collection_tree() {
    local parent="${BUILD_ROOT}/dev/ansible_collections/twinops"
    if [[ ! -e "${parent}/digital_twins" ]]; then
        mkdir -p "${parent}"
        ln -sfn "${ROOT}" "${parent}/digital_twins"
    fi
    printf '%s\n' "${BUILD_ROOT}/dev"
}

now() {
    date +%s.%N
}

elapsed() {
    awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'
}
