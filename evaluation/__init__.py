"""Evaluation: score summaries and stances, compare with published peers, write model cards.

Modules (definitions of every metric: METRICS.md beside this file):
    data            reading clusters, references, ready-made predictions
    text            marker stripping, sentence split, rouge-score tokens
    rouge           ROUGE-1/2/L/Lsum F1 (rouge-score, stemmed)
    stats           bootstrap confidence intervals
    neutrality      loaded-language rate (VADER lexicon)
    arousal         NeuS framing-bias arousal (NRC-VAD, user-supplied) + lemmatize
    balance         source coverage and evenness
    copying         length, novel n-grams, repetition
    stance_metrics  country-stance F1, confusion, not_stated accuracy
    generation      resumable batched generation into predictions.jsonl
    scoring         all metrics for one system
    peers           the ten NeuS peer outputs, scored by the same code
    report, card    report.md + chart; model card (README.md with HF metadata)
    run, cli        `evenhand eval` / `evenhand card`
"""
