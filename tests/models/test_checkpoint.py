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
    assert sorted(m.files) == ["config.json", "model.safetensors"] and len(m.files["model.safetensors"]) == 64
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


def test_every_file_but_the_card_is_hashed_and_checked(tmp_path):
    ck = make(tmp_path)
    assert sorted(read_manifest(ck).files) == ["config.json", "model.safetensors"]
    (ck / "README.md").write_text("# a model card, rewritten by `evenhand card`\n")
    read_manifest(ck)  # the card changes no output: not hashed
    (ck / "config.json").write_text('{"vocab_size": 3}')
    with pytest.raises(CheckpointError, match=r"file config.json does not match the hash in evenhand.json"):
        read_manifest(ck)


def test_a_hand_edited_manifest_is_refused(tmp_path):
    ck = make(tmp_path)
    data = json.loads((ck / MANIFEST).read_text())
    data["extra"]["generation"] = {"copy_bias": 3.0}  # a generation default, edited by hand
    (ck / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=r"evenhand.json was edited after the checkpoint was written.*"
                                              r"evenhand export .* --set KEY=VALUE"):
        read_manifest(ck)


def test_an_added_file_is_refused(tmp_path):
    ck = make(tmp_path)
    (ck / "special_tokens_map.json").write_text("{}")  # would change the tokenizer
    with pytest.raises(CheckpointError, match="special_tokens_map.json not listed in evenhand.json"):
        read_manifest(ck)


def test_format_1_says_how_to_rebuild(tmp_path):
    ck = make(tmp_path)
    data = json.loads((ck / MANIFEST).read_text())
    data.update(format=1, digest="")
    (ck / MANIFEST).write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=rf"format 1 hashed only the weight files; rebuild it .*evenhand export {ck}"):
        read_manifest(ck)


@pytest.mark.parametrize("task", ["summarizer", "stance"])
def test_bundled_checkpoints_pass_the_check_and_name_their_base_portably(task):
    from evenhand.models.defaults import default_checkpoint

    folder = default_checkpoint(task)
    m = read_manifest(folder, task=task)
    assert {"adapter_config.json", "adapter_model.safetensors", "train_config.yaml", "tokenizer.json"} <= set(m.files)
    base = json.loads((folder / "adapter_config.json").read_text())["base_model_name_or_path"]
    assert base in ("HuggingFaceTB/SmolLM2-135M-Instruct", "sentence-transformers/all-MiniLM-L6-v2")
