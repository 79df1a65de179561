# -*- coding: utf-8 -*-
# Copyright (c) 2026 twinops.digital_twins contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Last test of the suite (files run in name order): docs/reliability.md must be the rendering of this run."""

from __future__ import annotations

import difflib
import os

import pytest

from gen_report import REFRESH, render  # pylint: disable=import-error
from reliability_cases import BAD_INPUT_CASES, CHECKS, FAULT_CASES, TABLE_BAD_INPUT, TABLE_CHECKS, TABLE_FAULTS  # pylint: disable=import-error
from reliability_support import DOC  # pylint: disable=import-error


def test_docs_reliability_is_current(recorder):
    expected = {(TABLE_FAULTS, c.id) for c in FAULT_CASES} | {(TABLE_BAD_INPUT, c.id) for c in BAD_INPUT_CASES} | \
        {(TABLE_CHECKS, c[0]) for c in CHECKS}
    missing = expected - recorder.seen
    if missing:
        pytest.skip("partial run (%d of %d cases recorded): docs/reliability.md is checked after a full run only"
                    % (len(expected) - len(missing), len(expected)))
    text = render(recorder.data)
    if os.environ.get("TWINOPS_WRITE_RELIABILITY_DOC") == "1":
        DOC.write_text(text, encoding="utf-8")
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if current != text:
        diff = "".join(difflib.unified_diff(current.splitlines(True), text.splitlines(True), "docs/reliability.md", "this run", n=0))
        pytest.fail("docs/reliability.md does not match this run: run `%s` to refresh it "
                    "(or TWINOPS_WRITE_RELIABILITY_DOC=1 with the suite).\n%s" % (REFRESH, diff[:6000]), pytrace=False)
