from pathlib import Path

import pytest

from evenhand.config import load_config, parse_overrides
from evenhand.errors import ConfigError
from evenhand.training.config import SummarizerTrainConfig


def test_yaml_file_and_overrides(tmp_path, repo_root):
    cfg = load_config(repo_root / "configs" / "summarizer_smollm2.yaml", ["max_steps=2", "lora.r=4", "lora.enabled=false"],
                      SummarizerTrainConfig)
    assert cfg.trainer.max_steps == 2  # shorthand routed into the trainer section
    assert cfg.lora.r == 4 and cfg.lora.enabled is False
    assert cfg.trainer.learning_rate == pytest.approx(3e-4)


def test_parse_overrides_types():
    assert parse_overrides(["a=1", "b.c=true", "d=x,y", "e=2e-4", "f="]) == {
        "a": 1, "b": {"c": True}, "d": "x,y", "e": "2e-4", "f": None}
    with pytest.raises(ConfigError, match="key=value"):
        parse_overrides(["oops"])


def test_unknown_key_suggests_the_close_match():
    with pytest.raises(ConfigError, match="unknown key 'trainer.learning_rat'; did you mean 'trainer.learning_rate'"):
        load_config(None, ["trainer.learning_rat=1"], SummarizerTrainConfig)
    with pytest.raises(ConfigError, match="unknown key 'bse_model'; did you mean 'base_model'"):
        load_config(None, ["bse_model=x"], SummarizerTrainConfig)


def test_wrong_type_names_key_and_expected_type(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("trainer:\n  max_steps: lots\n")
    with pytest.raises(ConfigError, match=r"c.yaml: 'trainer.max_steps' must be an integer, got 'lots'"):
        load_config(f, [], SummarizerTrainConfig)
    with pytest.raises(ConfigError, match="'lora.enabled' must be true or false"):
        load_config(None, ["lora.enabled=maybe"], SummarizerTrainConfig)
    with pytest.raises(ConfigError, match="must be one of"):
        load_config(None, ["data.on_error=ignore"], SummarizerTrainConfig)


def test_bad_yaml_and_cross_field_checks(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("trainer: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(f, [], SummarizerTrainConfig)
    with pytest.raises(ConfigError, match="multiple of trainer.eval_steps"):
        load_config(None, ["eval_steps=3", "save_steps=4"], SummarizerTrainConfig)


def test_trainer_section_passes_any_training_arguments_key_through_and_checks_the_rest(tmp_path):
    from evenhand.training.common import training_arguments
    from evenhand.training.config import SummarizerTrainConfig

    cfg = load_config(None, ["trainer.max_grad_norm=0.25", "optim=adafactor", "max_steps=3"], SummarizerTrainConfig)
    assert cfg.trainer.passthrough == {"max_grad_norm": 0.25, "optim": "adafactor"} and cfg.trainer.max_steps == 3
    args = training_arguments(cfg.trainer, tmp_path, seed=1, has_eval=False)
    assert args.max_grad_norm == 0.25 and getattr(args.optim, "value", args.optim) == "adafactor" and args.max_steps == 3
    with pytest.raises(ConfigError, match=r"did you mean 'trainer.max_grad_norm'"):
        load_config(None, ["trainer.max_grad_nrom=1"], SummarizerTrainConfig)
    with pytest.raises(ConfigError, match=r"'trainer.output_dir' is set by evenhand"):
        load_config(None, ["trainer.output_dir=x"], SummarizerTrainConfig)


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).resolve().parents[2] / "configs").glob("*.yaml")))
def test_every_shipped_config_loads_and_opens_with_its_command(name, repo_root):
    from evenhand.training.tasks import load_task_config

    path = repo_root / "configs" / name
    cfg = load_task_config(path, [])  # a misspelt key or a wrong type fails here, naming the file
    assert cfg.output_dir
    head = "\n".join(path.read_text().splitlines()[:20])
    assert f"configs/{name}" in head, "a config opens with the command that runs it"
