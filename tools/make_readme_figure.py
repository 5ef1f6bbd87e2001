"""Draw the README's roofline figure (docs/roofline.png) with rl.plot. Run: make readme-figure."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import rooflib as rl  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "roofline.png"


def main() -> None:
    gpu = rl.platforms.get("gtx-1080-ti")
    vgg = rl.cnn.vgg16().workload(rl.cnn.BLOG_CONVENTION)
    mobilenet = rl.cnn.mobilenet_v1().workload(rl.cnn.BLOG_CONVENTION)
    ax = rl.plot.roofline(gpu, [
        rl.Workload("VGG16 (blog convention)", vgg.flops, vgg.bytes),
        rl.Workload("MobileNetV1 (blog convention)", mobilenet.flops, mobilenet.bytes),
        rl.kernels.triad(10**8),
        rl.kernels.gemm(4096, 4096, 4096),
    ], title="GTX 1080 Ti roofline: 11.3 TFLOP/s, 484 GB/s, ridge 23.3 FLOP/byte")
    ax.figure.set_size_inches(8, 4.8)
    OUT.parent.mkdir(exist_ok=True)
    ax.figure.savefig(OUT, dpi=110, metadata={"Software": None})
    print(f"wrote {OUT.relative_to(OUT.parents[1])}")


if __name__ == "__main__":
    main()
