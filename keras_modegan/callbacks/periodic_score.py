"""The `PeriodicScore` callback base."""

import keras

from keras_modegan.utils.validation import positive_int


class PeriodicScore(keras.callbacks.Callback):
    """Base of the callbacks that score the generator every N epochs and
    write the scores to the epoch's `logs`.

    At the end of the first epoch, of every `every_n_epochs`-th epoch and of
    the last epoch, calls `score()` and adds `logged(result)` to `logs`, so
    the callbacks after it in `fit` (`History`, `CSVLogger`, `TensorBoard`,
    `EarlyStopping`, `ModelCheckpoint`, the progress bar) see them. On the
    other epochs the last scores are repeated, so every epoch has every key.
    `history` keeps one dict per scoring (`epoch` and the logged scores).

    Subclasses implement `score()` (the metrics of the model's current
    samples, a dict) and `logged(result)` (the keys and values to log).

    Args:
        every_n_epochs: positive int, score every this many epochs.

    Example:

    ```python
    class MeanSample(PeriodicScore):
        def score(self):
            return {"mean": float(self.model.generate(1000, seed=0).mean())}

        def logged(self, result):
            return result

    model.fit(x, epochs=10, callbacks=[MeanSample(every_n_epochs=2)])
    ```
    """

    def __init__(self, every_n_epochs=1):
        super().__init__()
        self.every_n_epochs = positive_int(every_n_epochs, "every_n_epochs")
        self.last = None
        self.history = []

    def score(self):
        """The metrics of the model's current samples (a dict)."""
        raise NotImplementedError(f"{type(self).__name__} must implement score()")

    def logged(self, result):
        """The `{key: value}` of `result` written to the logs."""
        raise NotImplementedError(f"{type(self).__name__} must implement logged()")

    def on_train_begin(self, logs=None):
        self.last = None
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        last_epoch = (self.params or {}).get("epochs", 0) - 1
        due = (epoch + 1) % self.every_n_epochs == 0 or epoch == last_epoch
        if self.last is None or due:
            self.last = dict(self.logged(self.score()))
            self.history.append({"epoch": epoch + 1, **self.last})
        logs.update(self.last)
