"""End to end: `eval` writes metrics.json, predictions, report.md and a chart; `card` writes README.md."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import yaml

from evenhand.__main__ import main
from evenhand.evaluation.card import ModelCardData, write_model_card
from evenhand.evaluation.data import EvaluationError
from evenhand.evaluation.rouge import rouge_f1
from evenhand.evaluation.run import EvalRequest, run_eval
from evenhand.evaluation.scoring import EvalSettings
from evenhand.evaluation.text import strip_markers

CLUSTERS = [
    {
        "id": "t-0",
        "articles": [
            {"source": "Left Daily", "title": "Senate passes budget", "text": "The senate passed the budget bill on Monday."},
            {"source": "Right Times", "title": "Budget fight", "text": "Critics said the budget bill was a disaster for taxpayers."},
        ],
        "summary": "TITLE=> Senate passes budget. ARTICLE=> The senate passed the budget bill on Monday over criticism.",
        "stances": {"France": "not_stated", "Germany": "supports"},
    },
    {
        "id": "t-1",
        "articles": [
            {"source": "Left Daily", "text": "Protesters gathered outside the White House demanding climate action."},
            {"source": "Right Times", "text": "A small crowd blocked traffic near the White House on Friday."},
        ],
        "summary": "Protesters gathered near the White House on Friday to demand climate action.",
    },
    {
        "id": "t-2",
        "articles": [
            {"source": "Left Daily", "text": "The central bank raised interest rates by half a point."},
            {"source": "Right Times", "text": "Borrowing costs rose after the central bank acted."},
        ],
        "summary": "The central bank raised interest rates by half a point.",
    },
]
PREDICTIONS = [
    {"id": "t-0", "summary": "Senate passes budget.\nThe senate passed the budget bill on Monday.",
     "stances": {"Germany": "supports", "Japan": "opposes"}},
    {"id": "t-1", "summary": "A brutal disaster near the White House."},
    {"id": "t-2", "summary": "The central bank raised interest rates by half a point."},
]


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in CLUSTERS), encoding="utf-8")
    return path


@pytest.fixture
def preds_file(tmp_path):
    path = tmp_path / "sys.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PREDICTIONS), encoding="utf-8")
    return path


def _settings():
    return EvalSettings(bootstrap=50, progress=False)


def test_predictions_eval_writes_all_outputs(tmp_path, data, preds_file):
    out = tmp_path / "out"
    vad = tmp_path / "vad.txt"
    vad.write_text("brutal\t0.05\t0.95\t0.3\ndisaster\t0.10\t0.90\t0.3\nhouse\t0.60\t0.30\t0.5\n", encoding="utf-8")
    settings = EvalSettings(bootstrap=50, progress=False, vad_lexicon=str(vad))
    outcome = run_eval(EvalRequest(data=str(data), predictions=[str(preds_file)], out=str(out), use_peers=False,
                                   settings=settings))
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n_clusters"] == 3
    # t-2 is a verbatim copy of its reference: ROUGE-1 100 there
    scores = [json.loads(line) for line in (out / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [s["id"] for s in scores] == ["t-0", "t-1", "t-2"]
    assert scores[2]["rouge1"] == 100.0
    assert metrics["rouge"]["rouge1"]["mean"] == pytest.approx(sum(s["rouge1"] for s in scores) / 3, abs=1e-3)
    assert scores[1]["loaded_words"] == ["brutal", "disaster"]
    # stance: Germany right, France missing -> not_stated (right); Japan is an extra stance
    assert metrics["stance"]["accuracy"] == 1.0 and metrics["stance"]["extra_predictions"] == 1
    assert set(metrics["balance"]["coverage_by_source"]) == {"Left Daily", "Right Times"}
    assert metrics["copying"]["empty"] == 0
    # arousal: only t-1 has lexicon words absent from its reference (brutal 0.95 + disaster 0.90)
    assert [s.get("arousal") for s in scores] == [0.0, pytest.approx(1.85), 0.0]
    assert metrics["arousal"]["arousal"]["mean"] == pytest.approx(1.85 / 3, abs=1e-4)
    assert metrics["arousal"]["arousal_negative"]["mean"] == pytest.approx(1.85 / 3, abs=1e-4)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| **sys** |" in report and "ROUGE-Lsum" in report and "Confusion matrix" in report
    assert "Arousal ↓" in report
    assert (out / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len((out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert outcome.systems[0].name == "sys"


def test_text_predictions_must_match_data_length(tmp_path, data):
    short = tmp_path / "short.txt"
    short.write_text("one\ntwo\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="2 lines but the data has 3 clusters"):
        run_eval(EvalRequest(data=str(data), predictions=[str(short)], out=str(tmp_path / "o"), use_peers=False,
                             settings=_settings()))


def test_checkpoint_eval_resumes_and_writes_model_card(tmp_path, data):
    ckpt = tmp_path / "ckpt-smollm2"
    ckpt.mkdir()
    (ckpt / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "HuggingFaceTB/SmolLM2-360M-Instruct"}))
    calls = []

    def fake_generate(batch):
        calls.append([c.id for c in batch])
        return [SimpleNamespace(summary=c.summary.replace("TITLE=>", "").replace("ARTICLE=>", ""), stances={}, sources=[])
                for c in batch]

    req = EvalRequest(data=str(data), checkpoint=str(ckpt), out=str(tmp_path / "ev"), batch_size=2, limit=2,
                      use_peers=False, write_card=True, settings=_settings(), command="evenhand eval ...")
    first = run_eval(req, generate_fn=fake_generate)
    assert calls == [["t-0", "t-1"]]
    assert first.systems[0].metrics["rouge"]["rouge1"]["mean"] == pytest.approx(100.0)
    req.limit = None
    run_eval(req, generate_fn=fake_generate)
    assert calls == [["t-0", "t-1"], ["t-2"]]  # only the new cluster was generated

    text = (ckpt / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["base_model"] == "HuggingFaceTB/SmolLM2-360M-Instruct"
    assert meta["library_name"] == "peft" and meta["license"] == "apache-2.0"
    assert meta["datasets"] and "summarization" in meta["tags"]
    results = meta["model-index"][0]["results"]
    rouge1 = next(m for m in results[0]["metrics"] if m["type"] == "rouge1")
    assert rouge1["value"] == 100.0
    assert any(r["task"]["name"] == "Country stance" for r in results)
    assert "## Intended use" in text and "## Limitations" in text and "## Bias, risks and fairness notes" in text
    assert "{{" not in text


def test_card_does_not_overwrite_a_hand_written_readme(tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "README.md").write_text("# my own notes\n", encoding="utf-8")
    card = ModelCardData.from_checkpoint(ckpt, base_model="google/flan-t5-small")
    with pytest.raises(EvaluationError, match="--force"):
        write_model_card(ckpt, card)
    path = write_model_card(ckpt, card, force=True)
    assert "Not evaluated yet" in path.read_text(encoding="utf-8")
    write_model_card(ckpt, card)  # our own card may be replaced without --force


def test_cli_eval_then_card(tmp_path, data, preds_file, capsys):
    out = tmp_path / "cli"
    rc = main(["eval", "--data", str(data), "--predictions", str(preds_file), "--out", str(out),
               "--no-peers", "--no-progress", "--bootstrap", "20", "--name", "My System"])
    assert rc == 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["system"] == "My System"
    assert metrics["run"]["command"].startswith("evenhand eval --data")
    ckpt = tmp_path / "ck"
    ckpt.mkdir()
    rc = main(["card", "--checkpoint", str(ckpt), "--metrics", str(out / "metrics.json"), "--base-model", "org/base",
               "--license", "mit"])
    assert rc == 0
    meta = yaml.safe_load((ckpt / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert meta["license"] == "mit" and meta["base_model"] == "org/base"


def test_cli_errors_are_messages_not_tracebacks(tmp_path, capsys):
    rc = main(["eval", "--data", str(tmp_path / "missing.jsonl"), "--predictions", "x.txt", "--no-peers"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "data file not found" in err and "Traceback" not in err
    rc = main(["eval", "--data", str(tmp_path / "missing.jsonl")])
    assert rc == 2 and "--checkpoint" in capsys.readouterr().err
    assert main(["eval", "--predictions", "x.txt"]) == 2
    assert "--data is required" in capsys.readouterr().err


def test_report_compares_with_peers_and_caches_their_scores(tmp_path, preds_file):
    # Three clusters with NeuS test ids; peer files hold 307 lines like the real release.
    data = tmp_path / "neus.jsonl"
    data.write_text("".join(json.dumps(dict(c, id=f"neus-test-{i:04d}")) + "\n" for i, c in enumerate(CLUSTERS)),
                    encoding="utf-8")
    preds = tmp_path / "mine.txt"
    preds.write_text("".join(p["summary"].replace("\n", " ") + "\n" for p in PREDICTIONS), encoding="utf-8")
    peer_dir = tmp_path / "peers_release" / "generated_summary_NeuS"
    peer_dir.mkdir(parents=True)
    (peer_dir / "lexrank.txt").write_text("\n".join([c["articles"][0]["text"] for c in CLUSTERS] + ["x"] * 304) + "\n")
    (peer_dir / "neus.txt").write_text("\n".join(["TITLEAN=> T ARTICLE=> " + c["summary"] for c in CLUSTERS] + ["x"] * 304))
    req = EvalRequest(data=str(data), predictions=[str(preds)], out=str(tmp_path / "o"), peers=str(tmp_path / "peers_release"),
                      settings=_settings())
    outcome = run_eval(req)
    assert list(outcome.peers) == ["LexRank", "NeuS-Title"]
    # Peers go through the same scoring: LexRank's line i is article 0 of cluster i.
    direct = rouge_f1([c["articles"][0]["text"] for c in CLUSTERS], [strip_markers(c["summary"]) for c in CLUSTERS])
    assert outcome.peers["LexRank"]["rouge"]["rouge1"]["mean"] == pytest.approx(sum(direct["rouge1"]) / 3, abs=1e-3)
    report = (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    assert "| **mine** |" in report and "| LexRank |" in report and "| NeuS-Title |" in report
    cached = tmp_path / "o" / "peers" / "lexrank.json"
    stamp = cached.stat().st_mtime_ns
    run_eval(req)
    assert cached.stat().st_mtime_ns == stamp  # reused, not rescored
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["run"]["peer_files"] == ["lexrank", "neus"]


def test_peers_need_neus_test_ids(tmp_path, data, preds_file):
    peer_dir = tmp_path / "p"
    peer_dir.mkdir()
    (peer_dir / "lexrank.txt").write_text("x\n" * 307)
    with pytest.raises(EvaluationError, match="NeuS test split"):
        run_eval(EvalRequest(data=str(data), predictions=[str(preds_file)], out=str(tmp_path / "o"), peers=str(peer_dir),
                             settings=_settings()))


def test_card_reads_evenhand_manifest_and_replaces_peft_placeholder(tmp_path):
    ckpt = tmp_path / "run1" / "final"
    ckpt.mkdir(parents=True)
    (ckpt / "README.md").write_text("---\nlibrary_name: peft\n---\n# Model Card for Model ID\n[More Information Needed]\n")
    (ckpt / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/root/.cache/x"}))
    (ckpt / "evenhand.json").write_text(json.dumps({
        "adapter": True, "base_model": "smollm2-135m-instruct",
        "config": {"lora": {"enabled": True, "r": 8, "alpha": 16}, "trainer": {"learning_rate": 2e-4},
                   "data": {"train_file": "data/neus/train.jsonl"}},
        "extra": {"train_metrics": {"global_step": 120, "best_eval_loss": 2.25},
                  "generation": {"max_new_tokens": 160, "copy_bias": 1.5}},
    }))
    card = ModelCardData.from_checkpoint(ckpt)
    assert card.model_name == "run1-final"  # a bare "final" says nothing
    assert card.base_model == "HuggingFaceTB/SmolLM2-135M-Instruct"  # evenhand's offline alias, as a hub id
    text = write_model_card(ckpt, card).read_text(encoding="utf-8")  # peft's placeholder is replaced
    assert "LoRA (r=8, alpha=16)" in text and "optimizer steps: 120" in text and "best validation loss: 2.250" in text
    assert "generation defaults: `copy_bias=1.5`, `max_new_tokens=160`" in text
