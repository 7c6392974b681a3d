import json
import os
import sys

import numpy as np

from keras_modegan.datasets import load_mixture
from keras_modegan.metrics import mode_coverage
from keras_modegan.models import AdversarialModel, ModePenaltyGAN

ZOO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo")
sys.path.insert(0, ZOO)
import build_presets  # noqa: E402


def test_recipes_name_known_methods_and_data():
    from keras_modegan.datasets import MIXTURES
    from keras_modegan.models import METHODS

    for name, recipe in build_presets.RECIPES.items():
        assert recipe["method"] in METHODS, name
        assert recipe["data"] in MIXTURES, name
        assert name.startswith(recipe["method"]), name


def test_build_writes_a_loadable_preset_with_its_card(tmp_path, monkeypatch):
    # A tiny recipe of the kind that needs both extras: a pretraining step
    # and the benchmark's optimizer instead of `compile()`'s.
    monkeypatch.setitem(
        build_presets.RECIPES,
        "tiny_mode_penalty",
        dict(
            method="mode_penalty_gan",
            data="ring8_mp",
            steps=4,
            batch_size=64,
            pretrain_epochs=1,
            adam=dict(learning_rate=1e-3, beta_1=0.5),
            lr_end=1e-5,
        ),
    )
    build_presets.build("tiny_mode_penalty", out_dir=str(tmp_path))
    path = os.path.join(str(tmp_path), "tiny_mode_penalty")
    assert sorted(os.listdir(path)) == [
        "config.json",
        "metrics.json",
        "model.weights.h5",
        "model_card.md",
    ]
    with open(os.path.join(path, "metrics.json")) as f:
        recorded = json.load(f)
    with open(os.path.join(path, "model_card.md")) as f:
        card = f.read()
    assert "`pretrain(x, batch_size=64)` (1 epochs)" in card
    assert "Adam(learning rate 0.001 along a cosine to 1e-05, beta_1 0.5)" in card
    assert f"| {recorded['modes']}/8 |" in card

    model = AdversarialModel.from_preset(path)
    assert isinstance(model, ModePenaltyGAN)
    # The target modes were saved: the loaded model can go on training.
    assert float(np.asarray(model.pretrained)) == 1.0
    _, spec = load_mixture("ring8_mp", num_samples=1)
    measured = mode_coverage(model.generate(spec.num_eval_samples, seed=0), spec)
    # Same backend, same seed: the card's numbers exactly.
    assert measured["modes"] == recorded["modes"]
    assert measured["registered"] == recorded["registered"]
