"""Figures of generated samples and coverage curves, written atomically.

Figures are drawn with `matplotlib.figure.Figure` on the Agg canvas, never
through `pyplot`, so nothing here changes the user's matplotlib backend or
opens a window.
"""

import numpy as np

from keras_modegan.utils.atomic_write import atomic_write


def save_figure(figure, path, dpi=100):
    """Writes a figure as PNG atomically: a temporary file in the same
    directory, then `os.replace`, so `path` is never half-written."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    with atomic_write(path, "wb") as f:
        figure.savefig(f, format="png", dpi=dpi)
    return path


def plot_samples(samples, spec, path, title=None, num_real=20_000):
    """Plots generated samples over the real density, centres marked.

    2-D mixtures: a scatter of the samples over a grey 2-D histogram of real
    data, each centre a red cross with its registration circle. 3-D
    mixtures: the same in a 3-D projection.

    Args:
        samples: array `(N, D)` of generated samples.
        spec: a `MixtureSpec` or a mixture name.
        path: PNG path (written atomically).
        title: optional figure title.
        num_real: real points drawn for the background density.

    Returns:
        `path`.
    """
    from matplotlib.figure import Figure

    from keras_modegan.datasets import get_spec

    spec = get_spec(spec)
    samples = np.asarray(samples, dtype="float64")
    real, _ = spec.sample(num_real, seed=0)
    pad = 8 * spec.std + 0.5
    lo = spec.centers.min(axis=0) - pad
    hi = spec.centers.max(axis=0) + pad
    figure = Figure(figsize=(6, 6))
    if spec.dim == 2:
        ax = figure.add_subplot()
        ax.hist2d(
            real[:, 0], real[:, 1], bins=200, range=[[lo[0], hi[0]], [lo[1], hi[1]]],
            cmap="Greys", cmin=1,
        )
        ax.scatter(samples[:, 0], samples[:, 1], s=3, c="tab:blue", alpha=0.5,
                   label="generated", linewidths=0)
        ax.scatter(spec.centers[:, 0], spec.centers[:, 1], marker="x", c="red",
                   s=40, label="mode centres")
        for c in spec.centers:
            ax.add_patch(_circle(c, spec.radius))
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal")
    else:
        ax = figure.add_subplot(projection="3d")
        ax.scatter(*real[:2000, :3].T, s=1, c="lightgrey", label="real")
        ax.scatter(*samples[:, :3].T, s=3, c="tab:blue", alpha=0.5,
                   label="generated")
        ax.scatter(*spec.centers[:, :3].T, marker="x", c="red", s=40,
                   label="mode centres")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_zlim(lo[2], hi[2])
    # Below the axes, so it never hides a mode.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3,
              fontsize="small", frameon=False)
    ax.set_title(title or f"{spec.name}: {len(samples)} generated samples")
    return save_figure(figure, path)


def _circle(center, radius):
    from matplotlib.patches import Circle

    return Circle(center, radius, fill=False, color="red", linewidth=0.5)


def _history_dict(history):
    return dict(getattr(history, "history", history))


def plot_coverage_curves(histories, path, metrics=("modes", "hq"), title=None):
    """Plots metrics against epochs for several runs on one figure.

    Args:
        histories: dict mapping a run name to a `keras.callbacks.History`
            (what `fit` returns) or to its `.history` dict, e.g. with the
            `modes` and `hq` logged by `ModeCoverage`.
        path: PNG path (written atomically).
        metrics: the logged keys to plot, one panel each; keys no run has
            are skipped.
        title: optional figure title.

    Returns:
        `path`.

    Example:

    ```python
    plot_coverage_curves({"wgan_gp": history_a, "vanilla": history_b},
                         "coverage.png")
    ```
    """
    from matplotlib.figure import Figure

    if not histories:
        raise ValueError("`histories` must map at least one run name to a History.")
    runs = {name: _history_dict(h) for name, h in histories.items()}
    shown = [m for m in metrics if any(m in h for h in runs.values())]
    if not shown:
        raise ValueError(
            f"None of the runs logged any of `metrics`={tuple(metrics)}; add a "
            "`ModeCoverage` callback to `fit`."
        )
    figure = Figure(figsize=(5 * len(shown), 4))
    axes = figure.subplots(1, len(shown), squeeze=False)[0]
    for ax, metric in zip(axes, shown):
        for name, history in runs.items():
            if metric in history:
                values = np.asarray(history[metric], dtype="float64")
                ax.plot(np.arange(1, len(values) + 1), values, marker=".",
                        label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return save_figure(figure, path)
