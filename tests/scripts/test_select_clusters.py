"""scripts/select_clusters.py: resuming a corpus that an interruption cut off."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def select_clusters(load_script):
    return load_script("select_clusters")


def test_a_cut_last_line_is_dropped_and_whole_lines_are_counted(select_clusters, tmp_path):
    out = tmp_path / "sel.jsonl"
    whole = [json.dumps({"id": f"c{i}", "articles": []}) + "\n" for i in range(2)]
    out.write_text("".join(whole) + '{"id": "c2", "artic')
    assert select_clusters._complete_lines(out) == 2
    assert out.read_text() == "".join(whole)


def test_a_whole_last_line_without_newline_is_kept_and_ended(select_clusters, tmp_path):
    out = tmp_path / "sel.jsonl"
    out.write_text('{"id": "c0"}\n{"id": "c1"}')
    assert select_clusters._complete_lines(out) == 2
    assert out.read_text() == '{"id": "c0"}\n{"id": "c1"}\n'  # the next cluster starts on its own line


def test_no_file_yet_is_zero(select_clusters, tmp_path):
    assert select_clusters._complete_lines(tmp_path / "none.jsonl") == 0
