"""Trains the `mnist_classifier` preset: the digit classifier of the Stacked
MNIST metrics (`keras_modegan.metrics.stacked_mnist_modes`).

`keras_modegan.networks.mnist_classifier()` trained on the 60,000 real
MNIST training digits in [-1, 1] (the range the datasets and generators
use), with light augmentation (random shifts of up to 2 pixels), Adam and a
cosine learning-rate decay; scored on the 10,000 real test digits. Writes
`zoo/mnist_classifier/` (`config.json`, `model.weights.h5`, `model_card.md`,
`metrics.json`).

Usage (reads `mnist.npz` in the `keras.datasets.mnist` layout: `--data`,
else `$KERAS_MODEGAN_DATA_DIR`, else `../shared/data/mnist.npz` next to the
repository, else TFDS):

    KERAS_BACKEND=tensorflow python zoo/build_classifier.py
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

from keras_modegan.datasets import mnist
from keras_modegan.networks import mnist_classifier
from keras_modegan.presets import save_preset
from keras_modegan.utils.atomic_write import write_text

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_NPZ = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared",
                           "data", "mnist.npz")

CARD = """# mnist_classifier

{description}

- Network: `keras_modegan.networks.mnist_classifier()` (the Keras
  `mnist_cnn` example that PacGAN scores Stacked MNIST with, plus batch
  normalization and a second conv pair; {params:,} parameters). Input
  `(N, 28, 28, 1)` images in [-1, 1] (what `keras_modegan.datasets.mnist`
  and `tanh` generators give); output: 10 logits.
- Data: the 60,000 real MNIST training digits (`mnist.npz`), random shifts
  of up to {shift} pixels (padding with the background value -1).
- Training: {epochs} epochs at batch size {batch_size}, Adam (learning rate
  {lr} along a cosine to 0), seed {seed}, Keras backend `{backend}`,
  {seconds:.0f} s of wall time on 2 CPU cores shared with other jobs.
- Measured on the 10,000 real MNIST test digits: **{accuracy:.2%}** accuracy
  ({errors} errors).

Reproduce: `KERAS_BACKEND=tensorflow python zoo/build_classifier.py`
(`--data PATH` for the `mnist.npz` file).
Load: `keras_modegan.presets.load_classifier("mnist_classifier")` (any
backend); score Stacked MNIST with
`keras_modegan.metrics.stacked_mnist_modes(samples, classifier)`.
"""


def build(data=None, epochs=5, batch_size=128, lr=2e-3, shift=2, seed=0,
          out_dir=HERE):
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if data is None and not os.environ.get("KERAS_MODEGAN_DATA_DIR"):
        data = DEFAULT_NPZ if os.path.isfile(DEFAULT_NPZ) else None
    x_train, y_train = mnist("train", data, as_numpy=True, with_labels=True)
    x_test, y_test = mnist("test", data, as_numpy=True, with_labels=True)
    steps = len(x_train) // batch_size

    def augment(image, label, index):
        padded = tf.pad(image + 1.0, [[shift, shift], [shift, shift], [0, 0]]) - 1.0
        offset = tf.random.stateless_uniform(
            [2], seed=tf.stack([tf.cast(seed, tf.int64), index]),
            minval=0, maxval=2 * shift + 1, dtype=tf.int32,
        )
        return tf.slice(padded, [offset[0], offset[1], 0], [28, 28, 1]), label

    train = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True)
        .enumerate()
        .map(lambda i, xy: augment(xy[0], xy[1], i),
             num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    model = mnist_classifier()
    schedule = keras.optimizers.schedules.CosineDecay(lr, epochs * steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(train, epochs=epochs, verbose=2)
    seconds = time.perf_counter() - start
    predicted = np.argmax(model.predict(x_test, batch_size=1000, verbose=0), axis=1)
    errors = int(np.sum(predicted != y_test))
    accuracy = 1.0 - errors / len(y_test)
    description = (
        f"MNIST digit classifier, {accuracy:.2%} accuracy on the real MNIST "
        "test set; takes 28x28x1 images in [-1, 1], returns 10 logits."
    )
    card = CARD.format(
        description=description, params=model.count_params(), shift=shift,
        epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
        backend=keras.backend.backend(), seconds=seconds, accuracy=accuracy,
        errors=errors,
    )
    path = os.path.join(out_dir, "mnist_classifier")
    save_preset(model, path, description=description, card=card)
    write_text(
        os.path.join(path, "metrics.json"),
        json.dumps(
            {"data": "mnist", "split": "test", "test_accuracy": accuracy,
             "test_errors": errors, "num_test": len(y_test)},
            indent=2, sort_keys=True,
        ),
    )
    print(f"mnist_classifier: {accuracy:.4f} test accuracy ({errors} errors) "
          f"in {seconds:.0f} s", flush=True)
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None,
                        help="mnist.npz file or a directory holding it")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=HERE)
    args = parser.parse_args(argv)
    build(args.data, epochs=args.epochs, batch_size=args.batch_size,
          seed=args.seed, out_dir=args.out_dir)


if __name__ == "__main__":
    sys.exit(main())
