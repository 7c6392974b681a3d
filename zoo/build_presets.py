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
import numpy as np

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
    # Stacked MNIST (Unrolled GAN protocol, K/4 nets): the `cpu` recipe of
    # `keras-modegan train METHOD --data stacked_mnist`, one per seed method.
    "mixture_density_gan_stacked_mnist": ("mixture_density_gan", "stacked_mnist"),
    "dist_gan_stacked_mnist": ("dist_gan", "stacked_mnist"),
    "gaan_stacked_mnist": ("gaan", "stacked_mnist"),
    "regularized_gan_stacked_mnist": ("regularized_gan", "stacked_mnist"),
    "manifold_diffusion_gan_stacked_mnist": ("manifold_diffusion_gan",
                                             "stacked_mnist"),
    "mode_penalty_gan_stacked_mnist": ("mode_penalty_gan", "stacked_mnist"),
}
RECIPES = {
    name: dict(recipes.get_recipe(method, data), method=method, data=data)
    for name, (method, data) in PRESETS.items()
}
METRIC_KEYS = ("modes", "hq", "registered", "jsd", "kl", "tv")
IMAGE_DATA = ("stacked_mnist",)
IMAGE_METRIC_KEYS = ("modes", "kl", "kl_train", "num_samples", "architecture",
                     "protocol")
# The bundled-preset test's fixed inputs: generator outputs on these codes
# (a NumPy draw, the same on every backend) are recorded to compare exactly.
CHECK_CODES_SEED, CHECK_CODES = 0, 4


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


IMAGE_CARD = """# {name}

{description}

- Method: `{cls}` (`METHODS["{method}"]`), networks from
  `{cls}.from_dcgan((28, 28, 3), "{architecture}")` (Unrolled GAN's Stacked
  MNIST nets as PacGAN re-implemented them), {optimizer_words}.
- Data: `StackedMNIST("{protocol}", seed={seed})` (three MNIST digits as
  the channels, 1,000 modes).
- Training: {pretrain_words}{steps} steps at batch size {batch_size},
  seed {seed}, Keras backend `{backend}`, {seconds:.0f} s on 2 CPU cores:
  the run of `keras-modegan train {method} --data {data}` (no budget flags).
  **{steps} steps is 0.2% of the papers' 500K**: the samples are still near
  the initialization (blurred strokes), and the row of
  `benchmarks/results/stacked_mnist_1k.md` this reproduces shows it. A
  preset to continue training from, or to test a pipeline with; not a
  result of the paper.
- Measured on {num_samples} samples (`generate(..., seed={seed})`), each
  channel labelled by the `mnist_classifier` preset
  (`keras_modegan.metrics.stacked_mnist_modes`):

| modes (of 1,000) | KL(p \|\| uniform) | KL(p \|\| training labels) |
| ---: | ---: | ---: |
| {modes} | {kl:.3f} | {kl_train:.3f} |

Reproduce: `KERAS_BACKEND={backend} python zoo/build_presets.py {name}`.
Load: `AdversarialModel.from_preset("{name}")` (any backend); score it:
`keras-modegan evaluate {name} --data {data}`.
"""


def check_codes(latent_dim):
    """The fixed latent codes whose generator outputs `metrics.json`
    records (`check`), from NumPy: the same numbers on every backend."""
    rng = np.random.default_rng(CHECK_CODES_SEED)
    return rng.standard_normal((CHECK_CODES, latent_dim)).astype("float32")


def generator_check(model):
    """Per-code mean and std of the generator's (inference mode) outputs
    on `check_codes`: a fingerprint of the weights, equal across backends
    to float32 precision."""
    out = keras.ops.convert_to_numpy(
        model.generator(check_codes(model.latent_dim), training=False)
    ).reshape(CHECK_CODES, -1)
    return {"mean": out.mean(1).tolist(), "std": out.std(1).tolist()}


def _pretrain_words(model, run):
    """The card's words for the autoencoder pretraining ('' without one)."""
    if not callable(getattr(model, "pretrain", None)):
        return ""
    epochs = run.get("pretrain_epochs")
    return (f"`pretrain(x, batch_size={run['batch_size']})` "
            f"({epochs if epochs is not None else 'default'} epochs), then ")


def _image_preset(name, run, model):
    """(description, card, metrics) of a Stacked MNIST run."""
    method, data = run["method"], run["data"]
    cls = METHODS[method]
    metrics = {k: run[k] for k in IMAGE_METRIC_KEYS}
    description = (
        f"{cls.__name__} trained {run['steps']} steps on Stacked MNIST "
        f"({run['architecture']} nets; {metrics['modes']}/1000 modes, "
        f"KL {metrics['kl']:.2f}): near initialization, see the model card."
    )
    pretrain_words = _pretrain_words(model, run)
    card = IMAGE_CARD.format(
        name=name, description=description, cls=cls.__name__, method=method,
        optimizer_words=run["optimizers"], pretrain_words=pretrain_words,
        data=data, seed=run["seed"], steps=run["steps"],
        batch_size=run["batch_size"], backend=run["backend"],
        seconds=run["seconds"], **metrics,
    )
    metrics = dict(metrics, seed=run["seed"], check=generator_check(model))
    return description, card, metrics


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
    if data in IMAGE_DATA:
        description, card, metrics = _image_preset(name, run, model)
        path = os.path.join(out_dir, name)
        model.save_to_preset(path, description=description, card=card)
        write_text(
            os.path.join(path, "metrics.json"),
            json.dumps({"data": data, **metrics}, indent=2, sort_keys=True),
        )
        print(f"{name}: {metrics['modes']} modes, KL {metrics['kl']:.3f} in "
              f"{run['seconds']:.0f} s", flush=True)
        return
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
    pretrain_words = _pretrain_words(model, run)
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
