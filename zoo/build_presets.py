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

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (method, data, steps, batch_size, seed)
RECIPES = {
    "mixture_density_gan_ring8": ("mixture_density_gan", "ring8_mdgan", 3000, 500, 0),
    "dist_gan_grid25": ("dist_gan", "grid25", 6000, 128, 0),
}

CARD = """# {name}

{description}

- Method: `{cls}` (`METHODS["{method}"]`), networks from `{cls}.from_mlp({dim})`,
  optimizers from `compile()` (the paper's settings).
- Data: `load_mixture("{data}", seed={seed})`: {num_train} training points.
- Training: {steps} steps at batch size {batch_size}, seed {seed}, Keras
  backend `{backend}`, {seconds:.0f} s on 2 CPU cores.
- Measured on {num_eval} samples (`generate(..., seed=0)`), metrics of
  `keras_modegan.metrics.mode_coverage`:

| modes | high-quality | registered | JSD | KL | TV |
| ---: | ---: | ---: | ---: | ---: | ---: |
| {modes}/{num_modes} | {hq:.1%} | {registered} | {jsd:.3f} | {kl:.3f} | {tv:.3f} |

Reproduce: `KERAS_BACKEND={backend} python zoo/build_presets.py {name}`.
Load: `AdversarialModel.from_preset("{name}")` (any backend).
"""


def build(name):
    method, data, steps, batch_size, seed = RECIPES[name]
    cls = METHODS[method]
    keras.utils.set_random_seed(seed)
    x, spec = load_mixture(data, seed=seed)
    model = cls.from_mlp(spec.dim, seed=seed)
    model.compile()
    start = time.perf_counter()
    model.fit(
        as_dataset(x, batch_size, seed=seed).repeat(),
        epochs=1,
        steps_per_epoch=steps,
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
    path = os.path.join(HERE, name)
    model.save_to_preset(path, description=description, card=card)
    with open(os.path.join(path, "metrics.json"), "w") as f:
        json.dump({"data": data, **metrics}, f, indent=2, sort_keys=True)
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
