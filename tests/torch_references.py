"""The PyTorch reference implementations the metrics tests compare against.

pytorch-fid, torch-fidelity and prdc are in the `test` extra. PyPI's
torchvision wheel (0.28.0, the release matching torch 2.13.0) is the CUDA
build: its compiled `_C` extension does not load next to the CPU torch, which
torchvision tolerates everywhere except two unguarded
`torch.library.register_fake("torchvision::nms" / "torchvision::qnms")`
calls in `torchvision/_meta_registrations.py`. `import_torchvision()`
declares those two operator schemas (the declarations only, no kernels) so
that the pure-Python parts of torchvision (its Inception blocks, which
pytorch-fid subclasses) import. Nothing here runs a torchvision operator.
"""

import pytest


def import_torchvision():
    """Imports torchvision (and returns it), or skips the test."""
    torch = pytest.importorskip("torch")
    try:
        import torchvision
    except RuntimeError as error:
        if "torchvision::nms" not in str(error):
            raise
        lib = torch.library.Library("torchvision", "FRAGMENT")
        for op in ("nms", "qnms"):
            lib.define(
                f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor"
            )
        import_torchvision.library = lib  # keep the fragment alive
        import sys

        for name in [m for m in sys.modules if m.startswith("torchvision")]:
            del sys.modules[name]
        import torchvision
    return torchvision


def pytorch_fid_inception():
    """pytorch-fid's `pytorch_fid.inception` module (imports torchvision)."""
    import_torchvision()
    return pytest.importorskip("pytorch_fid.inception")


def torch_fidelity():
    """The `torch_fidelity` package (imports torchvision)."""
    import_torchvision()
    return pytest.importorskip("torch_fidelity")


def build_pytorch_fid_inception(seed=0, calibrate=True):
    """pytorch-fid's own FID Inception with random weights, no download.

    `pytorch_fid.inception.fid_inception_v3()` builds torchvision's
    `Inception3(num_classes=1008, aux_logits=False)`, swaps in its
    `FIDInceptionA/C/E_1/E_2` blocks and loads the release weights; this
    does the same construction and skips the load. With `calibrate`, the
    batch-norm statistics are estimated on 4 random 75x75 images in training mode
    and gamma/beta drawn at random, so that activations have a sensible
    scale (the default init, mean 0 and variance 1 everywhere, would make
    the features blow up with depth) and every weight matters.

    Returns:
        `(inception, blocks)`: the torchvision `Inception3` whose
        `state_dict()` has the release file's layout, and a
        `pytorch_fid.inception.InceptionV3` built on those same modules.
    """
    import torch

    pfi = pytorch_fid_inception()
    torch.manual_seed(seed)
    inception = pfi._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    inception.Mixed_5b = pfi.FIDInceptionA(192, pool_features=32)
    inception.Mixed_5c = pfi.FIDInceptionA(256, pool_features=64)
    inception.Mixed_5d = pfi.FIDInceptionA(288, pool_features=64)
    inception.Mixed_6b = pfi.FIDInceptionC(768, channels_7x7=128)
    inception.Mixed_6c = pfi.FIDInceptionC(768, channels_7x7=160)
    inception.Mixed_6d = pfi.FIDInceptionC(768, channels_7x7=160)
    inception.Mixed_6e = pfi.FIDInceptionC(768, channels_7x7=192)
    inception.Mixed_7b = pfi.FIDInceptionE_1(1280)
    inception.Mixed_7c = pfi.FIDInceptionE_2(2048)
    original = pfi.fid_inception_v3
    pfi.fid_inception_v3 = lambda: inception
    try:
        blocks = pfi.InceptionV3([3], resize_input=False, normalize_input=True)
    finally:
        pfi.fid_inception_v3 = original
    if calibrate:
        norms = [m for m in inception.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        for m in norms:
            m.momentum = None  # cumulative average over the calibration batch
            m.reset_running_stats()
        blocks.train()
        with torch.no_grad():
            generator = torch.Generator().manual_seed(seed)
            blocks(torch.rand(4, 3, 75, 75, generator=generator))
            for m in norms:
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
    blocks.eval()
    inception.eval()
    return inception, blocks


def state_dict_numpy(module):
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
