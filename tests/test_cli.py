import csv
import json
import os
import subprocess
import sys

import keras
import pytest

from keras_modegan import cli

# The CLI, benchmark runner and preset builder: run once (tests/conftest.py).
pytestmark = pytest.mark.orchestration

TINY = ["--epochs", "2", "--steps-per-epoch", "3", "--batch-size", "32"]


def test_list(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("vanilla_gan", "wgan_gp", "ring8", "grid25", "cube27",
                 "grid25_gaan"):
        assert name in out


def _reject_constant(name):
    raise ValueError(f"metrics.json is not strict JSON: it holds {name}")


def test_metrics_json_is_strict():
    text = cli.metrics_json({"modes": 0, "hq": 0.0, "kl": float("inf"),
                             "curve": [1.0, float("nan")], "data": "ring8"})
    assert json.loads(text, parse_constant=_reject_constant) == {
        "modes": 0, "hq": 0.0, "kl": None, "curve": [1.0, None], "data": "ring8"}


@pytest.mark.every_backend  # the backend's own path
def test_train_writes_everything(tmp_path, capsys):
    out_dir = tmp_path / "run"
    code = cli.main(["train", "vanilla_gan", "--data", "ring8", *TINY,
                     "--seed", "1", "--quiet", "--out", str(out_dir)])
    assert code == 0
    for name in ("model.keras", "history.csv", "samples.png", "coverage.png",
                 "metrics.json"):
        assert (out_dir / name).is_file(), name
    with open(out_dir / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and "modes" in rows[0] and "d_loss" in rows[0]
    metrics = json.loads((out_dir / "metrics.json").read_text(),
                         parse_constant=_reject_constant)
    assert metrics["steps"] == 6 and metrics["data"] == "ring8"
    out = capsys.readouterr().out
    assert "| method | data | modes | hq |" in out
    assert f"| vanilla_gan | ring8 | {metrics['modes']}/8 |" in out
    loaded = keras.saving.load_model(str(out_dir / "model.keras"))
    assert type(loaded).__name__ == "VanillaGAN"

    # evaluate scores the saved model the same way.
    code = cli.main(["evaluate", str(out_dir / "model.keras"), "--data",
                     "ring8", "--seed", "1", "--plot", str(tmp_path / "e.png")])
    assert code == 0
    out = capsys.readouterr().out
    assert f"| VanillaGAN | ring8 | {metrics['modes']}/8 |" in out
    assert f"{100 * metrics['hq']:.1f}%" in out
    assert (tmp_path / "e.png").is_file()


def test_train_3d_mixture(tmp_path):
    code = cli.main(["train", "wgan_gp", "--data", "cube27", "--epochs", "1",
                     "--steps-per-epoch", "2", "--batch-size", "16", "--quiet",
                     "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "samples.png").is_file()


def test_train_jit_compile_off(tmp_path):
    # Under JAX Keras' "auto" compiles; "off" must reach `compile()` and be
    # saved with the model, on every backend.
    code = cli.main(["train", "vanilla_gan", "--data", "ring8", *TINY,
                     "--jit-compile", "off", "--quiet", "--out", str(tmp_path)])
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["jit_compile"] == "off"
    loaded = keras.saving.load_model(str(tmp_path / "model.keras"))
    assert loaded.jit_compile is False


@pytest.mark.parametrize("choice, expected", [("on", True), ("off", False)])
def test_build_passes_jit_compile(choice, expected):
    from keras_modegan.models import VanillaGAN

    model = cli._build(VanillaGAN, "vanilla_gan", 2, seed=0, jit_compile=choice)
    assert model.jit_compile is expected


def test_benchmark(tmp_path, capsys):
    table_path = tmp_path / "table.md"
    code = cli.main(["benchmark", "vanilla_gan", "--data", "ring8", "--seeds",
                     "2", "--steps", "3", "--batch-size", "32", "--out",
                     str(table_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "| method | data | n | modes |" in out
    assert "| vanilla_gan | ring8 | 2 |" in out
    assert table_path.read_text().strip() == out.strip()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "no_such_gan"], "unknown method 'no_such_gan'"),
        (["train", "wgan_gp", "--data", "ring9"], "unknown dataset 'ring9'"),
        (["train", "wgan_gp", "--epochs", "-3"], "--epochs"),
        (["train", "wgan_gp", "--epochs", "two"], "--epochs"),
        (["train", "wgan_gp", "--batch-size", "0"], "--batch-size"),
        (["train", "wgan_gp", "--backend", "numpy"], "--backend"),
        (["train", "wgan_gp", "--jit-compile", "yes"], "--jit-compile"),
        (["benchmark", "wgan_gp", "--jit-compile", "1"], "--jit-compile"),
        (["benchmark", "wgan_gp", "nope"], "unknown method 'nope'"),
        (["benchmark", "wgan_gp", "--workers", "0"], "--workers"),
        (["evaluate", "missing.keras", "--data", "ring8"],
         "no such model file or preset: 'missing.keras' (presets: "),
        (["evaluate", "missing.keras"], "--data"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        code = cli.main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert message in err and "error:" in err and "Traceback" not in err


def test_evaluate_a_preset_by_name_and_by_directory(tmp_path, capsys):
    # A shipped preset, by name: scored on its own data as its card says
    # (within sampling noise: the latent draw differs between backends).
    assert cli.main(["evaluate", "regularized_gan_circle6", "--data",
                     "circle6"]) == 0
    row = capsys.readouterr().out.strip().splitlines()[-1]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:2] == ["RegularizedGAN", "circle6"]
    assert int(cells[2].split("/")[0]) >= 5 and float(cells[3][:-1]) >= 85.0

    # A preset directory, as `save_to_preset` writes it.
    from keras_modegan.models import VanillaGAN

    model = VanillaGAN.from_mlp(2, hidden_units=(8,))
    path = str(tmp_path / "tiny")
    model.save_to_preset(path, description="tiny")
    assert cli.main(["evaluate", path, "--data", "ring8", "--num-samples",
                     "64"]) == 0
    assert "| VanillaGAN | ring8 |" in capsys.readouterr().out


def test_list_shows_presets(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "Presets" in out
    for name in ("mode_penalty_gan_ring8", "regularized_gan_circle6",
                 "dist_gan_grid25"):
        assert name in out


def test_evaluate_rejects_wrong_dimension(tmp_path, capsys):
    from keras_modegan.models import VanillaGAN

    model = VanillaGAN.from_mlp(3, hidden_units=(8,))
    path = str(tmp_path / "m.keras")
    model.save(path)
    assert cli.main(["evaluate", path, "--data", "ring8"]) == 2
    err = capsys.readouterr().err
    assert "shape (3,)" in err and "2-D" in err and len(err.splitlines()) == 1


def test_subprocess_bad_method_exit_code():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, "-m", "keras_modegan.cli", "train", "bogus_gan",
         "--data", "ring8"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 2
    assert "unknown method 'bogus_gan'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.every_backend  # the backend's own path
def test_backend_flag_with_keras_loaded(capsys):
    """In one process Keras cannot switch backends: the same backend runs,
    another is a one-line error (the console script, `keras_modegan_cli`,
    sets the backend before Keras loads; tests/test_cli_reliability.py)."""
    current = keras.backend.backend()
    other = "jax" if current != "jax" else "torch"
    assert cli.main(["list", "--backend", current]) == 0
    assert "wgan_gp" in capsys.readouterr().out
    assert cli.main(["train", "wgan_gp", "--epochs", "1", "--backend", other]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"Keras is already loaded with the {current} backend" in err



# ----------------------------------------------------------------------
# Recipes (keras_modegan.recipes): the budget `train` uses without flags.


def _resolved(argv, capsys):
    args = cli.build_parser().parse_args(["train", *argv])
    recipe, overrides = cli._resolve_budget(args)
    return args, recipe, overrides, capsys.readouterr().out


def test_train_resolves_the_recipe_and_its_overrides(capsys):
    args, recipe, overrides, out = _resolved(["dist_gan", "--data", "grid25"],
                                             capsys)
    assert recipe["result"] == "zoo/dist_gan_grid25/metrics.json"
    assert overrides == {}
    assert (args.steps, args.epochs, args.steps_per_epoch, args.batch_size) == (
        6000, 20, 300, 128)
    assert out.startswith("Recipe cpu/dist_gan/grid25: 6000 steps at batch 128")
    assert "overridden" not in out and len(out.splitlines()) == 1

    args, recipe, _, _ = _resolved(
        ["mixture_density_gan", "--data", "ring8_mdgan", "--budget", "paper"], capsys)
    assert (args.steps, args.batch_size, recipe["lr_halve_every"]) == (20000, 500, 0.25)
    args, _, _, _ = _resolved(["mode_penalty_gan", "--data", "grid25_mp"], capsys)
    assert (args.steps, args.pretrain_epochs) == (60000, 3)
    # --epochs alone keeps its old meaning: epochs of 100 steps.
    args, _, overrides, out = _resolved(
        ["dist_gan", "--data", "grid25", "--epochs", "3"], capsys)
    assert (args.steps, args.epochs, args.steps_per_epoch) == (300, 3, 100)
    assert overrides == {"epochs": 3}
    assert out.strip().endswith("overridden by --epochs 3")
    # --steps: split into the epoch count closest to 20 that divides it.
    args, _, _, _ = _resolved(["dist_gan", "--data", "grid25", "--steps", "7"], capsys)
    assert (args.steps, args.epochs, args.steps_per_epoch) == (7, 7, 1)
    args, _, _, _ = _resolved(
        ["dist_gan", "--data", "grid25", "--steps", "90", "--epochs", "3"], capsys)
    assert (args.steps, args.epochs, args.steps_per_epoch) == (90, 3, 30)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "wgan_gp", "--budget", "gpu"], "--budget"),
        (["train", "wgan_gp", "--lr", "0"], "--lr"),
        (["train", "wgan_gp", "--steps", "0"], "--steps"),
        (["train", "wgan_gp", "--steps", "10", "--epochs", "3"],
         "--steps 10 is not a multiple of --epochs 3"),
        (["train", "wgan_gp", "--steps", "12", "--steps-per-epoch", "5"],
         "12 training steps are not a multiple of --steps-per-epoch 5"),
    ],
)
def test_bad_budget_arguments_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        raise SystemExit(cli.main(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert message in err and "error:" in err


def test_train_records_the_recipe_and_the_overrides(tmp_path, capsys):
    code = cli.main(["train", "vanilla_gan", "--data", "ring8", *TINY, "--lr",
                     "1e-3", "--quiet", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(
        "Recipe cpu/vanilla_gan/ring8: 1500 steps at batch 256")
    assert out.splitlines()[0].endswith(
        "overridden by --epochs 2, --steps-per-epoch 3, --batch-size 32, --lr 0.001")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["recipe"]["budget"] == "cpu"
    assert metrics["recipe"]["result"] == "benchmarks/results/baselines.md"
    assert metrics["recipe"]["reached"]["modes"] == 7.4
    assert metrics["overrides"] == {"epochs": 2, "steps_per_epoch": 3,
                                    "batch_size": 32, "lr": 1e-3}
    assert (metrics["steps"], metrics["batch_size"]) == (6, 32)
    assert metrics["optimizers"].endswith("initial learning rate 0.001")


def test_train_without_a_recipe_says_so_in_one_line(tmp_path, capsys):
    code = cli.main(["train", "wgan_gp", "--data", "circle6", "--steps", "2",
                     "--epochs", "1", "--batch-size", "16", "--quiet", "--out",
                     str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    said = [line for line in out.splitlines()
            if line.startswith(("No measured recipe", "Recipe "))]
    assert said == [
        "No measured recipe for wgan_gp on circle6 (budget cpu): the default, "
        "2000 steps at batch 256 with the method's compile() optimizers "
        "(`keras-modegan list` shows the pairs with a recipe)."
    ]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["recipe"] is None
    assert metrics["overrides"] == {"steps": 2, "epochs": 1, "batch_size": 16}
    assert (metrics["steps"], metrics["epochs"]) == (2, 1)


@pytest.mark.slow(seconds=64)  # CI, 2 workers
@pytest.mark.parametrize(
    "method, data",
    # The shortest recipe that reaches every mode (about 40 s on one idle
    # JAX core; see keras_modegan.recipes). The next one, dist_gan on
    # grid25, took 234 s of the CI's slow suite and adds nothing of the CLI
    # to this check: every recipe's figure is measured through this command
    # by benchmarks/recipes_cli.py (recipes_cli.md) and held to its result
    # file by test_recipes.py; Dist-GAN's coverage of a 25-mode grid by
    # test_dist_gan.py.
    [("mixture_density_gan", "ring8_mdgan")],
)
def test_train_with_no_budget_flags_reaches_every_mode(method, data, tmp_path):
    code = cli.main(["train", method, "--data", data, "--quiet", "--out",
                     str(tmp_path)])
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["recipe"]["method"] == method and metrics["overrides"] == {}
    num_modes = metrics["recipe"]["reached"]["num_modes"]
    assert metrics["modes"] == num_modes, metrics
