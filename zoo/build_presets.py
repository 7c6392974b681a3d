"""Trains the zoo's presets and writes them with their model cards.

Each preset directory gets `config.json`, `model.weights.h5`,
`model_card.md` and `metrics.json` (the mode metrics measured right after
training, on `spec.num_eval_samples` samples generated with seed 0).

Usage (JAX is the fastest backend on a CPU):

    KERAS_BACKEND=jax python zoo/build_presets.py            # all presets
    KERAS_BACKEND=jax python zoo/build_presets.py wgan_gp_ring8
"""

import argparse
import json
import os
import sys
import time

import keras

from keras_modegan.datasets import as_dataset, load_mixture
from keras_modegan.metrics import mode_coverage
from keras_modegan.models import METHODS
from keras_modegan.utils.atomic_write import write_text

HERE = os.path.dirname(os.path.abspath(__file__))

# benchmarks/mode_regularized_gans.py's 20K-step cosine protocol.
MODE_REGULARIZED_PROTOCOL = dict(
    steps=20000,
    batch_size=256,
    adam=dict(learning_rate=1e-3, beta_1=0.5, beta_2=0.9),
    lr_end=1e-5,
)

# name: method, data, steps, batch size, seed (default 0), `pretrain_epochs`
# (methods with a `pretrain` step; default theirs); `adam` (optional) replaces
# `compile()`'s paper optimizers by Adam(**adam) for every player, with the
# learning rate decayed along a cosine to `lr_end` when given (the protocol
# of the benchmark that met the paper's target, where it differs).
RECIPES = {
    "mixture_density_gan_ring8": dict(
        method="mixture_density_gan", data="ring8_mdgan", steps=3000, batch_size=500
    ),
    "dist_gan_grid25": dict(
        method="dist_gan", data="grid25", steps=6000, batch_size=128
    ),
    "gaan_grid25": dict(method="gaan", data="grid25", steps=6000, batch_size=128),
    "regularized_gan_circle6": dict(
        method="regularized_gan", data="circle6", **MODE_REGULARIZED_PROTOCOL
    ),
    "manifold_diffusion_gan_circle6": dict(
        method="manifold_diffusion_gan", data="circle6", **MODE_REGULARIZED_PROTOCOL
    ),
    "mode_penalty_gan_ring8": dict(
        method="mode_penalty_gan",
        data="ring8_mp",
        steps=20000,
        batch_size=256,
        adam=dict(learning_rate=1e-3, beta_1=0.5),
        lr_end=1e-5,
    ),
}


def optimizers(model, steps, adam=None, lr_end=None):
    """`compile()`'s default optimizers, or Adam(**adam) for every player
    (decayed along a cosine to `lr_end` over `steps` steps if given), and
    the card's words for them."""
    if adam is None:
        return None, "optimizers from `compile()` (the paper's settings)"
    adam = dict(adam)
    lr = adam.pop("learning_rate")
    words = f"Adam(learning rate {lr:g}"
    if lr_end is not None:
        words += f" along a cosine to {lr_end:g}"
        lr = keras.optimizers.schedules.CosineDecay(lr, steps, alpha=lr_end / lr)
    words += "".join(f", {k} {v:g}" for k, v in adam.items())
    words += ") for every player (the benchmark's protocol; `compile()` and "
    words += "`from_preset` use the paper's settings)"
    return {
        name: keras.optimizers.Adam(lr, **adam) for name in model.players
    }, words


CARD = """# {name}

{description}

- Method: `{cls}` (`METHODS["{method}"]`), networks from `{cls}.from_mlp({dim})`,
  {optimizer_words}.
- Data: `load_mixture("{data}", seed={seed})`: {num_train} training points.
- Training: {pretrain_words}{steps} steps at batch size {batch_size},
  seed {seed}, Keras backend `{backend}`, {seconds:.0f} s on 2 CPU cores.
- Measured on {num_eval} samples (`generate(..., seed=0)`), metrics of
  `keras_modegan.metrics.mode_coverage`:

| modes | high-quality | registered | JSD | KL | TV |
| ---: | ---: | ---: | ---: | ---: | ---: |
| {modes}/{num_modes} | {hq:.1%} | {registered} | {jsd:.3f} | {kl:.3f} | {tv:.3f} |

Reproduce: `KERAS_BACKEND={backend} python zoo/build_presets.py {name}`.
Load: `AdversarialModel.from_preset("{name}")` (any backend).
"""


def build(name, out_dir=HERE):
    """Trains preset `name` of `RECIPES` and writes it to `out_dir/name`."""
    recipe = dict(RECIPES[name])
    method, data = recipe["method"], recipe["data"]
    steps, batch_size = recipe["steps"], recipe["batch_size"]
    seed = recipe.get("seed", 0)
    cls = METHODS[method]
    keras.utils.set_random_seed(seed)
    x, spec = load_mixture(data, seed=seed)
    model = cls.from_mlp(spec.dim, seed=seed)
    chosen, optimizer_words = optimizers(
        model, steps, recipe.get("adam"), recipe.get("lr_end")
    )
    model.compile(optimizers=chosen)
    start = time.perf_counter()
    pretrain_words = ""
    if callable(getattr(model, "pretrain", None)):
        # E.g. the mode-penalty GAN's autoencoder and target modes.
        kwargs = {"batch_size": batch_size}
        if recipe.get("pretrain_epochs") is not None:
            kwargs["epochs"] = recipe["pretrain_epochs"]
        history = model.pretrain(x, **kwargs)
        pretrain_words = (
            f"`pretrain(x, batch_size={batch_size})` "
            f"({len(history.epoch)} epochs), then "
        )
    model.fit(
        as_dataset(x, batch_size, seed=seed).repeat(),
        epochs=1,
        steps_per_epoch=steps,
        shuffle=False,  # `as_dataset` shuffles; `fit` cannot reshuffle it.
        verbose=0,
    )
    seconds = time.perf_counter() - start
    metrics = mode_coverage(model.generate(spec.num_eval_samples, seed=0), spec)
    metrics = {k: getattr(v, "item", lambda v=v: v)() for k, v in metrics.items()}
    description = (
        f"{cls.__name__} trained on the {data} Gaussian mixture "
        f"({metrics['modes']}/{spec.num_modes} modes, "
        f"{metrics['hq']:.1%} high-quality samples)."
    )
    card = CARD.format(
        name=name,
        description=description,
        cls=cls.__name__,
        method=method,
        optimizer_words=optimizer_words,
        pretrain_words=pretrain_words,
        dim=spec.dim,
        data=data,
        seed=seed,
        num_train=len(x),
        steps=steps,
        batch_size=batch_size,
        backend=keras.backend.backend(),
        seconds=seconds,
        num_eval=spec.num_eval_samples,
        num_modes=spec.num_modes,
        **metrics,
    )
    path = os.path.join(out_dir, name)
    model.save_to_preset(path, description=description, card=card)
    write_text(
        os.path.join(path, "metrics.json"),
        json.dumps({"data": data, **metrics}, indent=2, sort_keys=True),
    )
    print(f"{name}: {metrics} in {seconds:.0f} s", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the zoo presets.")
    parser.add_argument("names", nargs="*", help=f"among {sorted(RECIPES)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(RECIPES))
    if unknown:
        parser.error(f"unknown preset(s) {unknown}; accepted: {sorted(RECIPES)}")
    for name in args.names or sorted(RECIPES):
        build(name)


if __name__ == "__main__":
    sys.exit(main())
