"""The `StackedMNISTCoverage` callback."""

from keras_modegan.callbacks.periodic_score import PeriodicScore
from keras_modegan.utils.validation import positive_int


class StackedMNISTCoverage(PeriodicScore):
    """Counts the Stacked MNIST modes a generator covers, at epoch ends.

    At the end of the first epoch, of every `every_n_epochs`-th epoch and of
    the last epoch, draws `num_samples` images with
    `model.generate(num_samples, seed=seed)` (the same latent codes every
    time), labels them with `keras_modegan.metrics.stacked_mnist_modes` and
    adds `modes` (distinct labels out of 1,000) and `kl` (`KL(p || uniform)`,
    PacGAN's) to the epoch's `logs`, plus `kl_train` (KL against the
    training labels' distribution) when a reference distribution is known.
    Callbacks after it in `fit` (`History`, `CSVLogger`, `TensorBoard`,
    `EarlyStopping`, `ModelCheckpoint`, the progress bar) see them. On the
    other epochs the last scores are repeated, so every epoch has every
    key. Monitor `modes` with `mode="max"`, `kl` with `mode="min"`.

    Args:
        classifier: the digit classifier (a Keras model on `(n, 28, 28, 1)`
            images in [-1, 1]) or a preset name; default the zoo's
            `mnist_classifier`.
        data: a `keras_modegan.datasets.StackedMNIST` (gives `num_samples`
            and the training label distribution) or a protocol name
            (`"unrolled_gan"`: 25,600 samples, `"veegan"`: 26,000).
        every_n_epochs: positive int, score every this many epochs.
        num_samples: positive int, overrides the protocol's count.
        reference: optional training label distribution `(1000,)` for
            `kl_train` (default: `data.label_distribution()` when `data` is
            a `StackedMNIST`).
        seed: int, seed of the latent draw.
        batch_size: positive int, classifier batch size.

    Example:

    ```python
    data = StackedMNIST("unrolled_gan")
    model.fit(data.dataset(128), epochs=50, callbacks=[
        StackedMNISTCoverage(data=data, every_n_epochs=5),
        keras.callbacks.CSVLogger("history.csv"),
        keras.callbacks.EarlyStopping(monitor="modes", mode="max",
                                      patience=20),
    ])
    ```
    """

    def __init__(
        self, classifier="mnist_classifier", data="unrolled_gan",
        every_n_epochs=1, num_samples=None, reference=None, seed=0,
        batch_size=1024,
    ):
        super().__init__(every_n_epochs)
        from keras_modegan.datasets.stacked_mnist import StackedMNIST, get_protocol
        from keras_modegan.metrics.classifier_metrics import _classifier

        self.classifier = _classifier(classifier)
        if isinstance(data, StackedMNIST):
            protocol = data.protocol
            if reference is None:
                reference = data.label_distribution()
        else:
            protocol = get_protocol(data)
        self.protocol = protocol
        self.num_samples = positive_int(
            protocol.num_eval_samples if num_samples is None else num_samples,
            "num_samples",
        )
        self.reference = reference
        self.seed = seed
        self.batch_size = positive_int(batch_size, "batch_size")

    def score(self):
        """The metrics of the model's current samples (the full dict of
        `stacked_mnist_modes`)."""
        from keras_modegan.metrics.classifier_metrics import stacked_mnist_modes

        samples = self.model.generate(self.num_samples, seed=self.seed)
        return stacked_mnist_modes(
            samples, self.classifier, reference=self.reference,
            batch_size=self.batch_size,
        )

    def logged(self, result):
        keys = ("modes", "kl") + (("kl_train",) if "kl_train" in result else ())
        return {key: result[key] for key in keys}
