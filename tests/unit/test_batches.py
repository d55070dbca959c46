"""``pipelines.db.in_batches``: the files of a large table, in the order it keeps them, cut into batches of rows
for the staging rebuild and the canonical mapping; worked out by hand."""

from __future__ import annotations

from pipelines.db import in_batches


def test_files_fill_a_batch_up_to_the_limit_and_are_never_cut():
    files = [("a", 3), ("b", 0), ("c", 2), ("d", 5), ("e", 1)]
    # a + b + c = 5 rows (not above 5); d would make 10: a batch of its own; e would make 6
    assert list(in_batches(files, limit=5)) == [["a", "b", "c"], ["d"], ["e"]]


def test_a_file_above_the_limit_is_a_batch_and_a_file_of_no_rows_joins_the_batch_before():
    assert list(in_batches([("x", 10), ("y", 1)], limit=5)) == [["x"], ["y"]]
    assert list(in_batches([("z", 0), ("x", 10), ("w", 0)], limit=5)) == [["z", "x", "w"]]
    assert list(in_batches([], limit=5)) == []
