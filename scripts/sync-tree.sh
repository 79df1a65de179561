#!/usr/bin/env bash
# Mirror git's view of the working tree (tracked files plus untracked files that are not
# ignored, so uncommitted work counts) into .build/ansible_collections/twinops/digital_twins,
# the layout ansible-test, antsibull-docs and the integration tests need.
# Files that left git's view are removed from the copy; tests/output/ is kept.
# The copy carries its own git repository (never committed to) so that ansible-test sees
# exactly this file list instead of walking up to the project's repository.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v git >/dev/null || die "git is required"
git -C "${ROOT}" rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "${ROOT} is not a git working tree"
[[ -f "${ROOT}/.gitignore" ]] || die "missing .gitignore (the copy would include virtualenvs)"

mkdir -p "${COLLECTION_COPY}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# Files git shows, minus tracked files deleted from the working tree.
git -C "${ROOT}" ls-files -z --cached --others --exclude-standard >"${work}/listed"
(
    cd "${ROOT}"
    while IFS= read -r -d '' path; do
        if [[ -f "${path}" || -L "${path}" ]]; then
            printf '%s\0' "${path}"
        fi
    done <"${work}/listed"
) | sort -zu >"${work}/wanted"

# Copy (tar keeps modes and mtimes), then drop files no longer wanted.
tar -C "${ROOT}" --null -T "${work}/wanted" -cf - | tar -C "${COLLECTION_COPY}" -xf -
(
    cd "${COLLECTION_COPY}"
    find . \( -path ./.git -o -path ./tests/output \) -prune -o \( -type f -o -type l \) -print0 |
        sed -z 's|^\./||' | sort -z >"${work}/present"
    comm -z -23 "${work}/present" "${work}/wanted" | xargs -0 -r rm -f --
    find . \( -path ./.git -o -path ./tests/output \) -prune -o -type d -empty -print0 | xargs -0 -r rmdir --
)

if [[ ! -d "${COLLECTION_COPY}/.git" ]]; then
    git -C "${COLLECTION_COPY}" init -q
fi
count="$(tr -cd '\0' <"${work}/wanted" | wc -c)"
note "synced ${count} files into ${COLLECTION_COPY#"${ROOT}"/}"
