"""Draw the README's roofline figure (docs/roofline.png) with rl.plot. Run: make readme-figure."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import rooflib as rl  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "roofline.png"


def main() -> None:
    gpu = rl.platforms.get("gtx-1080-ti")
    blog = rl.cnn.BLOG_CONVENTION  # multiply-add = 1 FLOP, fp32 weights + layer outputs (notebook 03)
    vgg = rl.cnn.vgg16().workload(blog.replace(count_norm_act=False))  # ReLU in place, as Keras's VGG16
    mobilenet = rl.cnn.mobilenet_v1().workload(blog)                    # BN and ReLU as separate layers
    ax = rl.plot.roofline(gpu, [
        rl.Workload("VGG16", vgg.flops, vgg.bytes),
        rl.Workload("MobileNetV1", mobilenet.flops, mobilenet.bytes),
        rl.Workload("STREAM triad", rl.kernels.triad(10**8).flops, rl.kernels.triad(10**8).bytes),
        rl.Workload("GEMM 4096³ fp32", rl.kernels.gemm(4096, 4096, 4096).flops,
                    rl.kernels.gemm(4096, 4096, 4096).bytes),
    ], title="GTX 1080 Ti: 11.3 TFLOP/s, 484 GB/s, ridge 23.3 FLOP/byte")
    ax.figure.set_size_inches(8, 4.8)
    OUT.parent.mkdir(exist_ok=True)
    ax.figure.savefig(OUT, dpi=110, bbox_inches="tight", metadata={"Software": None})
    print(f"wrote {OUT.relative_to(OUT.parents[1])}")


if __name__ == "__main__":
    main()
