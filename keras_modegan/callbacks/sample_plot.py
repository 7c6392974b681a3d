"""The `SamplePlot` callback."""

import keras

from keras_modegan.callbacks.plotting import plot_samples
from keras_modegan.datasets import get_spec


class SamplePlot(keras.callbacks.Callback):
    """Saves a PNG of generated samples over the real density while training.

    Every `every_n_epochs` epochs and at the last epoch, draws `num_samples`
    samples (`model.generate(num_samples, seed=seed)`) and plots them over
    the real data with the mode centres marked (a 3-D projection for 3-D
    mixtures). The PNG is written atomically (temporary file, then
    `os.replace`), so a viewer never sees a half-written file.

    Args:
        path: PNG path. It may contain `{epoch}` (1-based) to keep one file
            per epoch, e.g. `"samples_{epoch:03d}.png"`; otherwise the file
            is overwritten with the latest picture.
        spec: a `MixtureSpec` or a mixture name.
        every_n_epochs: positive int.
        num_samples: positive int.
        seed: int, seed of the latent draw (the same codes every time).

    Example:

    ```python
    model.fit(dataset, epochs=20, callbacks=[SamplePlot("samples.png", "ring8")])
    ```
    """

    def __init__(self, path, spec, every_n_epochs=1, num_samples=2500, seed=0):
        super().__init__()
        if (
            isinstance(every_n_epochs, bool)
            or not isinstance(every_n_epochs, int)
            or every_n_epochs <= 0
        ):
            raise ValueError(
                "`every_n_epochs` must be a positive integer. "
                f"Received: {every_n_epochs!r}"
            )
        self.path = str(path)
        self.spec = get_spec(spec)
        self.every_n_epochs = every_n_epochs
        self.num_samples = num_samples
        self.seed = seed
        self.written = []

    def on_epoch_end(self, epoch, logs=None):
        last_epoch = (self.params or {}).get("epochs", 0) - 1
        if (epoch + 1) % self.every_n_epochs and epoch != last_epoch:
            return
        path = self.path.format(epoch=epoch + 1)
        samples = self.model.generate(self.num_samples, seed=self.seed)
        title = f"{self.spec.name}, epoch {epoch + 1}"
        if logs and "modes" in logs:
            title += (
                f": {int(logs['modes'])}/{self.spec.num_modes} modes, "
                f"{100 * float(logs['hq']):.1f}% hq"
            )
        plot_samples(samples, self.spec, path, title=title)
        self.written.append(path)
