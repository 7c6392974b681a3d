"""The `ModeCoverage` callback."""

from keras_modegan.callbacks.periodic_score import PeriodicScore
from keras_modegan.datasets import get_spec
from keras_modegan.metrics import mode_coverage
from keras_modegan.utils.validation import positive_int

LOGGED = ("modes", "hq", "jsd", "kl", "tv")


class ModeCoverage(PeriodicScore):
    """Scores generated samples at epoch ends and writes the metrics to `logs`.

    At the end of the first epoch, of every `every_n_epochs`-th epoch and of
    the last epoch, draws `num_samples` samples with
    `model.generate(num_samples, seed=seed)` and adds `modes`, `hq`, `jsd`,
    `kl` and `tv` of `keras_modegan.metrics.mode_coverage` to the epoch's
    `logs`. Callbacks after it in `fit` (and `History`, `CSVLogger`, the
    progress bar, `TensorBoard`, `EarlyStopping`, `ModelCheckpoint`) see
    them. On the other epochs the last scores are repeated, so every epoch
    has every key. Monitor `modes` and `hq` with `mode="max"`, `jsd`, `kl`,
    `tv` with `mode="min"`.

    Args:
        spec: a `MixtureSpec` or a mixture name (e.g. `"grid25"`).
        every_n_epochs: positive int, score every this many epochs.
        num_samples: positive int, generated samples scored (2,500 is the
            VEEGAN / MD-GAN protocol; `spec.num_eval_samples` is the spec's).
        seed: int, seed of the latent draw (the same codes every time, so
            the curves show the generator, not sampling noise).

    Example:

    ```python
    x, spec = load_mixture("grid25")
    model.fit(as_dataset(x, 256), epochs=20, callbacks=[
        ModeCoverage(spec),
        keras.callbacks.ModelCheckpoint(
            "best.keras", monitor="modes", mode="max", save_best_only=True),
    ])
    ```
    """

    def __init__(self, spec, every_n_epochs=1, num_samples=2500, seed=0):
        super().__init__(every_n_epochs)
        self.spec = get_spec(spec)
        self.num_samples = positive_int(num_samples, "num_samples")
        self.seed = seed

    def score(self):
        """The metrics of the model's current samples (a dict)."""
        samples = self.model.generate(self.num_samples, seed=self.seed)
        return mode_coverage(samples, self.spec)

    def logged(self, result):
        return {key: result[key] for key in LOGGED}
