"""Exercise set 07, beyond one chip: link bandwidth per direction, ring all-reduce bytes and time, NCCL's bus
bandwidth, tensor-parallel traffic per layer, the communication roofline and its ridge, the pipeline bubble.

Expected values come from ``rl.comm`` (the NVLink 4 and PCIe 5.0 x16 links and the ring collectives), ``rl.llm``
(Llama-3-70B's configuration) and the H100 SXM at its dense bf16 peak in ``rl.platforms`` (notebook 07).
"""

from __future__ import annotations

from .. import comm, llm, platforms
from ..core import Platform
from ._engine import ask, question_set

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
    side = "below" if i < r else "above"
    return (f"the MLP block's link intensity is {i:.4g} FLOP per link byte, {side} the PCIe communication ridge "
            f"pi / beta_link = {r:.4g}: the link, not the tensor cores, sets its time")


def _decode_allreduce_time() -> float:
    layers = llm.get(MODEL).num_layers
    return 2 * layers * comm.all_reduce(_size(1), TP, _nvlink()).time_s


SET_07 = question_set(_S, "07_beyond_one_chip", (
    ask("nvlink_per_direction", _S, "number", lambda: _nvlink().bandwidth, unit="bytes/s", quantity="bandwidth",
        hints=((2.0, "900 GB/s is NVLink 4's two directions added together: a GPU sends 450 GB/s while it "
                     "receives 450 GB/s. The alpha-beta model needs one direction"),)),
    ask("ring_bytes_sent", _S, "number", lambda: _prefill_ring().bytes_sent_per_device, unit="bytes",
        quantity="bytes",
        hints=((1 / 1.75, "that is the buffer S itself: a ring all-reduce is a reduce-scatter then an all-gather, "
                          "each device sending (n-1)/n x S in each: 2(n-1)/n x S in all"),
               (0.5, "that is one half of the ring (the reduce-scatter or the all-gather): the all-reduce does "
                     "both, 2(n-1)/n x S"),
               (8 / 7, "each device sends 2(n-1)/n x S, not 2 x S: its own 1/n shard never leaves it"))),
    ask("ring_allreduce_time_s", _S, "number", lambda: _prefill_ring().time_s, unit="s", quantity="time",
        hints=((0.5, "that divides by 900 GB/s, both directions together; each direction carries 450 GB/s, and "
                     "every GPU sends and receives at once"),
               (1 / 1.75, "S / beta is the time for the buffer to cross once (nccl-tests' algorithm-bandwidth "
                          "view); in a ring each GPU sends 2(n-1)/n x S"))),
    ask("bus_bandwidth", _S, "number", _bus_bandwidth, unit="bytes/s", quantity="bandwidth",
        hints=((1 / 1.75, "that is the algorithm bandwidth S / t; NCCL's bus bandwidth multiplies it by "
                          "2(n-1)/n for an all-reduce, so that it compares with the link's per-direction figure"),
               (2.0, "do not double it: the bus bandwidth is per direction, like the link figure it is compared "
                     "with"))),
    ask("tp_layer_link_bytes", _S, "number", _layer_link_bytes, unit="bytes", quantity="bytes",
        hints=((0.5, "a Megatron layer has TWO all-reduces: one after attention's o_proj and one after the MLP's "
                     "down_proj"),
               (1 / 1.75, "each all-reduce sends 2(n-1)/n x S per GPU, not S"),
               (1 / 3.5, "two all-reduces per layer, each sending 2(n-1)/n x S per GPU"))),
    ask("tp_weight_bytes_per_gpu", _S, "number", lambda: llm.param_count(MODEL) * _BF16 / TP, unit="bytes",
        quantity="bytes",
        hints=((float(TP), "tensor parallelism splits every weight matrix over the 8 GPUs: each holds 1/8"),)),
    ask("link_ridge_nvlink", _S, "number", lambda: comm.ridge_point(_h100(), _nvlink()), unit="FLOP/byte",
        quantity="intensity",
        hints=((0.5, "use the per-direction bandwidth (450 GB/s), not the 900 GB/s both-direction figure"),
               (_h100().ridge_point / comm.ridge_point(_h100(), _nvlink()),
                "that is the memory ridge pi / beta (HBM); the communication ridge divides by the link's bandwidth"),
               (67e12 / 989.4e12, "use the bf16 tensor-core peak (989.4e12 FLOP/s), the dtype the model runs in"))),
    ask("mlp_link_intensity", _S, "number", _mlp_link_intensity, unit="FLOP/byte", quantity="intensity",
        hints=((0.5, "the MLP block has ONE all-reduce (after down_proj); the layer's second one belongs to "
                     "attention"),
               (7 / 8, "each GPU sends 2(n-1)/n x S, not 2 x S: its own shard stays"),
               (float(TP), "count the FLOPs of one GPU: each does 1/8 of gate, up and down"))),
    ask("pcie_tp8_mlp", _S, "choice", _mlp_choice, choices=("a", "b"), why=_mlp_why),
    ask("pcie_tp_threshold", _S, "number", _pcie_threshold, unit="GPUs", quantity="count", rtol=0.0,
        hints=(((_pcie_threshold() - 1) / _pcie_threshold(),
                "one GPU too few: at that count the link intensity 1.5 i / (n - 1) is still at or above the "
                "ridge; take the first n where it is below"),)),
    ask("pp_bubble_fraction", _S, "number", lambda: (PP_STAGES - 1) / (MICRO_BATCHES + PP_STAGES - 1),
        unit="(a fraction)", quantity="ratio",
        hints=(((PP_STAGES - 1) / MICRO_BATCHES / ((PP_STAGES - 1) / (MICRO_BATCHES + PP_STAGES - 1)),
                "(pp - 1) / m compares the bubble with the useful work; as a share of the whole pass it is "
                "(pp - 1) / (m + pp - 1)"),
               (100.0, "give a fraction between 0 and 1, not a percentage"))),
    ask("decode_allreduce_time_s", _S, "number", _decode_allreduce_time, unit="s", quantity="time",
        hints=((0.5, "two all-reduces per layer, 80 layers: 160 all-reduces per decode step"),
               (2 * 80 * comm.all_reduce(_size(1), TP, _nvlink().replace(latency_s=0.0)).time_s
                / _decode_allreduce_time(),
                "at batch 1 each buffer is only 16 KiB: the latency term, 2(n - 1) steps x alpha per all-reduce, "
                "is most of the time; add it"))),
))
