"""Post-training weight quantization for CPU inference.

    from evenhand.inference.quantize import quantize_model
    model = quantize_model(model, "int8")

Both modes are PyTorch's dynamic quantization (`torch.ao.quantization.quantize_dynamic`): the
chosen `nn.Linear` layers keep int8 weights, activations are quantized on the fly per batch, and
the matrix products run in fbgemm/oneDNN int8 kernels (VNNI on recent x86). Embeddings and norms
stay float32. No calibration data; any causal or seq2seq model evenhand loads; CPU only.

  "int8"      attention and MLP gate/up projections, per-channel weights; the MLP down projections
              and the output head stay float32 (their inputs have outlier activations)
  "int8-all"  every Linear, output head included, per-tensor: fastest, but on SmolLM2-135M it
              changes the summaries a lot (README, "Speed on CPU", has the ROUGE cost)

PyTorch marks `torch.ao.quantization` deprecated in favour of torchao, but in torch 2.13 it is
still there and is the fastest option measured on our CPU: torchao 0.18's
`Int8DynamicActivationInt8WeightConfig` and `Int8WeightOnlyConfig` were 2-5x *slower* per
decoding step without `torch.compile` (see README, "Speed on CPU"). If a later torch drops
`quantize_dynamic`, `quantize_model` says so instead of failing somewhere deep inside.
"""

from __future__ import annotations

import warnings

import torch

from evenhand.errors import EvenhandError

QUANTIZE_CHOICES = ("none", "int8", "int8-all")

# Linear layers whose *inputs* carry the large outlier activations of small LMs: the MLP down
# projections (Llama/SmolLM2 down_proj, T5 wo, GPT/BART fc2, c_proj) and the output head. Per-tensor
# activation quantization of these costs most of int8's quality loss for a small part of its speed.
SENSITIVE_SUFFIXES = ("down_proj", "wo", "fc2", "c_proj", "dense_4h_to_h")


def normalize(mode: str | None) -> str | None:
    """None/"none"/"fp32" -> None; "int8"/"qint8" -> "int8"; anything else is an error naming the choices."""
    if mode is None:
        return None
    key = str(mode).strip().lower()
    if key in ("", "none", "no", "fp32", "float32", "false"):
        return None
    if key in ("int8", "qint8", "dynamic-int8"):
        return "int8"
    if key in ("int8-all", "int8all"):
        return "int8-all"
    raise EvenhandError(f"unknown quantize option {mode!r}; expected one of {', '.join(QUANTIZE_CHOICES)}")


def quantize_model(model: torch.nn.Module, mode: str | None = "int8") -> torch.nn.Module:
    """Return `model` with Linear layers quantized (in place), or unchanged for mode None/"none".

    "int8": per-channel int8 weights on every Linear but the output head and the MLP down projections
        (SENSITIVE_SUFFIXES), which stay float32.
    "int8-all": every Linear, per-tensor int8 (the fastest, and the largest change in the outputs).
    """
    mode = normalize(mode)
    if mode is None:
        return model
    params = list(model.parameters())
    if params and params[0].device.type != "cpu":
        raise EvenhandError(f"quantize='int8' is for CPU inference; the model is on {params[0].device} "
                            "(on a GPU use dtype=torch.bfloat16 or float16 instead)")
    if any(p.dtype != torch.float32 for p in params if p.is_floating_point()):
        raise EvenhandError("quantize='int8' needs a float32 model; load it without dtype= (or dtype=torch.float32)")
    try:
        from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic
    except ImportError:  # pragma: no cover - a torch without the eager quantization API
        raise EvenhandError(
            f"torch {torch.__version__} has no torch.ao.quantization.quantize_dynamic; use quantize=None "
            "(or pin torch<=2.13)"
        ) from None
    if not torch.backends.quantized.engine or torch.backends.quantized.engine == "none":  # pragma: no cover
        raise EvenhandError("this torch build has no quantized CPU engine (fbgemm/x86/qnnpack); use quantize=None")
    with warnings.catch_warnings():
        # Deprecation notices for torch.ao.quantization (see the module docstring): not the user's concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        if mode == "int8-all":
            spec = {torch.nn.Linear: default_dynamic_qconfig}
        else:
            head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
            spec = {name: per_channel_dynamic_qconfig for name, m in model.named_modules()
                    if isinstance(m, torch.nn.Linear) and m is not head and not name.endswith(SENSITIVE_SUFFIXES)}
        model = quantize_dynamic(model, spec, dtype=torch.qint8, inplace=True)
    model.eval()
    return model


def weight_bytes(model: torch.nn.Module) -> int:
    """Bytes held by the model's weights, counting int8 packed Linear weights as what they store."""
    total = 0
    seen: set[int] = set()
    for t in list(model.parameters()) + list(model.buffers()):
        if id(t) not in seen:
            seen.add(id(t))
            total += t.numel() * t.element_size()
    for module in model.modules():
        packed = getattr(module, "_packed_params", None)
        if packed is not None and hasattr(packed, "_weight_bias"):
            w, b = packed._weight_bias()
            total += w.numel() * w.element_size() + (b.numel() * b.element_size() if b is not None else 0)
    return total
