"""The only backend-specific code in keras-modegan.

Everything a GAN method needs from a backend is here: the gradient of a
loss with respect to some variables (`value_and_grad`), the gradient of a
network's output with respect to its input, differentiable so that it can
enter a loss (`input_gradient`, for gradient penalties), and the wrapper
that lets a stateful-looking `train_step(data)` (and `test_step(data)`) run
under the JAX trainer's stateless `(state, data) -> (logs, state)` contract
(`stateless_train_step`, `stateless_test_step`), an optimizer update that
also works for a `LossScaleOptimizer` inside that scope (`apply_optimizer`),
and what a step needs to know under `tf.distribute` (`replica_context`).

The JAX route follows keras-team/keras#18881: the whole step runs inside a
`keras.StatelessScope` mapping every variable to the value the trainer
threads in, so `variable.assign` (optimizer updates, metric updates,
seed-generator steps, batch-norm statistics) is recorded in the scope and
read back into the new state. No private Keras trainer method is touched.
"""

import contextlib
import functools

import keras
from keras import ops, tree

BACKEND = keras.backend.backend()


def _split_loss(out):
    """`loss_fn` returns a scalar loss, or a `(loss, aux)` tuple."""
    return (out[0], out) if isinstance(out, tuple) else (out, out)


def value_and_grad(loss_fn, variables, context_variables):
    """Evaluates `loss_fn()` and its gradient with respect to `variables`.

    Args:
        loss_fn: callable with no arguments returning a scalar loss or a
            `(loss, aux)` tuple whose `aux` is any nest of tensors.
        variables: the `keras.Variable`s to differentiate with respect to.
        context_variables: callable returning every variable `loss_fn` may
            read or assign (the model's `variables`). Only JAX calls it.

    Returns:
        `(out, grads)`: what `loss_fn` returned (no longer attached to the
        graph) and one gradient per variable (zeros where unused).
    """
    if BACKEND == "jax":
        return _jax_value_and_grad(loss_fn, variables, context_variables)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            out = loss_fn()
        grads = tape.gradient(_split_loss(out)[0], variables)
        out = tree.map_structure(tf.stop_gradient, out)
    elif BACKEND == "torch":
        import torch

        out = loss_fn()
        grads = torch.autograd.grad(
            _split_loss(out)[0],
            [v.value for v in variables],
            allow_unused=True,
        )
        out = tree.map_structure(lambda t: t.detach(), out)
    else:
        raise NotImplementedError(f"Unsupported Keras backend: {BACKEND}")
    grads = [
        ops.zeros_like(v.value) if g is None else g for g, v in zip(grads, variables)
    ]
    return out, grads


def _jax_value_and_grad(loss_fn, variables, context_variables):
    import jax

    # Values as the enclosing scope (the step's StatelessScope) sees them.
    wrt = {id(v) for v in variables}
    context = [(v, v.value) for v in context_variables() if id(v) not in wrt]
    updated = []  # filled once, while JAX traces `pure_loss`

    def pure_loss(values):
        mapping = context + list(zip(variables, values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            out = loss_fn()
        # State the loss assigned (batch-norm statistics, seed generators).
        new_values = []
        for v, x in context:
            new = scope.get_current_value(v)
            if new is not None and new is not x:
                updated.append(v)
                new_values.append(new)
        return _split_loss(out)[0], (out, new_values)

    grad_fn = jax.value_and_grad(pure_loss, has_aux=True)
    (_, (out, new_values)), grads = grad_fn([v.value for v in variables])
    for v, x in zip(updated, new_values):
        v.assign(x)
    return out, grads


def input_gradient(fn, x):
    """Gradient of `sum(fn(x))` with respect to `x`, itself differentiable.

    Used for gradient penalties: the result can enter a loss that is then
    differentiated with respect to the network's weights.

    `fn` may assign state (batch norm in training mode updates its moving
    statistics): under JAX the assignments made inside the inner trace are
    carried out of it and applied to the enclosing scope, as TensorFlow and
    PyTorch apply them directly.

    Args:
        fn: callable mapping a batch `x` to one score per sample.
        x: the input batch.

    Returns:
        A tensor shaped like `x`.
    """
    if BACKEND == "jax":
        return _jax_input_gradient(fn, x)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            y = ops.sum(fn(x))
        return tape.gradient(y, x)
    if BACKEND == "torch":
        import torch

        # Also where the trainer turned autograd off (`evaluate` runs
        # `test_step` under `torch.no_grad()`).
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            y = ops.sum(fn(x))
            return torch.autograd.grad(y, x, create_graph=True)[0]
    raise NotImplementedError(f"Unsupported Keras backend: {BACKEND}")


def _jax_input_gradient(fn, x):
    import jax
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    outer = get_stateless_scope()
    if outer is None:  # eager call outside a step: nothing can leak
        return jax.grad(lambda x_: ops.sum(fn(x_)))(x)
    # Reads inside the inner trace see the values of the enclosing scope;
    # what `fn` assigns there is returned as auxiliary output and assigned
    # in the enclosing scope, outside the inner trace.
    before = dict(outer.state_mapping)

    def total(x_):
        with keras.StatelessScope() as scope:
            scope.state_mapping = dict(before)
            y = ops.sum(fn(x_))
        changed = {
            key: value
            for key, value in scope.state_mapping.items()
            if before.get(key) is not value
        }
        return y, changed

    grads, changed = jax.grad(total, has_aux=True)(x)
    # What `variable.assign` does in a stateless scope, in the outer one.
    outer.state_mapping.update(changed)
    return grads


def no_grad():
    """Context for applying updates outside the autograd graph (torch)."""
    if BACKEND == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()


def _stateless_step(step, groups_of):
    """`step(model, data) -> logs` as a JAX trainer step `(state, data) ->
    (logs, new_state)`, where `groups_of(model)` lists the variable groups
    the trainer's `state` holds, in its order."""
    if BACKEND != "jax":
        return step

    @functools.wraps(step)
    def wrapper(model, *args):
        if len(args) == 1:
            return step(model, args[0])
        state, data = args
        groups = groups_of(model)
        mapping = [(v, x) for vs, xs in zip(groups, state) for v, x in zip(vs, xs)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = step(model, data)
        new_state = tuple([scope.get_current_value(v) for v in vs] for vs in groups)
        return logs, new_state

    return wrapper


def stateless_train_step(step):
    """Makes `step(model, data) -> logs` fit the JAX trainer's contract.

    Under TensorFlow and PyTorch the trainer calls `train_step(data)` and
    `step` is returned unchanged. Under JAX the trainer calls
    `train_step(state, data)` and expects `(logs, new_state)`; the wrapper
    runs `step` inside a `keras.StatelessScope` that maps every variable to
    its value in `state` and collects the new values. A call with `data`
    alone (e.g. `super().train_step(data)` from a subclass) runs `step`
    directly.
    """
    return _stateless_step(
        step,
        lambda model: (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
            model.metrics_variables,
        ),
    )


def stateless_test_step(step):
    """Makes `step(model, data) -> logs` fit the JAX trainer's `test_step`.

    As `stateless_train_step`, for the trainer's `test_step(state, data)`
    whose state is `(trainable, non_trainable, metrics)` variables (no
    optimizer variables: evaluation updates no weights).
    """
    return _stateless_step(
        step,
        lambda model: (
            model.trainable_variables,
            model.non_trainable_variables,
            model.metrics_variables,
        ),
    )


def apply_optimizer(optimizer, grads, variables):
    """`optimizer.apply(grads, variables)`, also for a `LossScaleOptimizer`
    inside a JAX step.

    A `LossScaleOptimizer` branches (`ops.cond`) on whether the gradients
    are finite; under JAX the branches are traced, so assignments made
    inside them would leak. There it goes through `stateless_apply`, whose
    branches return values, and the results are assigned after the branch.
    """
    if BACKEND == "jax" and isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        new_values, new_optimizer_values = optimizer.stateless_apply(
            [v.value for v in optimizer.variables],
            grads,
            [v.value for v in variables],
        )
        for v, x in zip(variables, new_values):
            v.assign(x)
        for v, x in zip(optimizer.variables, new_optimizer_values):
            v.assign(x)
        return
    optimizer.apply(grads, variables)


def replica_context():
    """`(replica_id, num_replicas)` of the step being traced.

    Under `tf.distribute` (e.g. `MirroredStrategy`) each replica runs the
    step on its slice of the global batch: `replica_id` is a scalar tensor,
    `num_replicas` an int. Everywhere else (one device, or JAX's
    `keras.distribution`, whose step is one program over the global batch)
    it is `(0, 1)`.
    """
    if BACKEND == "tensorflow":
        import tensorflow as tf

        count = tf.distribute.get_strategy().num_replicas_in_sync
        if count > 1 and not tf.distribute.in_cross_replica_context():
            context = tf.distribute.get_replica_context()
            return context.replica_id_in_sync_group, count
    return 0, 1


def global_mean(x):
    """The mean of all of `x`'s values over the *global* batch.

    Under `tf.distribute` each replica holds its slice of the batch: its
    own mean, averaged over the replicas (`all_reduce`, differentiable; the
    slices have equal sizes), is the global batch's mean, so a loss that is
    a nonlinear function of batch means (Dist-GAN's L_W) is the one-device
    loss on every replica. Everywhere else `keras.ops.mean(x)`.
    """
    mean = ops.mean(x)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        _, count = replica_context()
        if count > 1:
            return tf.distribute.get_replica_context().all_reduce(
                tf.distribute.ReduceOp.MEAN, mean
            )
    return mean


def draw_for_replica(draw, shape):
    """Draws `shape` random values, the replica's slice of a global draw.

    Under `tf.distribute` every replica holds the same seed state: drawing
    `shape` on each would give every replica the same values. Here each
    draws the values of the global batch (`num_replicas * shape[0]` rows,
    what one device training on the global batch would draw) and keeps its
    own rows, so the replicas' draws differ and together equal the single
    device's.

    Args:
        draw: callable mapping a shape to a random tensor (it advances the
            seed generator once).
        shape: tuple, `shape[0]` the replica's batch size.

    Returns:
        A tensor of `shape`.
    """
    replica, count = replica_context()
    if count == 1:
        return draw(shape)
    batch = shape[0]
    rows = draw((batch * count,) + tuple(shape[1:]))
    rows = ops.reshape(rows, (count, batch) + tuple(shape[1:]))
    return ops.take(rows, replica, axis=0)


def check_distribution():
    """Raises a clear error where this backend cannot train the zoo on
    several devices with the distribution the user set.

    `keras.distribution` (`DataParallel`, `ModelParallel`) is JAX's; Keras
    3.15 ships no `keras.distribution` for PyTorch (and `fit` has no
    multi-device route under PyTorch at all), and under TensorFlow the
    zoo's multi-device route is `tf.distribute` (`MirroredStrategy`).
    """
    distribution = keras.distribution.distribution()
    if distribution is None or BACKEND == "jax":
        return
    if BACKEND == "torch":
        raise ValueError(
            f"`keras.distribution` ({type(distribution).__name__}) is not "
            "supported under the PyTorch backend: Keras 3.15 has no "
            "multi-device `fit` for PyTorch. Train on several devices with "
            "KERAS_BACKEND=jax (keras.distribution.DataParallel) or "
            "KERAS_BACKEND=tensorflow (tf.distribute.MirroredStrategy)."
        )
    raise ValueError(
        f"`keras.distribution` ({type(distribution).__name__}) is JAX's "
        "route to several devices. Under TensorFlow, build and compile the "
        "model inside `tf.distribute.MirroredStrategy().scope()` instead "
        "(see docs/multi_device.md)."
    )


def set_data_parallel():
    """Trains on every local accelerator (or CPU device) from now on, each
    device taking its share of every global batch.

    JAX: `keras.distribution.set_distribution(DataParallel())`.
    TensorFlow: `tf.distribute.MirroredStrategy()` as the default strategy
    (models built and compiled afterwards mirror their variables).
    PyTorch: a `ValueError` (Keras 3.15 has no multi-device `fit` there).

    Call it before building the model. Returns the number of devices.
    """
    if BACKEND == "jax":
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices)
        )
        return len(devices)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
        tf.distribute.experimental_set_strategy(strategy)
        return strategy.num_replicas_in_sync
    raise ValueError(
        f"Data-parallel training is not supported under the {BACKEND} "
        "backend: Keras 3.15 has no multi-device `fit` for it. Use "
        "--backend jax (keras.distribution.DataParallel) or --backend "
        "tensorflow (tf.distribute.MirroredStrategy)."
    )
