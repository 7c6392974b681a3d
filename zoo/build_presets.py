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

from keras_modegan import recipes
from keras_modegan.datasets import as_dataset, load_mixture
from keras_modegan.metrics import mode_coverage
from keras_modegan.models import METHODS
from keras_modegan.utils.atomic_write import write_text

HERE = os.path.dirname(os.path.abspath(__file__))

# Preset name -> (method, data). Each preset is trained on the recipe that
# `keras-modegan train METHOD --data DATA` uses (`keras_modegan.recipes`):
# steps, batch size, seed (default 0), `options` of `from_mlp`,
# `pretrain_epochs` (methods with a `pretrain` step; default theirs), and
# the optimizers (`adam` with `lr_end` or `lr_halve_every`: the protocol of
# the benchmark that met the paper's target, where it differs from
# `compile()`'s paper optimizers).
PRESETS = {
    "mixture_density_gan_ring8": ("mixture_density_gan", "ring8_mdgan"),
    "dist_gan_grid25": ("dist_gan", "grid25"),
    "gaan_grid25": ("gaan", "grid25"),
    "regularized_gan_circle6": ("regularized_gan", "circle6"),
    "manifold_diffusion_gan_circle6": ("manifold_diffusion_gan", "circle6"),
    "mode_penalty_gan_ring8": ("mode_penalty_gan", "ring8_mp"),
}
RECIPES = {
    name: dict(recipes.get_recipe(method, data), method=method, data=data)
    for name, (method, data) in PRESETS.items()
}


def optimizers(model, recipe):
    """The recipe's optimizers (None: `compile()`'s) and the card's words."""
    words = recipes.describe_optimizers(recipe)
    if recipe.get("adam") is not None:
        words += (" (the benchmark's protocol; `compile()` and `from_preset` "
                  "use the paper's settings)")
    return recipes.build_optimizers(model, recipe), words


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
    model = cls.from_mlp(spec.dim, seed=seed, **recipe.get("options", {}))
    chosen, optimizer_words = optimizers(model, recipe)
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
