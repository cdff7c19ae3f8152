"""Training configuration dataclasses (YAML files in configs/ fill them; see evenhand.config)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from evenhand.errors import ConfigError


@dataclass
class LoraSettings:
    enabled: bool = True  # false = full fine-tuning
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    # None adapts every linear layer but the output head ("all-linear" in peft).
    target_modules: list[str] | None = None
    # Adapt only the top N transformer blocks (None = all). Backward then stops at the
    # lowest adapted block, which cuts the cost of a training step on CPU.
    top_layers: int | None = None


@dataclass
class SummarizerData:
    train_file: str = "data/neus/train.jsonl"
    val_file: str | None = "data/neus/val.jsonl"
    max_source_tokens: int = 768  # article content of all sources together (shared fairly)
    max_target_tokens: int = 256
    shuffle_articles: bool = True  # a random article order per example, so no position is privileged
    limit_train: int | None = None  # first N clusters only (quick experiments)
    limit_val: int | None = None
    on_error: Literal["raise", "skip"] = "raise"


@dataclass
class TrainerSettings:
    """The `trainer:` section: passed through to transformers.TrainingArguments.

    The fields below are the keys whose defaults evenhand sets for these small CPU runs (and the two it adds:
    early_stopping_patience, warmup_ratio). Any other TrainingArguments field may be given too
    (`trainer.max_grad_norm=0.5`, `trainer.optim=adafactor`): it is checked against TrainingArguments' fields,
    with the same "did you mean" errors, and handed over as it is. The keys evenhand sets itself from the rest
    of the config (output_dir, seed, evaluation and save strategy, ...) are refused here.
    """

    learning_rate: float = 2e-4
    num_train_epochs: float = 3.0
    max_steps: int = -1  # > 0 overrides num_train_epochs
    per_device_train_batch_size: int = 4
    per_device_eval_batch_size: int = 4
    gradient_accumulation_steps: int = 1
    warmup_ratio: float = 0.03
    weight_decay: float = 0.0
    lr_scheduler_type: str = "linear"
    logging_steps: int = 10
    eval_steps: int = 100
    save_steps: int = 100
    save_total_limit: int | None = 3
    early_stopping_patience: int | None = 3  # in evaluations; None disables
    gradient_checkpointing: bool = False
    dataloader_num_workers: int = 0
    bf16: bool = False
    use_cpu: bool = False
    torch_compile: bool = False
    passthrough: dict = field(default_factory=dict)  # the other TrainingArguments keys, as given

    @classmethod
    def passthrough_keys(cls) -> set[str]:
        """TrainingArguments fields a config may set beyond the ones above."""
        import dataclasses

        from transformers import TrainingArguments

        own = {f.name for f in dataclasses.fields(cls)}
        return {f.name for f in dataclasses.fields(TrainingArguments) if f.init} - own - SET_BY_EVENHAND


# TrainingArguments that evenhand derives from the rest of the config: setting them in `trainer:` would
# fight the run's own logic (checkpoint folder, seeds, best-checkpoint selection), so they are refused.
SET_BY_EVENHAND = frozenset({
    "output_dir", "seed", "data_seed", "report_to", "remove_unused_columns", "disable_tqdm", "eval_strategy",
    "load_best_model_at_end", "metric_for_best_model", "greater_is_better", "save_strategy", "warmup_steps",
})


@dataclass
class BaseTrainConfig:
    """What every task's config shares: the run, LoRA, the Trainer settings and their checks. A task's config
    (one per entry of training/tasks.py) adds `task`, its `data` section and its own defaults."""

    base_model: str = ""
    output_dir: str = "runs/run"
    seed: int = 42
    resume: bool = True  # continue from the newest checkpoint in output_dir/checkpoints if there is one
    # torch CPU threads (None: torch's default). On a busy machine one thread can be several
    # times faster than two that wait on each other (measured: 15 s vs 45-100 s per step).
    torch_threads: int | None = None
    lora: LoraSettings = field(default_factory=LoraSettings)
    trainer: TrainerSettings = field(default_factory=TrainerSettings)

    def validate(self) -> None:
        t = self.trainer
        self.validate_data()
        if t.early_stopping_patience is not None and self.data.val_file and t.save_steps % t.eval_steps:
            raise ConfigError(
                f"trainer.save_steps ({t.save_steps}) must be a multiple of trainer.eval_steps ({t.eval_steps}) "
                "when early stopping keeps the best checkpoint"
            )
        if t.learning_rate <= 0:
            raise ConfigError("trainer.learning_rate must be > 0")

    def validate_data(self) -> None:
        """A task's own checks of its data section."""


@dataclass
class SummarizerTrainConfig(BaseTrainConfig):
    task: Literal["summarizer"] = "summarizer"
    base_model: str = "smollm2-135m-instruct"
    output_dir: str = "runs/summarizer"
    data: SummarizerData = field(default_factory=SummarizerData)
    generation: dict = field(default_factory=dict)  # default generate() kwargs stored with the checkpoint

    def validate_data(self) -> None:
        if self.data.max_source_tokens < 16:
            raise ConfigError("data.max_source_tokens must be at least 16")


@dataclass
class HeadlineData(SummarizerData):
    max_source_tokens: int = 320  # titles and lead sentences of every outlet, shared fairly
    max_target_tokens: int = 40  # NeuS reference titles: ~8 words


@dataclass
class HeadlineTrainConfig(SummarizerTrainConfig):
    """The neutral-headline generator: the summarizer recipe, with titles + leads in and the reference title out."""

    task: Literal["headline"] = "headline"
    output_dir: str = "runs/headline_smollm2"
    data: HeadlineData = field(default_factory=HeadlineData)
