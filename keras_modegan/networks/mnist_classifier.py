"""Builder of the MNIST digit classifier the Stacked MNIST metrics use."""

import keras


def mnist_classifier(
    filters=(32, 64), dense_units=128, dropout=0.3, num_classes=10, name=None
):
    """A CNN for 28x28x1 digits in [-1, 1], returning class logits.

    The Keras `mnist_cnn` example (which PacGAN trains to score Stacked
    MNIST, https://github.com/fjxmlzn/PacGAN) with batch normalization and
    one more conv pair: two blocks of (3x3 conv, BN, ReLU) x 2 then 2x2
    max-pooling, with `filters[i]` channels in block `i` ('valid' padding:
    28 -> 24 -> 12 -> 8 -> 4), a dense layer of `dense_units` with BN,
    ReLU and dropout, then `num_classes` logits. It takes the generator's
    range [-1, 1] directly (no rescaling needed). Trained by
    `zoo/build_classifier.py` into the `mnist_classifier` preset (load it
    with `keras_modegan.presets.load_classifier("mnist_classifier")`).

    Args:
        filters: channels of the two conv blocks.
        dense_units: positive int, width of the hidden dense layer.
        dropout: dropout rate before the logits.
        num_classes: positive int.
        name: model name.

    Returns:
        A built `keras.Sequential` mapping `(batch, 28, 28, 1)` to
        `(batch, num_classes)` logits.

    Example:

    ```python
    model = mnist_classifier()
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    ```
    """
    layers = [keras.Input((28, 28, 1))]
    for width in filters:
        for _ in range(2):
            layers += [
                keras.layers.Conv2D(width, 3, use_bias=False),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
            ]
        layers.append(keras.layers.MaxPooling2D(2))
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dense(dense_units, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(num_classes),
    ]
    return keras.Sequential(layers, name=name or "mnist_classifier")
