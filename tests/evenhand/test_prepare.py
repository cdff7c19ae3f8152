
from evenhand.__main__ import main
from evenhand.corpus import read_jsonl
from evenhand.evaluation.data import load_clusters
from evenhand.evaluation.stance_eval import load_labelled_clusters
from evenhand.prepare import parse_snippet


def test_prepare_neus_splits_snippets_and_strips_markers(tmp_path):
    src = tmp_path / "neus"
    src.mkdir()
    line = ("TITLE=> Leaders meet. ARTICLE=> The leaders met on Monday. [SEP] "
            "TITLE=> Summit opens. ARTICLE=> A summit opened. [SEP] TITLE=> Talks begin. ARTICLE=> Talks began in the city.")
    for split in ("train", "val", "test"):
        (src / f"{split}.source").write_text(line + "\n" + line + "\n")
        (src / f"{split}.target").write_text("TITLE=> Leaders Hold Summit. ARTICLE=> Leaders met at a summit.\n" * 2)
    assert main(["prepare", "neus", "--src", str(src), "--out", str(tmp_path / "out")]) == 0
    clusters = read_jsonl(tmp_path / "out" / "val.jsonl", require_summary=True)
    assert [c.id for c in clusters] == ["neus-val-0000", "neus-val-0001"]
    c = clusters[0]
    assert [a.title for a in c.articles] == ["Leaders meet.", "Summit opens.", "Talks begin."]
    assert c.articles[2].text == "Talks began in the city."
    assert c.summary == "Leaders Hold Summit.\nLeaders met at a summit."


def test_snippet_markers_inside_a_title_become_spaces_and_a_title_only_snippet_keeps_its_outlet():
    assert parse_snippet("TITLE=> A. TITLEAN=> B ARTICLE=> C").title == "A. B"
    only_title = parse_snippet("TITLE=> Talks collapse ARTICLE=> ")
    assert (only_title.title, only_title.text) == ("", "Talks collapse")
    assert parse_snippet("  ") is None


def test_prepare_eval_and_stance_eval_read_identical_neus_clusters(tmp_path):
    """One NeuS reader: the JSONL that `prepare` writes, a raw `.source` given to `evenhand eval`, and the
    clusters `stance-eval` joins labels to are the same text (odd white space and title-only snippets too)."""
    src = tmp_path / "neus"
    src.mkdir()
    lines = [
        "TITLE=> Pact\u00a0signed ARTICLE=> Leaders  signed\u00a0a pact.\tIt is new. [SEP] TITLE=> Only a title ARTICLE=> ",
        "TITLE=> Talks ARTICLE=> Talks began. [SEP] TITLE=> More talks ARTICLE=> They went on \u2028 for days.",
    ]
    for split in ("train", "val", "test"):
        (src / f"{split}.source").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (src / f"{split}.target").write_text("TITLE=> A pact ARTICLE=> Two states signed a pact.\n" * 2)
    assert main(["prepare", "neus", "--src", str(src), "--out", str(tmp_path / "out")]) == 0
    prepared = read_jsonl(tmp_path / "out" / "val.jsonl")
    raw, _ = load_clusters(src / "val.source")
    labels = tmp_path / "dev.jsonl"
    labels.write_text('{"id": "neus-val-0000", "topic": "the pact", "stances": {"Russia": "supports"}}\n')
    stance_view = load_labelled_clusters(labels, src)
    as_data = [[(a.title, a.text) for a in c.articles] for c in prepared]
    assert as_data == [[(a.title, a.text) for a in c.articles] for c in raw]
    assert [(a.title, a.text) for a in stance_view[0].articles] == as_data[0]
    assert as_data[0] == [("Pact signed", "Leaders signed a pact. It is new."), ("", "Only a title")]
    assert [c.summary for c in prepared] == [c.summary for c in raw] == ["A pact\nTwo states signed a pact."] * 2


def test_prepare_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["prepare", "neus", "--src", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "train.source not found" in capsys.readouterr().err
