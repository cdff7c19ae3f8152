"""report.md and the metrics chart: one system (or several) side by side with the peers."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from .rouge import ROUGE_NAMES, ROUGE_TYPES



def _mean(metrics: dict[str, Any], *path: str) -> float | None:
    node: Any = metrics
    for key in path:
        if not isinstance(node, dict) or node.get(key) is None:
            return None
        node = node[key]
    if isinstance(node, dict):
        node = node.get("mean")
    if node is None or (isinstance(node, float) and math.isnan(node)):
        return None
    return float(node)


# (column header, path into metrics.json, decimals)
def table_columns(rows: Sequence[dict[str, Any]]) -> list[tuple[str, tuple[str, ...], int]]:
    cols: list[tuple[str, tuple[str, ...], int]] = [
        (ROUGE_NAMES[t], ("rouge", t), 2) for t in ROUGE_TYPES
    ]
    cols += [
        ("Loaded/100w ↓", ("neutrality", "loaded_rate"), 2),
        ("Loaded novel/100w ↓", ("neutrality", "loaded_rate_calibrated"), 2),
    ]
    if any(_mean(r, "arousal", "arousal") is not None for r in rows):
        cols += [("Arousal ↓", ("arousal", "arousal"), 2), ("Arousal/100w ↓", ("arousal", "arousal_per_100w"), 2)]
    cols += [
        ("Evenness ↑", ("balance", "evenness"), 3),
        ("Words", ("copying", "words"), 1),
        ("Copy % (3-gram)", ("copying", "copy_rate"), 1),
        ("Repeat %", ("copying", "repeated_trigram_pct"), 1),
    ]
    if any(r.get("faithfulness") for r in rows):
        cols += [("Unsupported names ↓", ("faithfulness", "unsupported_names"), 2),
                 ("Unsupported numbers ↓", ("faithfulness", "unsupported_numbers"), 2)]
    if any(r.get("stance") for r in rows):
        cols += [("Stance macro-F1", ("stance", "macro_f1"), 3)]
    return cols


def metrics_table(rows: Sequence[dict[str, Any]], highlight: Sequence[str] = ()) -> str:
    """Markdown table, one row per system (metrics.json dicts with a 'system' key)."""
    cols = table_columns(rows)
    lines = ["| System | " + " | ".join(c[0] for c in cols) + " |", "|---|" + "---:|" * len(cols)]
    for r in rows:
        name = r.get("system", "?")
        cells = []
        for _, path, nd in cols:
            v = _mean(r, *path)
            cells.append("–" if v is None else f"{v:.{nd}f}")
        if name in highlight:
            name = f"**{name}**"
            cells = [f"**{c}**" if c != "–" else c for c in cells]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ci_line(label: str, ci: dict[str, Any] | None, nd: int = 2) -> str | None:
    if not ci:
        return None
    return f"| {label} | {ci['mean']:.{nd}f} | [{ci['low']:.{nd}f}, {ci['high']:.{nd}f}] | {ci['n']} |"


def detail_section(m: dict[str, Any]) -> str:
    out = ["| Metric | Mean | 95% CI | n |", "|---|---:|---|---:|"]
    rows = []
    for t in ROUGE_TYPES:
        rows.append(_ci_line(f"{ROUGE_NAMES[t]} F1", (m.get("rouge") or {}).get(t)))
    n = m.get("neutrality") or {}
    rows.append(_ci_line("Loaded words per 100 words", n.get("loaded_rate")))
    rows.append(_ci_line("Loaded words absent from reference, per 100 words", n.get("loaded_rate_calibrated")))
    a = m.get("arousal") or {}
    rows.append(_ci_line("Arousal (NeuS, + and −)", a.get("arousal")))
    rows.append(_ci_line("Arousal per 100 words", a.get("arousal_per_100w")))
    rows.append(_ci_line("Arousal+", a.get("arousal_positive")))
    rows.append(_ci_line("Arousal−", a.get("arousal_negative")))
    b = m.get("balance") or {}
    rows.append(_ci_line("Source evenness", b.get("evenness"), 3))
    rows.append(_ci_line("Share of the most-used source", b.get("dominant_share"), 3))
    rows.append(_ci_line("Unattributed share", b.get("unattributed"), 3))
    c = m.get("copying") or {}
    rows.append(_ci_line("Words", c.get("words"), 1))
    for k in (1, 2, 3):
        rows.append(_ci_line(f"Novel {k}-grams %", c.get(f"novel_{k}gram_pct"), 1))
    rows.append(_ci_line("Repeated 3-grams %", c.get("repeated_trigram_pct"), 1))
    f = m.get("faithfulness") or {}
    rows.append(_ci_line("Unsupported names per summary", f.get("unsupported_names")))
    rows.append(_ci_line("Unsupported numbers per summary", f.get("unsupported_numbers")))
    out += [r for r in rows if r]
    extra = []
    if c.get("empty"):
        extra.append(f"- **{c['empty']} empty summaries.**")
    if c.get("length_ratio") is not None:
        extra.append(f"- Length ratio (summary words / reference words): {c['length_ratio']:.2f}")
    if n.get("top_loaded_words"):
        words = ", ".join(f"{w} ({k})" for w, k in n["top_loaded_words"])
        extra.append(f"- Most frequent loaded words: {words}")
    if a.get("lemmatizer"):
        extra.append(f"- Arousal lexicon: {a.get('lexicon')}; lemmatiser: {a['lemmatizer']}")
    if f.get("summaries_with_unsupported") is not None:
        extra.append(f"- Summaries with an unsupported name or number: {100 * f['summaries_with_unsupported']:.1f}% "
                     f"({f.get('names_checked', 0)} names and {f.get('numbers_checked', 0)} numbers checked)")
    if b.get("coverage_by_source"):
        extra.append(coverage_line(b["coverage_by_source"]))
    return "\n".join(out + ([""] + extra if extra else []))


def coverage_line(coverage: dict[str, float], top: int = 8) -> str:
    """Mean coverage by source: every source when there are few, else the most and least covered."""
    items = sorted(coverage.items(), key=lambda kv: -kv[1])
    if len(items) <= 2 * top:
        return "- Mean coverage by source: " + ", ".join(f"{k} {v:.2f}" for k, v in items)
    fmt = lambda part: ", ".join(f"{k} {v:.2f}" for k, v in part)  # noqa: E731
    return (f"- Mean coverage by source ({len(items)} sources): highest {fmt(items[:top])}; "
            f"lowest {fmt(items[-top:])} (all of them in metrics.json)")


def reference_section(ref: dict[str, Any]) -> str:
    """The references' own rates, the yardstick for the systems' loaded words and unsupported spans."""
    f = ref.get("faithfulness") or {}
    rows = [_ci_line("Loaded words per 100 words", ref.get("loaded_rate")),
            _ci_line("Unsupported names per summary", f.get("unsupported_names")),
            _ci_line("Unsupported numbers per summary", f.get("unsupported_numbers"))]
    return "\n".join(["| Metric | Mean | 95% CI | n |", "|---|---:|---|---:|"] + [r for r in rows if r])


def stance_section(s: dict[str, Any]) -> str:
    lines = [
        f"{s['n_items']} (cluster, country) items in {s['n_clusters']} clusters; "
        f"accuracy {s['accuracy']:.3f}, macro-F1 {s['macro_f1']:.3f}"
        + (f", not_stated accuracy {s['not_stated_accuracy']:.3f}" if s.get("not_stated_accuracy") is not None else "")
        + f"; extra stances on countries the gold does not list: {s['extra_predictions']}.",
        "",
        "| Label | Precision | Recall | F1 | Support |",
        "|---|---:|---:|---:|---:|",
    ]
    for lab, sc in s["per_class"].items():
        lines.append(f"| {lab} | {sc['precision']:.3f} | {sc['recall']:.3f} | {sc['f1']:.3f} | {sc['support']} |")
    cols = s["labels"]
    lines += ["", "Confusion matrix (rows gold, columns predicted):", "", "| gold \\ pred | " + " | ".join(cols) + " |",
              "|---|" + "---:|" * len(cols)]
    for g, row in s["confusion"].items():
        lines.append(f"| {g} | " + " | ".join(str(row.get(p, 0)) for p in cols) + " |")
    return "\n".join(lines)


def write_chart(path: str | Path, rows: Sequence[dict[str, Any]], highlight: Sequence[str] = ()) -> Path:
    """PNG with the headline metrics: ROUGE, loaded language, arousal (if any), source evenness."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    path = Path(path)
    names = [r.get("system", "?") for r in rows]
    y = np.arange(len(rows))
    has_arousal = any(_mean(r, "arousal", "arousal") is not None for r in rows)
    panels = 4 if has_arousal else 3
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels + 2, 0.45 * len(rows) + 2.2), sharey=True)

    ax = axes[0]
    h = 0.8 / len(ROUGE_TYPES)
    for k, t in enumerate(ROUGE_TYPES):
        vals = [_mean(r, "rouge", t) or 0.0 for r in rows]
        ax.barh(y + (k - 1.5) * h, vals, height=h, label=ROUGE_NAMES[t])
    ax.set_title("ROUGE F1 ↑")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4, frameon=False)

    def simple(ax, path, title, color):
        vals = [_mean(r, *path) for r in rows]
        ax.barh(y, [v or 0.0 for v in vals], color=color)
        for yi, v in zip(y, vals):
            if v is not None:
                ax.text(v, yi, f" {v:.2f}", va="center", fontsize=7)
        ax.set_title(title)

    simple(axes[1], ("neutrality", "loaded_rate"), "Loaded words / 100 ↓", "tab:red")
    if has_arousal:
        simple(axes[2], ("arousal", "arousal"), "NeuS arousal ↓", "tab:purple")
    simple(axes[-1], ("balance", "evenness"), "Source evenness ↑", "tab:green")
    axes[-1].set_xlim(0, 1.1)
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(names)
    for label in axes[0].get_yticklabels():
        if label.get_text() in highlight:
            label.set_fontweight("bold")
    axes[0].invert_yaxis()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(
    out_dir: str | Path,
    systems: Sequence[dict[str, Any]],
    peers: dict[str, dict[str, Any]] | None = None,
    *,
    run_info: dict[str, Any] | None = None,
    chart_name: str = "metrics.png",
) -> Path:
    """Write report.md (and the chart) comparing `systems` (highlighted) with `peers`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    peers = peers or {}
    rows = list(systems) + [dict(m, system=name) for name, m in peers.items()]
    names = [s.get("system", "?") for s in systems]
    # Bold marks the evaluated system(s) against peers; among equals it would mark every row.
    highlight = names if peers or len(systems) == 1 else []
    chart = write_chart(out_dir / chart_name, rows, highlight)
    info = run_info or {}
    title = ", ".join(names) if len(names) <= 3 else f"{len(names)} systems"
    parts = [
        f"# Evaluation: {title}",
        "",
        f"- Data: `{info.get('data', '?')}` ({systems[0].get('n_clusters', '?')} clusters"
        + (f", first {info['limit']}" if info.get("limit") else "")
        + ")",
    ]
    if info.get("command"):
        parts.append(f"- Command: `{info['command']}`")
    parts += [
        f"- Written: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, evenhand {info.get('evenhand_version', '?')}",
        "- Metric definitions: `evaluation/METRICS.md` in the evenhand repository. ROUGE is rouge-score (stemmed) F1 × 100, "
        "mean over clusters; ↓ lower is better, ↑ higher is better.",
        "",
        "## Systems" + (" and peers (same code, same clusters)" if peers else ""),
        "",
        metrics_table(rows, highlight),
        "",
        f"![main metrics]({chart.name})",
        "",
    ]
    published = [n for n in peers if "(baseline)" not in n]
    if published:
        parts += [
            "Peers are the published outputs of Lei & Huang (ACL 2025) on the NeuS test split, "
            "scored here with the same code on the same clusters.",
            "",
        ]
    if len(published) < len(peers):
        parts += ["Baselines are extractive reference points computed from the articles (evaluation/baselines.py); "
                  "their summaries are saved in `peers/`.", ""]
    if info.get("references_profile"):
        parts += ["## The references themselves", "",
                  "What the neutral references score on the reference-free metrics: a system's loaded-word rate "
                  "and unsupported names read against these.", "",
                  reference_section(info["references_profile"]), ""]
    for s in systems:
        parts += [f"## {s.get('system', '?')}: details with 95% bootstrap intervals", "", detail_section(s), ""]
        if s.get("stance"):
            parts += [f"### {s.get('system', '?')}: country stance", "", stance_section(s["stance"]), ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
