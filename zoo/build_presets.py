"""Trains the zoo's presets and writes them with their model cards.

A preset is exactly the run of `keras-modegan train METHOD --data DATA`
with no budget flags (the pair's `cpu` recipe in `keras_modegan.recipes`,
seed 0): `build` runs that command's code in this process, into a scratch
folder, and turns the run's `model.keras` and `metrics.json` into the
preset directory: `config.json`, `model.weights.h5`, `model_card.md` and
`metrics.json` (the mode metrics the run measured, on
`spec.num_eval_samples` samples generated with seed 0). So what the docs
promise for a preset is what a user typing the command gets.

Usage (JAX is the fastest backend on a CPU):

    KERAS_BACKEND=jax python zoo/build_presets.py            # all presets
    KERAS_BACKEND=jax python zoo/build_presets.py dist_gan_grid25
    # a finished `keras-modegan train` run folder, without training again:
    KERAS_BACKEND=jax python zoo/build_presets.py dist_gan_grid25 --from-run DIR
"""

import argparse
import json
import os
import sys
import tempfile

import keras

from keras_modegan import cli, recipes
from keras_modegan.datasets import get_spec
from keras_modegan.models import METHODS
from keras_modegan.utils.atomic_write import write_text

HERE = os.path.dirname(os.path.abspath(__file__))

# Preset name -> (method, data): each is trained on the `cpu` recipe that
# `keras-modegan train METHOD --data DATA` uses (`keras_modegan.recipes`).
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
METRIC_KEYS = ("modes", "hq", "registered", "jsd", "kl", "tv")


CARD = """# {name}

{description}

- Method: `{cls}` (`METHODS["{method}"]`), networks from `{cls}.from_mlp({dim})`,
  {optimizer_words}.
- Data: `load_mixture("{data}", seed={seed})`.
- Training: {pretrain_words}{steps} steps at batch size {batch_size},
  seed {seed}, Keras backend `{backend}`, {seconds:.0f} s on 2 CPU cores:
  the run of `keras-modegan train {method} --data {data}` (no budget flags).
- Measured on {num_eval} samples (`generate(..., seed=0)`), metrics of
  `keras_modegan.metrics.mode_coverage`:

| modes | high-quality | registered | JSD | KL | TV |
| ---: | ---: | ---: | ---: | ---: | ---: |
| {modes}/{num_modes} | {hq:.1%} | {registered} | {jsd:.3f} | {kl:.3f} | {tv:.3f} |

Reproduce: `KERAS_BACKEND={backend} python zoo/build_presets.py {name}`.
Load: `AdversarialModel.from_preset("{name}")` (any backend).
"""


def train_run(name, out):
    """Runs `keras-modegan train` for preset `name` into the folder `out`."""
    recipe = RECIPES[name]
    argv = ["train", recipe["method"], "--data", recipe["data"],
            "--seed", str(recipe.get("seed", 0)), "--out", out, "--quiet"]
    code = cli.main(argv)
    if code:
        raise RuntimeError(f"keras-modegan {' '.join(argv)} exited {code}")


def build(name, out_dir=HERE, run_dir=None):
    """Writes preset `name` of `RECIPES` to `out_dir/name`, from the
    finished `keras-modegan train` run in `run_dir` (trained here into a
    scratch folder when None)."""
    recipe = RECIPES[name]
    method, data = recipe["method"], recipe["data"]
    with tempfile.TemporaryDirectory() as scratch:
        if run_dir is None:
            run_dir = os.path.join(scratch, "run")
            train_run(name, run_dir)
        with open(os.path.join(run_dir, "metrics.json")) as f:
            run = json.load(f)
        if (run["method"], run["data"], run["overrides"]) != (method, data, {}):
            raise ValueError(
                f"{run_dir} is a run of {run['method']} on {run['data']} with "
                f"overrides {run['overrides']}; preset {name} needs "
                f"{method} on {data} with no budget flags"
            )
        model = keras.saving.load_model(os.path.join(run_dir, "model.keras"))
    spec = get_spec(data)
    metrics = {k: run[k] for k in METRIC_KEYS}
    if metrics["kl"] is None:  # metrics.json writes an infinite KL as null
        metrics["kl"] = float("inf")
    cls = METHODS[method]
    description = (
        f"{cls.__name__} trained on the {data} Gaussian mixture "
        f"({metrics['modes']}/{spec.num_modes} modes, "
        f"{metrics['hq']:.1%} high-quality samples)."
    )
    pretrain_words = ""
    if callable(getattr(model, "pretrain", None)):
        epochs = run.get("pretrain_epochs")
        pretrain_words = (
            f"`pretrain(x, batch_size={run['batch_size']})` "
            f"({epochs if epochs is not None else 'default'} epochs), then "
        )
    card = CARD.format(
        name=name, description=description, cls=cls.__name__, method=method,
        optimizer_words=run["optimizers"], pretrain_words=pretrain_words,
        dim=spec.dim, data=data, seed=run["seed"], steps=run["steps"],
        batch_size=run["batch_size"], backend=run["backend"],
        seconds=run["seconds"], num_eval=spec.num_eval_samples,
        num_modes=spec.num_modes, **metrics,
    )
    path = os.path.join(out_dir, name)
    model.save_to_preset(path, description=description, card=card)
    write_text(
        os.path.join(path, "metrics.json"),
        json.dumps({"data": data, **metrics}, indent=2, sort_keys=True),
    )
    print(f"{name}: {metrics} in {run['seconds']:.0f} s", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the zoo presets.")
    parser.add_argument("names", nargs="*", help=f"among {sorted(RECIPES)}")
    parser.add_argument("--from-run", default=None, metavar="DIR",
                        help="a finished `keras-modegan train` folder of the "
                        "one preset named (no training)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(RECIPES))
    if unknown:
        parser.error(f"unknown preset(s) {unknown}; accepted: {sorted(RECIPES)}")
    if args.from_run is not None and len(args.names) != 1:
        parser.error("--from-run takes exactly one preset name")
    for name in args.names or sorted(RECIPES):
        build(name, run_dir=args.from_run)


if __name__ == "__main__":
    sys.exit(main())
