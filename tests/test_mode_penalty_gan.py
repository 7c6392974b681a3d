import keras
import numpy as np
import pytest
from keras import ops

from keras_modegan.losses import mode_matching
from keras_modegan.models import METHODS, ModePenaltyGAN, VanillaGAN
from keras_modegan.networks import mlp
from tests.helpers import (
    assert_config_round_trip,
    assert_save_load_round_trip,
    run_fit_smoke,
    toy_data,
)

NUM_MODES = 16


def _model(**kwargs):
    kwargs.setdefault("num_modes", NUM_MODES)
    kwargs.setdefault("history_length", 3)
    kwargs.setdefault("seed", 1)
    return ModePenaltyGAN(
        mlp(2, 2, hidden_units=(16, 16)),
        mlp(2, 1, hidden_units=(16, 16)),
        mlp(2, 2, hidden_units=(16,)),
        mlp(2, 2, hidden_units=(16,)),
        latent_dim=2,
        **kwargs,
    )


def _pretrained(**kwargs):
    # Target modes from the (untrained) encoder: `pretrain` is tested once.
    model = _model(**kwargs)
    model.set_target_modes(toy_data(256))
    return model


def _np(x):
    return ops.convert_to_numpy(x)


# ----------------------------------------------------------------------
# Direct NumPy references.


def _ref_matching(gen, modes):
    centroid = modes.mean(axis=0)
    order = np.argsort(-((gen - centroid) ** 2).sum(-1), kind="stable")
    taken = np.zeros(len(modes), bool)
    assignment = np.zeros(len(gen), int)
    for j in order:
        d = ((modes - gen[j]) ** 2).sum(-1)
        d[taken] = np.inf
        assignment[j] = int(np.argmin(d))
        taken[assignment[j]] = True
    return assignment


def _ref_distances(gen, modes, assignment):
    return np.sqrt(((gen - modes[assignment]) ** 2).sum(-1))


def _random_points(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in shapes]


def test_greedy_matching_matches_numpy():
    for seed, (m, n) in enumerate([(12, 12), (9, 20), (1, 3)]):
        gen, modes = _random_points(seed, (m, 2), (n, 2))
        got = _np(mode_matching.greedy_mode_matching(gen, modes))
        np.testing.assert_array_equal(got, _ref_matching(gen, modes))
        assert len(set(got.tolist())) == m


def test_greedy_matching_matches_numpy_on_clustered_and_half_inputs():
    # 25 tight clusters, fewer samples than modes, as in the 2-D protocol.
    rng = np.random.default_rng(7)
    centers = rng.uniform(-4, 4, size=(25, 2))
    gen = centers[rng.integers(25, size=300)] + 0.05 * rng.normal(size=(300, 2))
    modes = centers[rng.integers(25, size=320)] + 0.05 * rng.normal(size=(320, 2))
    gen, modes = gen.astype("float32"), modes.astype("float32")
    got = _np(mode_matching.greedy_mode_matching(gen, modes))
    np.testing.assert_array_equal(got, _ref_matching(gen, modes))
    # float16 inputs are matched in float32 (the result is indices only).
    gen16, modes16 = gen.astype("float16"), modes.astype("float16")
    got = _np(mode_matching.greedy_mode_matching(gen16, modes16))
    np.testing.assert_array_equal(
        got, _ref_matching(gen16.astype("float32"), modes16.astype("float32"))
    )


def test_greedy_matching_furthest_sample_first():
    # The sample furthest from the modes' centroid (2.0) chooses first and
    # takes the mode at 4; the other, though nearer to 4, gets the mode at 0.
    modes = np.array([[0.0, 0.0], [4.0, 0.0]], "float32")
    gen = np.array([[3.0, 0.0], [3.5, 0.0]], "float32")
    np.testing.assert_array_equal(
        _np(mode_matching.greedy_mode_matching(gen, modes)), [0, 1]
    )


def test_greedy_matching_bad_sizes():
    gen, modes = _random_points(0, (5, 2), (4, 2))
    with pytest.raises(ValueError, match="at least as many modes"):
        mode_matching.greedy_mode_matching(gen, modes)


def test_matching_is_jit_compatible():
    import tensorflow as tf  # only here: a tf.data / tf.function check
    gen, modes = _random_points(3, (10, 2), (10, 2))
    fn = tf.function(mode_matching.greedy_mode_matching)
    if keras.backend.backend() == "jax":
        import jax

        fn = jax.jit(mode_matching.greedy_mode_matching)
    if keras.backend.backend() == "tensorflow":
        gen, modes = tf.constant(gen), tf.constant(modes)
    if keras.backend.backend() in ("jax", "tensorflow"):
        np.testing.assert_array_equal(
            _np(fn(gen, modes)), _ref_matching(np.asarray(gen), np.asarray(modes))
        )


def test_mode_distance_and_weights_match_numpy():
    gen, modes = _random_points(5, (6, 2), (6, 2))
    assignment = _ref_matching(gen, modes)
    weights = np.linspace(0.5, 2.0, 6).astype("float32")
    dist = _ref_distances(gen, modes, assignment)
    np.testing.assert_allclose(
        _np(mode_matching.mode_distance(gen, modes, assignment, weights)),
        np.mean(weights[assignment] * dist),
        rtol=1e-5,
    )
    per_mode = np.zeros(6)
    per_mode[assignment] = dist
    np.testing.assert_allclose(
        _np(mode_matching.distances_per_mode(dist.astype("float32"), assignment, 6)),
        per_mode,
        rtol=1e-6,
    )


def test_penalty_weights_are_the_mean_of_the_last_k_steps():
    k, n = 3, 4
    rng = np.random.default_rng(0)
    history = np.zeros((k, n), "float32")
    seen = []
    for step in range(7):
        current = rng.uniform(size=n).astype("float32")
        seen.append(current)
        weights, history = mode_matching.penalty_weights(
            history, current, np.int32(step), k
        )
        history = _np(history)
        np.testing.assert_allclose(
            _np(weights), np.mean(seen[-k:], axis=0), rtol=1e-5
        )


def test_coverage_fraction_matches_numpy():
    gen, modes = _random_points(7, (20, 2), (10, 2))
    d = np.sqrt(((modes[:, None] - gen[None]) ** 2).sum(-1)).min(axis=1)
    np.testing.assert_allclose(
        _np(mode_matching.mode_coverage_fraction(gen, modes, 0.3)),
        np.mean(d <= 0.3),
    )


def test_mode_extraction():
    codes = toy_data(300)
    modes = mode_matching.extract_modes(codes, 8, "kmeans", seed=0)
    assert modes.shape == (8, 2)
    # Both clusters of the toy data get centroids near their centres.
    assert (modes[:, 0] < 0).any() and (modes[:, 0] > 0).any()
    assert np.all(np.abs(np.abs(modes) - 1.0) < 0.3)
    sampled = mode_matching.extract_modes(codes, 8, "sample", seed=0)
    assert all(any(np.allclose(s, c) for c in codes) for s in sampled)
    with pytest.raises(ValueError, match="`mode_extraction` must be one of"):
        mode_matching.extract_modes(codes, 8, "kde")


# ----------------------------------------------------------------------
# The model.


def test_model_penalty_step_matches_numpy():
    model = _pretrained()
    modes = _np(model.target_modes)
    assert modes.shape == (NUM_MODES, 2) and np.abs(modes).sum() > 0
    codes, = _random_points(11, (NUM_MODES, 2))
    history = np.random.default_rng(1).uniform(size=(3, NUM_MODES)).astype("float32")
    model.distance_history.assign(history)
    model.penalty_steps.assign(4)
    assignment, weights, new_history, coverage = model.match_modes(codes)
    ref = _ref_matching(codes, modes)
    np.testing.assert_array_equal(_np(assignment), ref)
    per_mode = np.zeros(NUM_MODES)
    per_mode[ref] = _ref_distances(codes, modes, ref)
    expected_history = history.copy()
    expected_history[4 % 3] = per_mode  # ring-buffer slot of step 4
    np.testing.assert_allclose(_np(new_history), expected_history, rtol=1e-5)
    np.testing.assert_allclose(_np(weights), expected_history.mean(0), rtol=1e-5)
    radius = float(_np(model.radius))
    nearest = np.sqrt(((modes[:, None] - codes[None]) ** 2).sum(-1)).min(axis=1)
    np.testing.assert_allclose(_np(coverage), np.mean(nearest <= radius))

    unweighted = _pretrained(use_penalty_weights=False)
    np.testing.assert_array_equal(_np(unweighted.match_modes(codes)[1]), 1.0)


def test_pretrain_sets_modes_and_radius():
    model = _model()
    x = toy_data(256)
    history = model.pretrain(x, epochs=2, batch_size=64)
    assert len(history.history["loss"]) == 2
    assert float(_np(model.pretrained)) == 1.0
    assert float(_np(model.radius)) > 0.0
    raw = _np(model.encoder(x))
    scale = np.sqrt(np.mean(np.sum((raw - raw.mean(0)) ** 2, -1)))
    np.testing.assert_allclose(float(_np(model.code_scale)), scale, rtol=1e-5)
    codes = _np(model.encode(x))
    np.testing.assert_allclose(codes, raw / scale, rtol=1e-5)
    modes = _np(model.target_modes)
    # Every target mode is a centroid of encoded real data.
    assert modes.min() >= codes.min() - 1e-5 and modes.max() <= codes.max() + 1e-5
    fixed = _model(coverage_radius=0.25, normalize_codes=False)
    fixed.set_target_modes(x)
    np.testing.assert_allclose(float(_np(fixed.radius)), 0.25)
    assert float(_np(fixed.code_scale)) == 1.0


def test_penalty_does_not_depend_on_the_code_scale():
    # The same encoder with its codes multiplied by 10: the normalized
    # penalty is unchanged; on raw codes, distances grow 10 times.
    x = toy_data(256)
    encoder = mlp(2, 2, hidden_units=(16,))
    scaled = keras.Sequential([encoder, keras.layers.Rescaling(10.0)])
    generator = mlp(2, 2, hidden_units=(16, 16))
    samples = generator(keras.random.normal((NUM_MODES, 2), seed=3))
    results = {}
    for normalize in (True, False):
        for name, enc in (("x1", encoder), ("x10", scaled)):
            model = ModePenaltyGAN(
                generator,
                mlp(2, 1, hidden_units=(16, 16)),
                enc,
                mlp(2, 2, hidden_units=(16,)),
                latent_dim=2,
                num_modes=NUM_MODES,
                normalize_codes=normalize,
                seed=1,
            )
            model.set_target_modes(x)
            codes = model.encode(samples)
            assignment, weights, _, coverage = model.match_modes(codes)
            distance = mode_matching.mode_distance(
                codes, model.target_modes, assignment, weights
            )
            results[normalize, name] = (_np(assignment), float(_np(distance)))
            results[normalize, name, "cover"] = float(_np(coverage))
    np.testing.assert_array_equal(results[True, "x1"][0], results[True, "x10"][0])
    np.testing.assert_allclose(results[True, "x10"][1], results[True, "x1"][1], 1e-4)
    # Eq. 2 times Eq. 3: 100 times larger on raw codes scaled by 10.
    np.testing.assert_allclose(
        results[False, "x10"][1], 100 * results[False, "x1"][1], rtol=1e-4
    )
    assert results[True, "x1", "cover"] == results[True, "x10", "cover"]


def test_fit_steps_update_the_penalty_state():
    import tensorflow as tf  # only here: a tf.data / tf.function check
    model = _pretrained(coverage_threshold=float("inf"), d_steps=2)
    ds = tf.data.Dataset.from_tensor_slices(toy_data(256)).batch(64)
    history = run_fit_smoke(model, ds, epochs=2)
    assert isinstance(model, VanillaGAN)
    assert int(_np(model.penalty_steps)) == 8
    assert np.all(_np(model.distance_history) > 0)
    assert history.history["penalty_active"] == [1.0, 1.0]
    assert all(v > 0 for v in history.history["mode_distance"])


def test_penalty_switches_off_once_modes_are_covered():
    # A huge radius covers every mode at every step; the switch-off waits
    # for a full window of history_length=3 steps.
    model = _pretrained(coverage_radius=1e3)
    history = run_fit_smoke(model, toy_data(256), batch_size=64, epochs=2)
    assert float(_np(model.penalty_active)) == 0.0
    assert int(_np(model.penalty_steps)) == 3  # frozen after the third step
    assert history.history["coverage"] == [1.0, 1.0]
    # The logged flag is the one in force during each step (epoch means):
    # on for 3 of the first epoch's 4 steps, off throughout the second.
    np.testing.assert_allclose(history.history["penalty_active"], [0.75, 0.0])
    assert history.history["mode_distance"][1] == 0.0


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="jit_compile=True means torch.compile under torch; the docstring's "
    "advice is for TensorFlow on CPU, where Keras turns XLA off by default",
)
def test_penalty_state_under_xla():
    # The matching loop, the conds and the state updates compile with XLA
    # (`compile(jit_compile=True)`, which the docstring advises for
    # TensorFlow on CPU) and switch the penalty off as without it.
    model = _pretrained(coverage_radius=1e3)
    model.compile(jit_compile=True)
    assert model.jit_compile
    history = run_fit_smoke(model, toy_data(256), batch_size=64, epochs=2)
    assert float(_np(model.penalty_active)) == 0.0
    assert int(_np(model.penalty_steps)) == 3
    np.testing.assert_allclose(history.history["penalty_active"], [0.75, 0.0])


def test_one_covered_step_does_not_switch_the_penalty_off():
    # A full window of uncovered steps, then steps that cover every mode:
    # the mean coverage of the last 3 steps reaches 1 only at the third.
    model = _pretrained(coverage_radius=1e3)
    model.penalty_steps.assign(10)
    np.testing.assert_array_equal(_np(model.coverage_history), np.zeros((3, 1)))
    history = run_fit_smoke(model, toy_data(128), batch_size=64, epochs=2)
    assert history.history["penalty_active"] == [1.0, 0.5]
    assert int(_np(model.penalty_steps)) == 13
    assert float(_np(model.penalty_active)) == 0.0
    np.testing.assert_array_equal(_np(model.coverage_history), np.ones((3, 1)))


def test_switch_off_with_and_without_generator_state():
    # After the switch-off the penalty's pass in the generator's loss is a
    # cond branch for a stateless generator; a generator with batch norm
    # keeps the unconditional pass (its statistics cannot be updated inside
    # a cond under JAX). Both train, log Dist = 0 once off, and the bn one
    # updates its statistics.
    for bn in (False, True):
        layers = [keras.Input((2,)), keras.layers.Dense(16)]
        if bn:
            layers.append(keras.layers.BatchNormalization())
        layers += [keras.layers.ReLU(), keras.layers.Dense(2)]
        generator = keras.Sequential(layers)
        model = ModePenaltyGAN(
            generator,
            mlp(2, 1, hidden_units=(16,)),
            mlp(2, 2, hidden_units=(16,)),
            mlp(2, 2, hidden_units=(16,)),
            latent_dim=2,
            num_modes=NUM_MODES,
            history_length=3,
            coverage_radius=1e3,
            seed=0,
        )
        model.set_target_modes(toy_data(256))
        before = [_np(v).copy() for v in generator.variables]
        history = run_fit_smoke(model, toy_data(256), batch_size=64, epochs=2)
        assert history.history["mode_distance"][0] > 0.0
        assert history.history["mode_distance"][1] == 0.0
        assert float(_np(model.penalty_active)) == 0.0
        after = [_np(v) for v in generator.variables]
        # Every weight trained, and with bn the moving statistics moved.
        assert not any(np.allclose(b, a) for b, a in zip(before, after)), bn


def test_fit_requires_pretrain():
    model = _model()
    model.compile()
    with pytest.raises(ValueError, match="call `pretrain"):
        model.fit(toy_data(64), batch_size=32, verbose=0)


def test_config_and_save_load(tmp_path):
    model = _pretrained(
        penalty_weight=2.0,
        history_length=4,
        use_penalty_weights=False,
        coverage_threshold=0.9,
        mode_extraction="sample",
        normalize_codes=False,
        latent_prior="uniform",
    )
    run_fit_smoke(model, toy_data(128), batch_size=64)
    clone = assert_config_round_trip(model)
    assert clone.num_modes == NUM_MODES and clone.history_length == 4
    assert clone.mode_extraction == "sample" and not clone.use_penalty_weights
    assert clone.normalize_codes is False
    loaded = assert_save_load_round_trip(model, tmp_path)
    for name in (
        "target_modes",
        "radius",
        "pretrained",
        "distance_history",
        "coverage_history",
        "code_scale",
        "penalty_steps",
        "penalty_active",
    ):
        np.testing.assert_array_equal(
            _np(getattr(loaded, name)), _np(getattr(model, name))
        )
    assert int(_np(loaded.penalty_steps)) == 2
    np.testing.assert_array_equal(
        _np(loaded.encoder(toy_data(8))), _np(model.encoder(toy_data(8)))
    )
    run_fit_smoke(loaded, toy_data(128), batch_size=64)
    assert int(_np(loaded.penalty_steps)) == 4


def test_registry_and_from_mlp():
    assert METHODS["mode_penalty_gan"] is ModePenaltyGAN
    model = ModePenaltyGAN.from_mlp(3, code_dim=2, num_modes=8)
    assert model.data_shape == (3,) and model.code_dim == 2
    assert len(model.discriminator.layers[0].hidden_units) == 2
    assert model.target_modes.shape == (8, 2)


def test_bad_arguments():
    for kwargs, message in [
        ({"num_modes": 0}, "`num_modes` must be a positive integer"),
        ({"history_length": 1.5}, "`history_length` must be a positive integer"),
        ({"penalty_weight": -1.0}, "`penalty_weight` must be a float >= 0"),
        ({"coverage_threshold": 0.0}, "`coverage_threshold` must be a float > 0"),
        ({"coverage_radius": -0.1}, "`coverage_radius` must be a positive float"),
        ({"mode_extraction": "kde"}, "`mode_extraction` must be one of"),
        ({"normalize_codes": "yes"}, "`normalize_codes` must be True or False"),
        ({"loss": "wgan"}, "`loss` must be one of"),
    ]:
        with pytest.raises(ValueError, match=message):
            _model(**kwargs)
    with pytest.raises(ValueError, match="`encoder` must be a Keras model"):
        ModePenaltyGAN(mlp(2, 2), mlp(2, 1), "enc", mlp(2, 2), latent_dim=2)
    model = _model()
    with pytest.raises(ValueError, match="at least `num_modes`"):
        model.set_target_modes(toy_data(4))
    with pytest.raises(ValueError, match="must have samples of shape"):
        model.pretrain(toy_data(64, dim=3))
    # An encoder that maps every sample to the same code cannot be normalized.
    zeros = keras.layers.Dense(2, kernel_initializer="zeros")
    constant = ModePenaltyGAN(
        mlp(2, 2),
        mlp(2, 1),
        keras.Sequential([keras.Input((2,)), zeros]),
        mlp(2, 2),
        latent_dim=2,
        num_modes=NUM_MODES,
    )
    with pytest.raises(ValueError, match="same code.*normalize_codes=False"):
        constant.set_target_modes(toy_data(64))


@pytest.mark.slow(seconds=185)  # CI, 2 workers
def test_quality_ring8():
    from keras_modegan.datasets import load_mixture
    from keras_modegan.metrics import mode_coverage

    x, spec = load_mixture("ring8_mp", seed=0)
    model = ModePenaltyGAN.from_mlp(2, seed=0)
    model.pretrain(x, epochs=3, batch_size=256)
    # Adam(1e-3, beta_1=0.5) decayed along a cosine to 1e-5 (the protocol
    # of benchmarks/results/mode_penalty_gan_cosine.md): the penalty finds
    # the modes, switches off, and the plain GAN steps then sharpen them.
    # 150 epochs of 79 steps (11,850; the table's 12,000, where seeds 0-2
    # give 8/8 modes and hq 0.92-0.95, VanillaGAN 0, 0 and 8 modes).
    epochs = 150
    steps = epochs * -(-len(x) // 256)
    model.compile(
        optimizers={
            name: keras.optimizers.Adam(
                keras.optimizers.schedules.CosineDecay(1e-3, steps, alpha=0.01),
                beta_1=0.5,
            )
            for name in ("generator", "discriminator")
        }
    )
    history = model.fit(x, batch_size=256, epochs=epochs, verbose=0)
    assert history.history["penalty_active"][-1] == 0.0  # switched off
    scores = mode_coverage(model.generate(spec.num_eval_samples, seed=0), spec)
    assert scores["modes"] == 8, scores
    assert scores["hq"] > 0.7, scores
