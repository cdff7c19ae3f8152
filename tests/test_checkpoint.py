import json

import pytest

from evenhand.errors import CheckpointError
from evenhand.models.checkpoint import MANIFEST, Manifest, read_manifest, write_checkpoint


def save_dummy(tmp):
    from safetensors.torch import save_file
    import torch

    save_file({"w": torch.ones(4)}, str(tmp / "model.safetensors"))
    (tmp / "config.json").write_text("{}")
    (tmp / "pytorch_model.bin").write_bytes(b"pickle")  # must not survive into the checkpoint


def make(tmp_path):
    return write_checkpoint(tmp_path / "ck", save_dummy, Manifest(task="summarizer", base_model=None,
                                                                   architecture="causal", adapter=False))


def test_write_records_hashes_and_drops_pickles(tmp_path):
    import os
    import stat

    ck = make(tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(ck.stat().st_mode) == 0o777 & ~umask  # not mkdtemp's private 0700
    m = read_manifest(ck, task="summarizer")
    assert list(m.files) == ["model.safetensors"] and len(m.files["model.safetensors"]) == 64
    assert not (ck / "pytorch_model.bin").exists()
    assert m.evenhand_version


def test_tampered_or_truncated_weights_are_refused(tmp_path):
    ck = make(tmp_path)
    data = (ck / "model.safetensors").read_bytes()
    (ck / "model.safetensors").write_bytes(data[:-3])
    with pytest.raises(CheckpointError, match="does not match the hash"):
        read_manifest(ck)


def test_missing_pieces_and_wrong_task(tmp_path):
    ck = make(tmp_path)
    with pytest.raises(CheckpointError, match="'stance' checkpoint was expected"):
        read_manifest(ck, task="stance")
    (ck / "config.json").unlink()
    with pytest.raises(CheckpointError, match="config.json is missing"):
        read_manifest(ck)
    (ck / MANIFEST).unlink()
    with pytest.raises(CheckpointError, match="evenhand.json is missing"):
        read_manifest(ck)
    with pytest.raises(CheckpointError, match="not found"):
        read_manifest(tmp_path / "nothing")


def test_newer_format_says_upgrade(tmp_path):
    ck = make(tmp_path)
    data = json.loads((ck / MANIFEST).read_text())
    data["format"] = 99
    data["evenhand_version"] = "9.0.0"
    (ck / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="written by evenhand 9.0.0.*upgrade evenhand"):
        read_manifest(ck)


def test_failed_save_leaves_no_checkpoint(tmp_path):
    def boom(tmp):
        (tmp / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_checkpoint(tmp_path / "ck", boom, Manifest(task="summarizer", base_model=None, architecture="causal", adapter=False))
    assert not (tmp_path / "ck").exists()
    assert list(tmp_path.iterdir()) == []
