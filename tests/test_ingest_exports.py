"""Differently shaped exports, each loading correctly after `--infer` with at most one edit.

The exports (tests/_exports.py, listed in docs/exports.md) are written the way each system
exports them; each is inferred, edited at most once (one value of the YAML changed, as a user
would), loaded, and every record checked against the values it was written from.
"""

from __future__ import annotations

from datetime import datetime

import pytest

import _exports
from earful.ingest import ingest_file
from earful.ingest.infer import infer
from earful.ingest.mapping import parse_mapping

BUILDERS = _exports.builders()


def test_the_set_has_at_least_eight_shapes():
    assert len(BUILDERS) >= 8 and len({b.__name__ for b in BUILDERS}) == len(BUILDERS)


@pytest.mark.parametrize("build", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_export_loads_after_infer_with_at_most_one_edit(con, tmp_path, build):
    export = build(tmp_path)
    text = infer(export.path, export.fmt).yaml()
    if export.edit:
        old, new = export.edit
        assert text.count(old) == 1, f"the edit must change one thing: {old!r} found {text.count(old)} times"
        text = text.replace(old, new)
    r = ingest_file(con, export.path, export.fmt, parse_mapping(text))
    assert (r.loaded, r.quarantined) == (export.rows, export.bad_rows), r.quarantine_summary
    fields = sorted({k for t in export.truth.values() for k in t})
    got = {row[0]: dict(zip(fields, row[1:])) for row in con.execute(
        f"SELECT source_id, {', '.join(fields)} FROM interactions").fetchall()}
    wrong = []
    for sid, want in export.truth.items():
        for k, v in want.items():
            have = got[sid][k]
            if isinstance(v, float) and have is not None:
                ok = abs(have - v) < 1e-6
            elif isinstance(v, datetime):
                ok = have == v
            else:
                ok = have == v
            if not ok:
                wrong.append((sid, k, v, have))
    assert not wrong, f"{len(wrong)} wrong values, e.g. {wrong[:3]}"
