"""What ``rl.llm.generate`` computes: ``GenerateResult``, a whole generation (time to first token, time per output
token, tokens/s). Notebook 05."""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..i18n import t
from ..units import eng

__all__ = ["GenerateResult"]


@dataclass(frozen=True)
class GenerateResult:
    """Latency of generating ``gen_len`` tokens after a ``prompt_len`` prompt, for ``batch`` sequences. Notebook 05.

    ``ttft_s``: time to first token = the prefill (it yields the first output token).
    ``decode_step_s``: array of the ``gen_len - 1`` decode step times (step j has ``prompt_len + j``
    tokens cached). ``tpot_s``: their mean, time per output token (0.0 when gen_len == 1).
    ``total_s`` = ttft_s + sum of decode steps. ``tokens_per_s``: output tokens of all sequences /
    total_s. ``decode_tokens_per_s``: batch / tpot_s (the steady decode rate). ``peak_memory_bytes``:
    the larger footprint of the prefill and the last decode step (weights + KV cache + activations);
    ``fits``: whether that peak fits the platform's memory (None if the platform lists none).
    Attention is fused (FlashAttention) unless ``flash_attention=False`` is passed to ``generate``.
    ``devices``: devices serving the batch (tp x pp x ep; peak memory is per device); ``cached_len``: prompt
    tokens already cached before the prefill (prefix caching). Every time is a roofline lower bound. ``to_dataframe()``: one row per output token.
    """

    prompt_len: int
    gen_len: int
    batch: int
    ttft_s: float
    decode_step_s: np.ndarray
    tpot_s: float
    total_s: float
    tokens_per_s: float
    decode_tokens_per_s: float
    peak_memory_bytes: float
    fits: bool | None
    devices: int = 1
    cached_len: int = 0

    @property
    def tokens_per_s_per_device(self) -> float:
        """tokens_per_s / devices: what each of the tp x pp x ep devices contributes."""
        return self.tokens_per_s / self.devices

    def summary(self) -> dict[str, Any]:
        """The scalar numbers as a dict (units in the key names; times are lower bounds)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "decode_step_s"}

    def to_dataframe(self):
        """One row per output token (index ``token``, 1 to gen_len): the step that produced it (``phase``
        prefill for token 1, then decode), the tokens cached before that step (``cached_tokens``), the step's
        time ``time_s`` and the time since the start ``elapsed_s`` (lower bounds)."""
        import pandas as pd

        times = np.concatenate([[self.ttft_s], self.decode_step_s])
        return pd.DataFrame({"phase": ["prefill"] + ["decode"] * (self.gen_len - 1),
                             "cached_tokens": np.concatenate([[0], self.prompt_len + np.arange(self.gen_len - 1)]),
                             "time_s": times, "elapsed_s": np.cumsum(times)},
                            index=pd.RangeIndex(1, self.gen_len + 1, name="token"))

    def _headline(self) -> str:
        return t("generate.headline", prompt=self.prompt_len, gen=self.gen_len, batch=self.batch,
                 ttft=eng(self.ttft_s, "s"), tpot=eng(self.tpot_s, "s"), total=eng(self.total_s, "s"),
                 rate=f"{self.tokens_per_s:.4g}")

    def _shown(self):
        df = self.to_dataframe()
        for col in ("time_s", "elapsed_s"):
            df[col] = [eng(x, "s") for x in df[col]]
        return df

    def __str__(self) -> str:
        return f"{self._headline()}\n{self._shown().to_string(max_rows=8)}"

    def _repr_html_(self) -> str:
        return (f"<div><p><b>{html.escape(self._headline())}</b></p>"
                f"{self._shown().to_html(max_rows=8, border=0)}</div>")
