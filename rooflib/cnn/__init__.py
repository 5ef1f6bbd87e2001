"""Layer-by-layer counting of classic CNNs: parameters, multiply-adds, FLOPs, bytes, intensity. Notebook 03.

Four networks at 224x224, batch 1, from their published definitions, with torchvision's modules
as the reference for parameter counts (``names()`` lists them, ``get(name)`` builds one):

- ``vgg16()``: Simonyan & Zisserman 2014, configuration D (torchvision ``vgg16``, no BN);
- ``mobilenet_v1()``: Howard et al. 2017, Table 1 (width 1.0; the last depthwise layer has stride 1);
- ``mobilenet_v2()``: Sandler et al. 2018, Table 2 (torchvision ``mobilenet_v2``, width 1.0);
- ``resnet50()``: He et al. 2015, Table 1 (torchvision ``resnet50``, "v1.5": stride on the 3x3 conv).

Counting rules (fixed, independent of the convention):

- ``macs``: multiply-accumulates of convolutions and fully connected layers only (the figure papers
  and torchvision quote): a conv has h_out*w_out*c_out*(c_in/groups)*k*k MACs, an fc in*out.
- ``params``: weights + biases; BatchNorm's gamma and beta are parameters, its running mean and
  variance are buffers (not counted), as in ``sum(p.numel() for p in model.parameters())``.
- ``other_flops``: the FLOPs that are not multiply-adds (bias adds, BN scale and shift, ReLU,
  pooling, residual adds); counted only when the convention asks (``count_other_flops=True``).
- shapes are (height, width, channels) of one image; a flatten is implicit in the first fc layer.

What counts as FLOPs and bytes is a :class:`Convention`; two presets:

- :data:`HONEST` (the default, the course's convention): a multiply-add is 2 FLOPs; fp32; every
  layer reads its weights and its input and writes its output once (compulsory traffic);
  BatchNorm and ReLU are fused into the conv before them (no separate memory pass).
- :data:`BLOG_CONVENTION`: the source blog's recipe, "Kernel Mem + Output Mem, times 4": a
  multiply-add is 1 FLOP; fp32; traffic is the weights plus every layer's output (inputs not
  counted), BatchNorm and ReLU counted as layers of their own. MobileNetV1 then moves 77.4 MB
  (73.9 MiB) at 7.3 FLOP/byte (the source: 7); VGG16 moves 668 MB at
  23.2 FLOP/byte (the source: about 600 MB, 25). The source's VGG16 figure has ReLU in place
  (``count_norm_act=False``: 614 MB, 25.2 FLOP/byte), its MobileNet figure has BN and ReLU as
  separate passes; no single rule gives both 25 and 7.

Note that the 1080 Ti's 11.3 TFLOP/s counts an FMA as 2 FLOPs, so the blog's intensities (a
multiply-add = 1 FLOP) sit at half their consistent value on its roofline.

Results with rows: ``Network.table(convention, platform)`` is a :class:`LayerTable` and
``compare(convention, platform, names=...)`` a :class:`NetworkComparison`; both have ``rows`` and
``to_dataframe()``. Modules: ``_layers`` (layers), ``_convention`` (conventions and the per-layer
rules), ``_network`` (a network), ``_results`` (tables), ``_zoo`` (the built-in networks),
``_compare`` (networks side by side).
"""

from ._compare import compare
from ._convention import BLOG_CONVENTION, CONVENTIONS, HONEST, NORM_ACT_KINDS, Convention, resolve_convention
from ._layers import KINDS, MAC_KINDS, Layer, activation, add, batchnorm, conv, fc, global_avgpool, pool
from ._network import Network
from ._results import LayerRow, LayerTable, NetworkComparison, NetworkRow
from ._zoo import get, mobilenet_v1, mobilenet_v2, names, resnet50, vgg16

__all__ = [
    "Layer", "Convention", "Network", "HONEST", "BLOG_CONVENTION", "CONVENTIONS", "KINDS", "MAC_KINDS",
    "NORM_ACT_KINDS", "resolve_convention", "conv", "fc", "batchnorm", "activation", "pool", "global_avgpool",
    "add", "LayerRow", "LayerTable", "NetworkRow", "NetworkComparison", "compare",
    "vgg16", "mobilenet_v1", "mobilenet_v2", "resnet50", "names", "get",
]
