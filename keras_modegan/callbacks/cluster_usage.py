"""The `ClusterUsage` callback (Mixture Density GAN, Figure 3 d-e)."""

import keras
import numpy as np
from keras import ops

from keras_modegan.callbacks.plotting import save_figure
from keras_modegan.layers.simplex_gaussian_mixture import SimplexGaussianMixture
from keras_modegan.utils.validation import positive_int


class ClusterUsage(keras.callbacks.Callback):
    """Share of real and of fake embeddings assigned to each mixture component.

    For a `MixtureDensityGAN` (any model with a `discriminator` and a
    `mixture` that is a `keras_modegan.layers.SimplexGaussianMixture`): at
    the end of every epoch, embeds the real samples `x` and
    `num_samples` generated samples (fixed latent draw `seed`) with the
    discriminator, assigns each embedding to the component with the highest
    posterior, and adds to the epoch's `logs` the share of each component,
    `real_cluster_<i>` and `fake_cluster_<i>`, and the number of components
    holding at least one embedding, `real_clusters_used` and
    `fake_clusters_used`. This is Figure 3 d-e of the paper
    (https://arxiv.org/abs/1811.00152): whether real data spread over the
    clusters, and whether the generator follows. The shares of all epochs
    so far are kept in `real_shares` and `fake_shares` (arrays
    `(epochs, components)`), and if `path` is given they are drawn as
    stacked bars, one bar per epoch, in a PNG rewritten atomically every
    epoch.

    Args:
        x: array `(N,) + data_shape` of real samples to embed every epoch
            (a fixed subset of the training data).
        path: optional PNG path of the stacked-bar figure.
        num_samples: positive int, generated samples to embed; default
            `len(x)`.
        seed: int, seed of the generator's latent draw (the same codes
            every epoch).
        batch_size: positive int, samples per discriminator call.

    Example:

    ```python
    usage = ClusterUsage(x_train[:2000], path="clusters.png")
    gan.fit(x_train, batch_size=500, epochs=20, callbacks=[usage])
    usage.real_shares[-1]  # share of each of the 10 clusters, last epoch
    ```
    """

    def __init__(self, x, path=None, num_samples=None, seed=0, batch_size=1024):
        super().__init__()
        x = np.asarray(x)
        if x.ndim < 2 or len(x) == 0:
            raise ValueError(
                "`x` must be a non-empty array of samples `(N,) + data_shape`. "
                f"Received shape: {x.shape}"
            )
        self.x = x
        self.path = None if path is None else str(path)
        self.num_samples = positive_int(
            len(x) if num_samples is None else num_samples, "num_samples"
        )
        self.seed = seed
        self.batch_size = positive_int(batch_size, "batch_size")
        self.real_shares = np.zeros((0, 0))
        self.fake_shares = np.zeros((0, 0))

    def _mixture(self):
        mixture = getattr(self.model, "mixture", None)
        if not isinstance(mixture, SimplexGaussianMixture) or not hasattr(
            self.model, "discriminator"
        ):
            raise ValueError(
                "ClusterUsage needs a model with a `discriminator` and a "
                "`mixture` (a SimplexGaussianMixture), e.g. a "
                f"MixtureDensityGAN. Received: {type(self.model).__name__}"
            )
        return mixture

    def shares(self, samples):
        """Share of `samples` whose embedding each component wins.

        Returns:
            float64 array `(components,)` summing to 1.
        """
        mixture = self._mixture()
        counts = np.zeros(mixture.num_components, dtype="int64")
        for i in range(0, len(samples), self.batch_size):
            batch = ops.convert_to_tensor(
                samples[i : i + self.batch_size], dtype=self.model.compute_dtype
            )
            embeddings = self.model.discriminator(batch, training=False)
            assigned = ops.convert_to_numpy(mixture.assignments(embeddings))
            counts += np.bincount(assigned, minlength=mixture.num_components)
        return counts / counts.sum()

    def on_train_begin(self, logs=None):
        components = self._mixture().num_components
        self.real_shares = np.zeros((0, components))
        self.fake_shares = np.zeros((0, components))

    def on_epoch_end(self, epoch, logs=None):
        real = self.shares(self.x)
        fake = self.shares(self.model.generate(self.num_samples, seed=self.seed))
        self.real_shares = np.concatenate([self.real_shares, real[None]])
        self.fake_shares = np.concatenate([self.fake_shares, fake[None]])
        if logs is not None:
            for kind, values in (("real", real), ("fake", fake)):
                for i, share in enumerate(values):
                    logs[f"{kind}_cluster_{i}"] = float(share)
                logs[f"{kind}_clusters_used"] = int(np.count_nonzero(values))
        if self.path is not None:
            self.plot(self.path)

    def plot(self, path):
        """Draws the shares so far as stacked bars (one per epoch, real and
        fake side by side) and writes the PNG atomically. Returns `path`."""
        from matplotlib.figure import Figure

        if len(self.real_shares) == 0:
            raise ValueError("No epoch has ended yet: nothing to plot.")
        epochs = np.arange(1, len(self.real_shares) + 1)
        components = self.real_shares.shape[1]
        colors = [
            _color(i, components) for i in range(components)
        ]
        figure = Figure(figsize=(10, 4))
        axes = figure.subplots(1, 2, sharey=True)
        for ax, name, shares in (
            (axes[0], "real", self.real_shares),
            (axes[1], "fake", self.fake_shares),
        ):
            bottom = np.zeros(len(shares))
            for i in range(components):
                ax.bar(epochs, shares[:, i], bottom=bottom, color=colors[i],
                       width=0.9, label=f"cluster {i}")
                bottom += shares[:, i]
            ax.set_xlabel("epoch")
            ax.set_title(f"cluster assignment of {name} embeddings")
            ax.set_ylim(0, 1)
        axes[0].set_ylabel("share of samples")
        axes[1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5),
                       fontsize="small")
        figure.tight_layout()
        return save_figure(figure, path)


def _color(i, n):
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return cmap(i % cmap.N)
