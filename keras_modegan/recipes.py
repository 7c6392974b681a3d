"""Measured training recipes, one per (method, data set) and budget.

A recipe is what the project ran to get a measured result: training steps,
batch size, optimizers and their schedule, constructor options of the
method and its pretraining, together with the quality it reached and the
command and result file that measured it. `keras-modegan train METHOD
--data DATA` trains the recipe when no budget is given, `keras-modegan
list` shows them, and `zoo/build_presets.py` builds its presets from them.

A recipe is a plain dict:

- `steps`, `batch_size`: training steps and batch size.
- `adam` (optional): `keras.optimizers.Adam(**adam)` for every update, in
  place of the method's `default_optimizers()`; its learning rate follows
  a cosine to `lr_end` over the run when `lr_end` is given, or is halved
  every `lr_halve_every` (a fraction) of the run when that is given.
- `optimizer_options` (optional): keyword arguments of the method's
  `default_optimizers(...)` (e.g. Dist-GAN's `decay_counter="update"`).
- `options` (optional): keyword arguments of the method's `from_mlp`
  (e.g. Dist-GAN's critic steps `d_steps`).
- `pretrain_epochs` (optional): epochs of the method's `pretrain` step.
- `reached`: `modes` (mean over seeds), `modes_std`, `num_modes`, `hq`
  (fraction), `hq_std` (percentage points), `seeds` (how many; 1 means
  seed 0 alone, and the stds are then None). Stacked MNIST recipes have
  `kl` in place of `hq`, and `architecture` (the `from_dcgan` nets); a
  budget the project has not run yet has `reached` None and `paper` (the
  paper's modes and KL, where it reports them).
- `result`: the file, relative to the repository's root, that holds the
  measurement; `command`: the command that wrote it; `label` (optional):
  the method's name in that file's table, where it is not the `METHODS` key.

Example:

```python
from keras_modegan import recipes
from keras_modegan.models import DistGAN

recipe = recipes.get_recipe("dist_gan", "grid25")
model = DistGAN.from_mlp(2, seed=0, **recipe.get("options", {}))
model.compile(optimizers=recipes.build_optimizers(model, recipe))
```
"""

import copy

BUDGETS = ("cpu", "paper")
DEFAULT_BUDGET = "cpu"

_PRESET_COMMAND = "KERAS_BACKEND=jax python zoo/build_presets.py {}"
_BASELINES = dict(
    steps=1500,
    batch_size=256,
    result="benchmarks/results/baselines.md",
    command="flock /tmp/cpu.lock /work/venv/bin/python benchmarks/baselines.py",
)
# benchmarks/mode_regularized_gans.py's 20K-step cosine protocol.
_MODE_REGULARIZED = dict(
    steps=20000,
    batch_size=256,
    adam=dict(learning_rate=1e-3, beta_1=0.5, beta_2=0.9),
    lr_end=1e-5,
)
_MODE_PENALTY_60K = dict(
    steps=60000,
    batch_size=256,
    adam=dict(learning_rate=1e-3, beta_1=0.5),
    lr_end=1e-5,
    pretrain_epochs=3,
    result="benchmarks/results/mode_penalty_gan_cosine_60k_5seeds.md",
    command=(
        "KERAS_BACKEND=jax python benchmarks/mode_penalty_gan.py --steps 60000 "
        "--seeds 5 --lr 1e-3 --lr-end 1e-5 --beta-1 0.5 --workers 2 --curves "
        "--no-ablation --data ring8_mp grid25_mp random25_mp cube27_mp "
        "--out benchmarks/results/mode_penalty_gan_cosine_60k_5seeds.md"
    ),
)
_AUTHORS_CODE_30K = dict(
    steps=30000,
    batch_size=128,
    # Measured before issue #20: WGAN-GP's penalty form, one optimizer per
    # player (the `old` setting of benchmarks/autoencoder_gans.py).
    options=dict(d_steps=5, penalty_form="norm", optimizers_per="player"),
    optimizer_options=dict(decay_counter="update"),
    result="benchmarks/results/dist_gan_gaan_authors_code_30k.md",
    command=(
        "KERAS_BACKEND=jax python benchmarks/autoencoder_gans.py --steps 30000 "
        "--seeds 5 --d-steps 5 --methods dist_gan,gaan --decay-counter update "
        "--workers 2 --output benchmarks/results/dist_gan_gaan_authors_code_30k.md"
    ),
)


# The presets of Dist-GAN and GAAN were built before issue #20, with
# WGAN-GP's penalty form and one optimizer per player.
_BEFORE_20 = dict(penalty_form="norm", optimizers_per="player")


def _seed0(modes, num_modes, hq):
    return dict(modes=modes, modes_std=None, num_modes=num_modes, hq=hq,
                hq_std=None, seeds=1)


def _seeds5(modes, modes_std, num_modes, hq, hq_std):
    return dict(modes=modes, modes_std=modes_std, num_modes=num_modes, hq=hq,
                hq_std=hq_std, seeds=5)


# A preset is the run of `keras-modegan train METHOD --data DATA` with no
# budget flags (`zoo/build_presets.py`): its recipe reached what that run
# measured (seed 0; all six rebuilt from the runs of
# benchmarks/results/recipes_cli.md).
def _preset(name, reached, **recipe):
    return dict(
        recipe,
        reached=reached,
        result=f"zoo/{name}/metrics.json",
        command=_PRESET_COMMAND.format(name),
    )


# budget -> (method, data) -> recipe. "cpu": what the project measured on a
# 2-core CPU (the shortest measured run that reached the best result);
# "paper": the papers' own budgets, where they were measured and differ.
RECIPES = {
    "cpu": {
        ("mixture_density_gan", "ring8_mdgan"): _preset(
            "mixture_density_gan_ring8", _seed0(8, 8, 0.716),
            steps=3000, batch_size=500,
        ),
        ("mixture_density_gan", "grid25"): dict(
            steps=40000,
            batch_size=500,
            adam=dict(learning_rate=1e-3, beta_1=0.5),
            lr_halve_every=0.25,
            reached=_seeds5(24.6, 0.5, 25, 0.927, 3.2),
            label="mdgan_var0.25",
            result="benchmarks/results/mixture_density_gan.md",
            command="KERAS_BACKEND=jax python benchmarks/mixture_density_gan.py "
            "--steps 40000 --seeds 5 --workers 2 --data grid25",
        ),
        ("dist_gan", "grid25"): _preset(
            "dist_gan_grid25", _seed0(25, 25, 0.7396), steps=6000, batch_size=128,
            options=_BEFORE_20,
        ),
        ("gaan", "grid25"): _preset(
            "gaan_grid25", _seed0(25, 25, 0.734), steps=6000, batch_size=128,
            options=_BEFORE_20,
        ),
        ("dist_gan", "grid25_gaan"): dict(
            _AUTHORS_CODE_30K, reached=_seeds5(25.0, 0.0, 25, 0.956, 0.8)
        ),
        ("gaan", "grid25_gaan"): dict(
            _AUTHORS_CODE_30K, reached=_seeds5(25.0, 0.0, 25, 0.958, 2.1)
        ),
        ("regularized_gan", "circle6"): _preset(
            "regularized_gan_circle6", _seed0(5, 6, 0.8552), **_MODE_REGULARIZED
        ),
        ("manifold_diffusion_gan", "circle6"): _preset(
            "manifold_diffusion_gan_circle6", _seed0(6, 6, 0.8396),
            options=dict(optimizers_per="player"),  # built before issue #20
            **_MODE_REGULARIZED,
        ),
        ("mode_penalty_gan", "ring8_mp"): _preset(
            "mode_penalty_gan_ring8", _seed0(8, 8, 0.9744),
            steps=20000, batch_size=256,
            adam=dict(learning_rate=1e-3, beta_1=0.5), lr_end=1e-5,
        ),
        ("mode_penalty_gan", "grid25_mp"): dict(
            _MODE_PENALTY_60K, reached=_seeds5(22.6, 1.4, 25, 0.952, 1.6)
        ),
        ("mode_penalty_gan", "random25_mp"): dict(
            _MODE_PENALTY_60K, reached=_seeds5(23.8, 0.4, 25, 0.948, 1.5)
        ),
        ("mode_penalty_gan", "cube27_mp"): dict(
            _MODE_PENALTY_60K, reached=_seeds5(25.6, 1.4, 27, 0.951, 1.3)
        ),
        ("vanilla_gan", "ring8"): dict(
            _BASELINES, reached=_seeds5(7.4, 0.8, 8, 0.363, 19.4)
        ),
        ("wgan_gp", "ring8"): dict(
            _BASELINES, reached=_seeds5(6.0, 1.9, 8, 0.038, 4.9)
        ),
        ("vanilla_gan", "grid25"): dict(
            _BASELINES, reached=_seeds5(19.4, 1.0, 25, 0.030, 0.7)
        ),
        ("wgan_gp", "grid25"): dict(
            _BASELINES, reached=_seeds5(16.0, 2.7, 25, 0.015, 0.3)
        ),
    },
    "paper": {
        # The authors' ring8 budget (20K steps, lr halved every quarter).
        ("mixture_density_gan", "ring8_mdgan"): dict(
            steps=20000,
            batch_size=500,
            adam=dict(learning_rate=1e-3, beta_1=0.5),
            lr_halve_every=0.25,
            reached=_seeds5(8.0, 0.0, 8, 0.951, 2.2),
            label="mdgan_var0.25",
            result="benchmarks/results/mixture_density_gan_ring8.md",
            command="KERAS_BACKEND=jax python benchmarks/mixture_density_gan.py "
            "--steps 20000 --seeds 5 --workers 2 --data ring8_mdgan --output "
            "benchmarks/results/mixture_density_gan_ring8.md",
        ),
    },
}


# Stacked MNIST (`--data stacked_mnist`, Unrolled GAN's protocol): the CPU
# budget the project measured (benchmarks/stacked_mnist.py, K/4 nets,
# 1,000 steps at batch 128, 3 seeds, TensorFlow) and the papers' budget
# (500K steps at batch 128; not yet run by the project: `reached` None,
# `paper` the papers' (modes, KL) where they report one).
IMAGE_DATA_SETS = ("stacked_mnist",)
_STACKED_1K_COMMAND = (
    "python benchmarks/stacked_mnist.py --steps 1000 --seeds 3 --workers 2 "
    "--eval-every 250 --eval-samples 5000 --data-dir /work/shared/data "
    "--output benchmarks/results/stacked_mnist_1k.md --resume"
)
_STACKED_PAPER_COMMAND = (
    "KERAS_BACKEND=jax python benchmarks/stacked_mnist.py --steps 500000 "
    "--architectures quarter half --seeds 3 --eval-every 25000 --workers 1 "
    "--output benchmarks/results/stacked_mnist_500k.md"
)
# method -> (modes, modes std, KL) over 3 seeds at 1,000 steps (K/4).
_STACKED_1K = {
    "vanilla_gan": (1.0, 0.0, 6.91),
    "wgan_gp": (2.3, 1.2, 6.86),
    "mixture_density_gan": (1.3, 0.5, 6.91),
    "dist_gan": (1.3, 0.5, 6.91),
    "gaan": (1.0, 0.0, 6.91),
    "regularized_gan": (2.7, 1.7, 6.88),
    "manifold_diffusion_gan": (9.7, 6.5, 6.84),
    "mode_penalty_gan": (6.3, 3.8, 6.77),
}
# method -> (modes, KL, where) at 500K steps, K/4 nets.
_STACKED_PAPER = {
    "vanilla_gan": (30.6, 5.99, "MD-GAN Table 3 (DCGAN)"),
    "mixture_density_gan": (696.0, 1.32, "MD-GAN Table 3"),
    "dist_gan": (859.5, 1.04, "Dist-GAN Table 1"),
}
_STACKED_METHODS = (
    "vanilla_gan", "wgan_gp", "mixture_density_gan", "dist_gan", "gaan",
    "regularized_gan", "manifold_diffusion_gan", "mode_penalty_gan",
)
for _method in _STACKED_METHODS:
    if _method in _STACKED_1K:
        _modes, _std, _kl = _STACKED_1K[_method]
        RECIPES["cpu"][(_method, "stacked_mnist")] = dict(
            steps=1000, batch_size=128, architecture="quarter",
            reached=dict(modes=_modes, modes_std=_std, num_modes=1000, kl=_kl,
                         seeds=3),
            result="benchmarks/results/stacked_mnist_1k.md",
            command=_STACKED_1K_COMMAND,
        )
    _paper = _STACKED_PAPER.get(_method)
    RECIPES["paper"][(_method, "stacked_mnist")] = dict(
        steps=500000, batch_size=128, architecture="quarter", reached=None,
        paper=None if _paper is None else dict(
            modes=_paper[0], kl=_paper[1], source=_paper[2]),
        result="docs/reproducing_the_papers.md",
        command=_STACKED_PAPER_COMMAND,
    )


def _check_budget(budget):
    if budget not in RECIPES:
        raise ValueError(
            f"Unknown budget {budget!r}; accepted: {', '.join(BUDGETS)}."
        )


def get_recipe(method, data, budget=DEFAULT_BUDGET):
    """The measured recipe for `method` on `data` under `budget`.

    Args:
        method: a `METHODS` key, e.g. `"dist_gan"`.
        data: a data set name, e.g. `"grid25"`.
        budget: one of `BUDGETS` (`"cpu"` or `"paper"`).

    Returns:
        A copy of the recipe dict (see the module docstring), or None when
        the project has measured none for this pair and budget.
    """
    _check_budget(budget)
    recipe = RECIPES[budget].get((method, data))
    return None if recipe is None else copy.deepcopy(recipe)


def list_recipes(method=None, budget=None):
    """All recipes, or those of one method and/or budget.

    Args:
        method: optional `METHODS` key.
        budget: optional budget among `BUDGETS`.

    Returns:
        A list of `(method, data, budget, recipe)` tuples, by budget in the
        order of `BUDGETS`, then by method and data name.
    """
    if budget is not None:
        _check_budget(budget)
    rows = []
    for name in BUDGETS:
        if budget is not None and name != budget:
            continue
        for (m, data), recipe in sorted(RECIPES[name].items()):
            if method is None or m == method:
                rows.append((m, data, name, copy.deepcopy(recipe)))
    return rows


def describe_reached(recipe):
    """The quality a recipe reached, in words.

    Example: `"24.6/25 modes ± 0.5, 92.7% ± 3.2 high-quality (mean of 5
    seeds)"`.
    """
    r = recipe["reached"]
    if r is None:  # a budget the project has not run yet
        paper = recipe.get("paper")
        words = "not measured by the project yet"
        if paper:
            words += (f"; the paper reports {paper['modes']:g}/1000 modes, KL "
                      f"{paper['kl']:g} ({paper['source']})")
        return words
    if "kl" in r and "hq" not in r:  # Stacked MNIST: modes of 1,000 and KL
        return (f"{r['modes']:.1f}/{r['num_modes']} modes ± {r['modes_std']:.1f}, "
                f"KL {r['kl']:.2f} (mean of {r['seeds']} seeds)")
    if r["seeds"] == 1:
        return (f"{r['modes']}/{r['num_modes']} modes, {100 * r['hq']:.1f}% "
                "high-quality (seed 0)")
    return (
        f"{r['modes']:.1f}/{r['num_modes']} modes ± {r['modes_std']:.1f}, "
        f"{100 * r['hq']:.1f}% ± {r['hq_std']:.1f} high-quality "
        f"(mean of {r['seeds']} seeds)"
    )


def describe_optimizers(recipe, learning_rate=None):
    """A recipe's optimizers, in words (for model cards and the CLI).

    Args:
        recipe: a recipe dict, or None for the method's `compile()` defaults.
        learning_rate: optional override of the initial learning rate.
    """
    recipe = recipe or {}
    if recipe.get("adam") is None:
        options = recipe.get("optimizer_options") or {}
        words = "optimizers from `default_optimizers("
        words += ", ".join(f"{k}={v!r}" for k, v in sorted(options.items()))
        words += ")` (the paper's settings)"
        if learning_rate is not None:
            words += f", initial learning rate {learning_rate:g}"
        return words
    adam = dict(recipe["adam"])
    lr = adam.pop("learning_rate")
    if learning_rate is not None:
        lr, ratio = learning_rate, learning_rate / lr
    else:
        ratio = 1.0
    words = f"Adam(learning rate {lr:g}"
    if recipe.get("lr_end") is not None:
        words += f" along a cosine to {recipe['lr_end'] * ratio:g}"
    elif recipe.get("lr_halve_every"):
        words += f" halved every {recipe['lr_halve_every']:.0%} of the run"
    words += "".join(f", {k} {v:g}" for k, v in adam.items())
    words += ") for every update"
    return words


def update_names(model):
    """The names `compile(optimizers=...)` takes, one optimizer each."""
    return tuple(model.optimizer_names)


def _rescaled(optimizer, learning_rate):
    """`optimizer` with its (initial) learning rate set to `learning_rate`;
    a schedule keeps its shape (every rate scaled by the same factor)."""
    config = optimizer.get_config()
    lr = config["learning_rate"]
    if isinstance(lr, dict):
        schedule = lr.get("config", {})
        if "initial_learning_rate" not in schedule:
            raise ValueError(
                f"Cannot set the learning rate of a {lr.get('class_name')} "
                "schedule: it has no `initial_learning_rate`."
            )
        schedule["initial_learning_rate"] = float(learning_rate)
    else:
        config["learning_rate"] = float(learning_rate)
    return type(optimizer).from_config(config)


def build_optimizers(model, recipe, steps=None, learning_rate=None):
    """The optimizers of `recipe` for `model`, for `model.compile`.

    Args:
        model: the compiled-to-be `AdversarialModel`.
        recipe: a recipe dict, or None for the method's `compile()` defaults.
        steps: training steps the schedules span (default: the recipe's).
        learning_rate: optional initial learning rate of every optimizer,
            in place of the recipe's (a schedule keeps its shape).

    Returns:
        A dict of update name to `keras.optimizers.Optimizer`, or None
        when `compile()`'s defaults are meant (no recipe optimizer, no
        override).
    """
    import keras

    recipe = recipe or {}
    steps = steps or recipe.get("steps")
    adam = recipe.get("adam")
    if adam is None:
        options = recipe.get("optimizer_options") or {}
        if not options and learning_rate is None:
            return None
        chosen = model.default_optimizers(**options)
        if learning_rate is not None:
            chosen = {k: _rescaled(v, learning_rate) for k, v in chosen.items()}
        return chosen
    adam = dict(adam)
    lr = adam.pop("learning_rate")
    ratio = 1.0 if learning_rate is None else learning_rate / lr
    lr *= ratio

    def rate():
        if recipe.get("lr_end") is not None:
            # alpha is relative: the cosine ends at lr_end * ratio.
            return keras.optimizers.schedules.CosineDecay(
                lr, steps, alpha=recipe["lr_end"] / recipe["adam"]["learning_rate"]
            )
        if recipe.get("lr_halve_every"):
            return keras.optimizers.schedules.ExponentialDecay(
                lr, decay_steps=max(1, int(steps * recipe["lr_halve_every"])),
                decay_rate=0.5, staircase=True,
            )
        return lr

    return {name: keras.optimizers.Adam(rate(), **adam)
            for name in update_names(model)}
