"""The `BilinearResize` layer: TensorFlow-1 or PyTorch bilinear resizing."""

import keras
import numpy as np
from keras import ops

RESIZE_MODES = ("tf1", "half_pixel")


def bilinear_resize_matrix(in_size, out_size, mode="tf1"):
    """The `(out_size, in_size)` matrix of a 1-D bilinear resize.

    A bilinear image resize is separable: `out = R_h @ image @ R_w.T` per
    channel, where each row of `R` has the two interpolation weights of one
    output pixel. The source coordinates are computed in float32, as both
    reference kernels do.

    Args:
        in_size: positive int, input length.
        out_size: positive int, output length.
        mode: `"tf1"`: TensorFlow 1's `tf.image.resize_bilinear` with
            `align_corners=False` (no half-pixel centres: source coordinate
            `dst * in / out`), what TTUR's FID graph and torch-fidelity use
            ([TF kernel](https://github.com/tensorflow/tensorflow/blob/v1.15.0/tensorflow/core/kernels/resize_bilinear_op.cc));
            `"half_pixel"`: PyTorch's `F.interpolate(mode="bilinear",
            align_corners=False)` without antialiasing (source coordinate
            `(dst + 0.5) * in / out - 0.5`, clamped at 0), what pytorch-fid
            uses.

    Returns:
        float32 NumPy array of shape `(out_size, in_size)`.
    """
    if mode not in RESIZE_MODES:
        raise ValueError(
            f"`mode` must be one of {RESIZE_MODES}. Received: mode={mode!r}"
        )
    scale = np.float32(in_size) / np.float32(out_size)
    dst = np.arange(out_size, dtype="float32")
    if mode == "tf1":
        src = dst * scale
    else:
        src = np.maximum((dst + np.float32(0.5)) * scale - np.float32(0.5), 0)
    src = src.astype("float32")
    low = np.minimum(np.floor(src).astype("int64"), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    frac = (src - low.astype("float32")).astype("float32")
    matrix = np.zeros((out_size, in_size), dtype="float32")
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, low), 1 - frac)
    np.add.at(matrix, (rows, high), frac)
    return matrix


@keras.saving.register_keras_serializable(package="keras_modegan")
class BilinearResize(keras.layers.Layer):
    """Resizes NHWC images bilinearly, exactly as TF 1.x or PyTorch does.

    Keras' `Resizing` layer (and `tf.image.resize` in TF 2) uses half-pixel
    centres and, per backend, different antialiasing; the FID Inception
    network was run by TTUR (https://github.com/bioinf-jku/TTUR) with TF 1's
    `resize_bilinear`, which does not. This layer builds the two 1-D
    interpolation matrices for the input's (static) height and width with
    `bilinear_resize_matrix` and applies them with `keras.ops.einsum`, so
    the result is the same under every backend.

    Args:
        size: `(height, width)` of the output, positive ints.
        mode: `"tf1"` (TTUR / torch-fidelity) or `"half_pixel"` (PyTorch's
            `F.interpolate(..., align_corners=False)`, pytorch-fid); see
            `bilinear_resize_matrix`.

    Example:

    ```python
    resize = BilinearResize((299, 299))      # TF 1.x resize_bilinear
    big = resize(np.zeros((2, 32, 32, 3), "float32"))   # (2, 299, 299, 3)
    ```
    """

    def __init__(self, size=(299, 299), mode="tf1", **kwargs):
        super().__init__(**kwargs)
        size = tuple(size) if isinstance(size, (tuple, list)) else (size,)
        if len(size) != 2 or not all(
            isinstance(s, (int, np.integer)) and s > 0 for s in size
        ):
            raise ValueError(
                "`size` must be (height, width), two positive ints. "
                f"Received: size={size!r}"
            )
        if mode not in RESIZE_MODES:
            raise ValueError(
                f"`mode` must be one of {RESIZE_MODES}. Received: mode={mode!r}"
            )
        self.size = tuple(int(s) for s in size)
        self.mode = mode

    def call(self, images):
        height, width = images.shape[1], images.shape[2]
        if height is None or width is None:
            raise ValueError(
                "BilinearResize needs images of a known height and width. "
                f"Received images of shape {images.shape}"
            )
        if (height, width) == self.size:
            return images  # both modes are the identity at scale 1
        dtype = images.dtype
        rows = ops.convert_to_tensor(
            bilinear_resize_matrix(height, self.size[0], self.mode), dtype=dtype
        )
        cols = ops.convert_to_tensor(
            bilinear_resize_matrix(width, self.size[1], self.mode), dtype=dtype
        )
        images = ops.einsum("Hh,nhwc->nHwc", rows, images)
        return ops.einsum("Ww,nHwc->nHWc", cols, images)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "mode": self.mode})
        return config
