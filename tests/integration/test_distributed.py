"""Two-process data-parallel training (DDP over gloo, on CPU) through accelerate's launcher.

`accelerate launch --multi_gpu --num_processes 2` starts both ranks with torch.distributed.run;
`trainer.use_cpu=true` makes the Trainer's accelerator a MULTI_CPU (gloo) one. (Plain
`accelerate launch --cpu --num_processes 2` starts ONE process: accelerate runs several CPU
processes only through mpirun; see README, "Multi-process / multi-GPU training".)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def _launch(cmd: list[str], cwd, timeout: int = 240) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1",
               PYTHONUNBUFFERED="1")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _accelerate() -> list[str]:
    exe = shutil.which("accelerate", path=os.path.dirname(sys.executable)) or shutil.which("accelerate")
    if exe is None:
        pytest.skip("the accelerate command is not installed")
    return [exe]


def test_two_process_ddp_trains_and_only_rank_zero_writes(tiny_causal, corpus_dir, tmp_path, train_overrides, repo_root):
    out = tmp_path / "run"
    # One epoch, no max_steps: 6 training clusters at 2 per device make 3 steps on one process and
    # 2 on two (each rank sees 3 of them), so global_step tells whether the data really was split.
    overrides = train_overrides(tiny_causal, corpus_dir, out, **{
        "trainer.max_steps": -1, "trainer.num_train_epochs": 1, "trainer.gradient_accumulation_steps": 1,
        "trainer.use_cpu": "true",
        "trainer.eval_steps": 1, "trainer.save_steps": 1, "data.val_file": str(corpus_dir / "val.jsonl"),
    })
    cmd = _accelerate() + [
        "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
        "--dynamo_backend", "no", "--main_process_port", "0", "-m", "evenhand", "train",
        str(repo_root / "configs" / "summarizer_smollm2.yaml"), *overrides,
    ]
    proc = _launch(cmd, cwd=tmp_path)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]

    final = out / "final"
    manifest = json.loads((final / "evenhand.json").read_text())
    assert manifest["extra"]["train_metrics"]["global_step"] == 2, "both ranks should have shared the 6 clusters"
    # Only rank 0 wrote the final checkpoint: one announcement, no half-written or stray folders.
    assert log.count("evenhand: wrote checkpoint") == 1, log[-4000:]
    assert sorted(p.name for p in out.iterdir()) == ["checkpoints", "final", "train_config.yaml"]
    assert (final / "adapter_model.safetensors").exists()

    from evenhand.inference.summarizer import Summarizer

    s = Summarizer.load(final)
    r = s.summarize(["Country A signed a treaty.", "Farmers welcomed it."], max_new_tokens=4)
    assert r.generated_tokens > 0
