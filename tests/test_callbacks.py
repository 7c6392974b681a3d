import csv
import os

import keras
import numpy as np
import pytest

from keras_modegan.callbacks import (
    ModeCoverage,
    PeriodicScore,
    SamplePlot,
    plot_coverage_curves,
    plot_samples,
)
from keras_modegan.datasets import as_dataset, load_mixture
from keras_modegan.metrics import mode_coverage
from keras_modegan.models import VanillaGAN

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def tiny_model(data_dim=2):
    model = VanillaGAN.from_mlp(data_dim, hidden_units=(16,), seed=0)
    model.compile()
    return model


def assert_png(path):
    with open(path, "rb") as f:
        assert f.read(8) == PNG_MAGIC
    leftovers = [n for n in os.listdir(os.path.dirname(path)) if n.endswith(".tmp")]
    assert leftovers == []


def test_mode_coverage_feeds_keras_callbacks(tmp_path):
    x, spec = load_mixture("ring8", num_samples=256, seed=0)
    model = tiny_model()
    csv_path = tmp_path / "history.csv"
    ckpt_path = tmp_path / "best.keras"
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(ckpt_path), monitor="modes", mode="max", save_best_only=True
    )
    early = keras.callbacks.EarlyStopping(monitor="jsd", mode="min", patience=50)
    history = model.fit(
        as_dataset(x, 64),
        epochs=3,
        verbose=0,
        callbacks=[
            ModeCoverage(spec, num_samples=500),
            keras.callbacks.CSVLogger(str(csv_path)),
            checkpoint,
            early,
        ],
    )
    for key in ("modes", "hq", "jsd", "kl", "tv"):
        assert len(history.history[key]) == 3, key
    assert all(0 <= m <= 8 for m in history.history["modes"])
    # The last logged values are the model's current scores.
    final = mode_coverage(model.generate(500, seed=0), spec)
    assert history.history["modes"][-1] == final["modes"]
    assert history.history["jsd"][-1] == pytest.approx(final["jsd"])
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and {"modes", "hq", "jsd", "kl", "tv"} <= set(rows[0])
    assert float(rows[-1]["hq"]) == pytest.approx(history.history["hq"][-1])
    assert ckpt_path.exists()  # ModelCheckpoint saw `modes`
    assert checkpoint.best == max(history.history["modes"])
    assert early.best == pytest.approx(min(history.history["jsd"]))


def test_mode_coverage_every_n_epochs_carries_scores():
    x, spec = load_mixture("grid25", num_samples=128, seed=0)
    cb = ModeCoverage(spec, every_n_epochs=2, num_samples=200)
    calls = []
    score = cb.score

    def counting_score():
        calls.append(1)
        return score()

    cb.score = counting_score
    history = tiny_model().fit(
        as_dataset(x, 64), epochs=5, verbose=0, callbacks=[cb]
    )
    # Epoch 1 (first), 2 and 4 (every 2nd), 5 (last): 4 scorings, 5 rows.
    assert len(calls) == 4
    assert len(history.history["modes"]) == 5
    assert history.history["hq"][2] == history.history["hq"][1]


class _MeanSample(PeriodicScore):
    def score(self):
        samples = keras.ops.convert_to_numpy(self.model.generate(64, seed=0))
        return {"mean": float(np.mean(samples)), "unused": 0.0}

    def logged(self, result):
        return {"sample_mean": result["mean"]}


def test_periodic_score_is_the_base_of_a_user_metric(tmp_path):
    x, _ = load_mixture("ring8", num_samples=128, seed=0)
    model = tiny_model()
    cb = _MeanSample(every_n_epochs=3)
    log = tmp_path / "history.csv"
    history = model.fit(
        as_dataset(x, 64), epochs=4, verbose=0,
        callbacks=[cb, keras.callbacks.CSVLogger(str(log))],
    )
    # Scored after epochs 1 (first), 3 (every 3rd) and 4 (last).
    assert [h["epoch"] for h in cb.history] == [1, 3, 4]
    means = history.history["sample_mean"]
    assert len(means) == 4 and means[1] == means[0] and means[3] != means[2]
    final = float(np.mean(keras.ops.convert_to_numpy(model.generate(64, seed=0))))
    assert means[3] == pytest.approx(final, rel=1e-5, abs=1e-6)
    with open(log) as f:
        assert "sample_mean" in next(csv.reader(f))
    with pytest.raises(ValueError, match="every_n_epochs"):
        _MeanSample(every_n_epochs=0)
    with pytest.raises(NotImplementedError, match="score"):
        PeriodicScore().score()


def test_mode_coverage_bad_arguments():
    with pytest.raises(ValueError, match="every_n_epochs"):
        ModeCoverage("ring8", every_n_epochs=0)
    with pytest.raises(ValueError, match="num_samples"):
        ModeCoverage("ring8", num_samples=-5)
    with pytest.raises(ValueError, match="name"):
        ModeCoverage("ring7")


def test_sample_plot_writes_pngs(tmp_path):
    x, spec = load_mixture("ring8", num_samples=128, seed=0)
    latest = SamplePlot(str(tmp_path / "latest.png"), spec, num_samples=300)
    per_epoch = SamplePlot(
        str(tmp_path / "e{epoch:02d}.png"), spec, every_n_epochs=2,
        num_samples=300,
    )
    tiny_model().fit(
        as_dataset(x, 64), epochs=3, verbose=0,
        callbacks=[ModeCoverage(spec, num_samples=300), latest, per_epoch],
    )
    assert_png(str(tmp_path / "latest.png"))
    assert len(latest.written) == 3
    assert sorted(os.listdir(tmp_path)) == ["e02.png", "e03.png", "latest.png"]
    with pytest.raises(ValueError, match="every_n_epochs"):
        SamplePlot(str(tmp_path / "x.png"), spec, every_n_epochs=0)


def test_plot_samples_3d_and_atomic_overwrite(tmp_path):
    x, spec = load_mixture("cube27", num_samples=500, seed=0)
    path = str(tmp_path / "cube.png")
    plot_samples(x, spec, path)
    assert_png(path)
    first = os.path.getsize(path)
    plot_samples(x[:10], spec, path, title="again")
    assert_png(path)
    assert os.path.getsize(path) != first


def test_plot_samples_failure_leaves_nothing(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    path = str(tmp_path / "bad.png")
    plot_samples(np.zeros((10, 2)), "ring8", path)
    before = open(path, "rb").read()

    def half_write(self, f, **kwargs):
        f.write(PNG_MAGIC + b"half")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_write)
    with pytest.raises(OSError, match="disk full"):
        plot_samples(np.ones((10, 2)), "ring8", path)
    assert os.listdir(tmp_path) == ["bad.png"]  # no temporary file left
    assert open(path, "rb").read() == before  # the old picture is intact


def test_plot_coverage_curves(tmp_path):
    history = keras.callbacks.History()
    history.history = {"modes": [1, 4, 8], "hq": [0.1, 0.5, 0.9]}
    path = plot_coverage_curves(
        {"a": history, "b": {"modes": [2, 2], "hq": [0.3, 0.2]}},
        str(tmp_path / "sub" / "curves.png"),
    )
    assert_png(path)
    with pytest.raises(ValueError, match="metrics"):
        plot_coverage_curves({"a": {"loss": [1.0]}}, str(tmp_path / "x.png"))
    with pytest.raises(ValueError, match="histories"):
        plot_coverage_curves({}, str(tmp_path / "x.png"))
