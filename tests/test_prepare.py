
from evenhand.__main__ import main
from evenhand.corpus import read_jsonl
from evenhand.prepare import strip_markers


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


def test_strip_markers():
    assert strip_markers("TITLE=> A. TITLEAN=> B ARTICLE=> C") == "A. B C"


def test_prepare_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["prepare", "neus", "--src", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "train.source not found" in capsys.readouterr().err
