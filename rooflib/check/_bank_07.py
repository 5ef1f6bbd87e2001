"""Exercise set 07, beyond one chip: link bandwidth per direction, ring all-reduce bytes and time, NCCL's bus
bandwidth, tensor-parallel traffic per layer, the communication roofline and its ridge, the pipeline bubble.

Expected values come from ``rl.comm`` (the NVLink 4 and PCIe 5.0 x16 links and the ring collectives), ``rl.llm``
(Llama-3-70B's configuration) and the H100 SXM at its dense bf16 peak in ``rl.platforms`` (notebook 07).
"""

from __future__ import annotations

from .. import comm, llm, platforms
from ..core import Platform
from ..i18n import t
from ._engine import ask, question_set
from ._hints import hint

__all__ = ["SET_07", "MODEL", "GPU", "TP", "PREFILL_TOKENS", "DECODE_BATCH", "MEASURED_BYTES", "MEASURED_GPUS",
           "MEASURED_TIME_S", "PP_STAGES", "MICRO_BATCHES"]

_S = "07"
MODEL = "llama-3-70b"  # hidden 8192, intermediate 28672, 80 layers, bf16 (2 bytes per element)
GPU = "h100-sxm"  # dense bf16 peak 989.4e12 FLOP/s, HBM 3.35e12 bytes/s, 80 GiB; NVLink 4
TP = 8  # GPUs in the tensor-parallel group
PREFILL_TOKENS = 2048  # one prompt
DECODE_BATCH = 32  # sequences in a decode step (one new token each)
MEASURED_BYTES = 2**30  # nccl-tests all_reduce_perf message size
MEASURED_GPUS = 8
MEASURED_TIME_S = 5.0e-3
PP_STAGES = 4
MICRO_BATCHES = 8
_BF16 = 2  # bytes per activation element


def _h100() -> Platform:
    """The H100 SXM at its dense bf16 peak: 989.4e12 FLOP/s, as set 07 states it."""
    return platforms.get(GPU, "bf16")


def _nvlink() -> comm.Link:
    return comm.get("nvlink4")


def _pcie() -> comm.Link:
    return comm.get("pcie5-x16")


def _size(tokens: int) -> float:
    """The buffer a TP all-reduce sums: tokens x hidden x 2 bytes."""
    return tokens * llm.get(MODEL).hidden_size * _BF16


def _prefill_ring() -> comm.Collective:
    return comm.all_reduce(_size(PREFILL_TOKENS), TP, _nvlink().replace(latency_s=0.0))


def _bus_bandwidth() -> float:
    n = MEASURED_GPUS
    return MEASURED_BYTES / MEASURED_TIME_S * 2 * (n - 1) / n


def _layer_link_bytes() -> float:
    return 2 * comm.all_reduce(_size(DECODE_BATCH), TP, _nvlink()).bytes_sent_per_device


def _mlp_link_intensity(n: int = TP) -> float:
    """FLOPs per GPU of gate, up and down (3 x 2 T h i / n) over the bytes one all-reduce sends (2(n-1)/n x T h x 2),
    for T = 1 token (T cancels)."""
    cfg = llm.get(MODEL)
    flops = 3 * 2 * cfg.hidden_size * cfg.intermediate_size / n
    return flops / comm.all_reduce(_size(1), n, _pcie()).bytes_sent_per_device


def _pcie_ridge() -> float:
    return comm.ridge_point(_h100(), _pcie())


def _pcie_threshold() -> int:
    n = 2
    while _mlp_link_intensity(n) >= _pcie_ridge():
        n += 1
    return n


def _mlp_choice() -> str:
    return "b" if _mlp_link_intensity() < _pcie_ridge() else "a"


def _mlp_why() -> str:
    i, r = _mlp_link_intensity(), _pcie_ridge()
    side = t("set07.below" if i < r else "set07.above")
    return t("set07.pcie_tp8_mlp_why", intensity=f"{i:.4g}", side=side, ridge=f"{r:.4g}")


def _decode_allreduce_time() -> float:
    layers = llm.get(MODEL).num_layers
    return 2 * layers * comm.all_reduce(_size(1), TP, _nvlink()).time_s


SET_07 = question_set(_S, "07_beyond_one_chip", (
    ask("nvlink_per_direction", _S, "number", lambda: _nvlink().bandwidth, unit="bytes/s", quantity="bandwidth",
        hints=((2.0, hint("set07.nvlink_per_direction")),)),
    ask("ring_bytes_sent", _S, "number", lambda: _prefill_ring().bytes_sent_per_device, unit="bytes",
        quantity="bytes",
        hints=((1 / 1.75, hint("set07.ring_bytes_sent_1")),
               (0.5, hint("set07.ring_bytes_sent_2")),
               (8 / 7, hint("set07.ring_bytes_sent_3")))),
    ask("ring_allreduce_time_s", _S, "number", lambda: _prefill_ring().time_s, unit="s", quantity="time",
        hints=((0.5, hint("set07.ring_allreduce_time_s_1")),
               (1 / 1.75, hint("set07.ring_allreduce_time_s_2")))),
    ask("bus_bandwidth", _S, "number", _bus_bandwidth, unit="bytes/s", quantity="bandwidth",
        hints=((1 / 1.75, hint("set07.bus_bandwidth_1")),
               (2.0, hint("set07.bus_bandwidth_2")))),
    ask("tp_layer_link_bytes", _S, "number", _layer_link_bytes, unit="bytes", quantity="bytes",
        hints=((0.5, hint("set07.tp_layer_link_bytes_1")),
               (1 / 1.75, hint("set07.tp_layer_link_bytes_2")),
               (1 / 3.5, hint("set07.tp_layer_link_bytes_3")))),
    ask("tp_weight_bytes_per_gpu", _S, "number", lambda: llm.param_count(MODEL) * _BF16 / TP, unit="bytes",
        quantity="bytes",
        hints=((float(TP), hint("set07.tp_weight_bytes_per_gpu")),)),
    ask("link_ridge_nvlink", _S, "number", lambda: comm.ridge_point(_h100(), _nvlink()), unit="FLOP/byte",
        quantity="intensity",
        hints=((0.5, hint("set07.link_ridge_nvlink_1")),
               (_h100().ridge_point / comm.ridge_point(_h100(), _nvlink()),
                hint("set07.link_ridge_nvlink_2")),
               (67e12 / 989.4e12, hint("set07.link_ridge_nvlink_3")))),
    ask("mlp_link_intensity", _S, "number", _mlp_link_intensity, unit="FLOP/byte", quantity="intensity",
        hints=((0.5, hint("set07.mlp_link_intensity_1")),
               (7 / 8, hint("set07.mlp_link_intensity_2")),
               (float(TP), hint("set07.mlp_link_intensity_3")))),
    ask("pcie_tp8_mlp", _S, "choice", _mlp_choice, choices=("a", "b"), why=_mlp_why),
    ask("pcie_tp_threshold", _S, "number", _pcie_threshold, unit="GPUs", quantity="count", rtol=0.0,
        hints=(((_pcie_threshold() - 1) / _pcie_threshold(),
                hint("set07.pcie_tp_threshold")),)),
    ask("pp_bubble_fraction", _S, "number", lambda: (PP_STAGES - 1) / (MICRO_BATCHES + PP_STAGES - 1),
        unit="(a fraction)", quantity="ratio",
        hints=(((PP_STAGES - 1) / MICRO_BATCHES / ((PP_STAGES - 1) / (MICRO_BATCHES + PP_STAGES - 1)),
                hint("set07.pp_bubble_fraction_1")),
               (100.0, hint("set07.pp_bubble_fraction_2")))),
    ask("decode_allreduce_time_s", _S, "number", _decode_allreduce_time, unit="s", quantity="time",
        hints=((0.5, hint("set07.decode_allreduce_time_s_1")),
               (2 * 80 * comm.all_reduce(_size(1), TP, _nvlink().replace(latency_s=0.0)).time_s
                / _decode_allreduce_time(),
                hint("set07.decode_allreduce_time_s_2")))),
))
