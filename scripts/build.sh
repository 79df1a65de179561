#!/usr/bin/env bash
# Build the collection tarball from git's view of the tree into .build/dist, check what
# went into it, install it into a temporary path, run ansible-doc on every module and inventory plugin
# from there and verify the installed files against the manifest.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"${ROOT}/scripts/venv.sh" dev
"${ROOT}/scripts/sync-tree.sh"
export PATH="${VENV}/bin:${PATH}"

mkdir -p "${DIST_DIR}"
rm -f "${DIST_DIR}"/twinops-digital_twins-*.tar.gz
(cd "${COLLECTION_COPY}" && ansible-galaxy collection build --force --output-path "${DIST_DIR}")
[[ -f "${TARBALL}" ]] || die "expected ${TARBALL} after the build"

# Content checks on the artifact.
tar -tzf "${TARBALL}" | sed 's|/$||' | sort >"${DIST_DIR}/contents.txt"
for required in MANIFEST.json FILES.json LICENSE README.md requirements.txt bindep.txt \
    meta/runtime.yml meta/execution-environment.yml; do
    grep -qxF "${required}" "${DIST_DIR}/contents.txt" || die "${required} is missing from the tarball"
done
if grep -E '^(\.venv|\.build|\.emulator|\.ci|\.ansible|scripts|requirements|Makefile|tests/output|importer_result\.json|changelogs/\.plugin-cache\.yaml)(/|$)|__pycache__|\.pyc$' \
    "${DIST_DIR}/contents.txt"; then
    die "files that are not collection content went into the tarball (listed above)"
fi
note "$(wc -l <"${DIST_DIR}/contents.txt") entries in $(basename "${TARBALL}") ($(du -h "${TARBALL}" | cut -f1))"

install_dir="$(mktemp -d)"
trap 'rm -rf "${install_dir}"' EXIT
ansible-galaxy collection install --force "${TARBALL}" -p "${install_dir}"
installed="${install_dir}/ansible_collections/twinops/digital_twins"

shopt -s nullglob
modules=("${installed}"/plugins/modules/*.py)
[[ ${#modules[@]} -gt 0 ]] || die "the built collection has no modules (plugins/modules/*.py)"
for module in "${modules[@]}"; do
    name="twinops.digital_twins.$(basename "${module}" .py)"
    ANSIBLE_COLLECTIONS_PATH="${install_dir}" ansible-doc "${name}" >/dev/null ||
        die "ansible-doc failed for ${name}"
    note "ansible-doc ${name}: ok"
done
for plugin in "${installed}"/plugins/inventory/*.py; do
    name="twinops.digital_twins.$(basename "${plugin}" .py)"
    ANSIBLE_COLLECTIONS_PATH="${install_dir}" ansible-doc -t inventory "${name}" >/dev/null ||
        die "ansible-doc -t inventory failed for ${name}"
    note "ansible-doc -t inventory ${name}: ok"
done
ANSIBLE_COLLECTIONS_PATH="${install_dir}" ansible-galaxy collection verify --offline twinops.digital_twins
