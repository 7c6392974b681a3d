"""The only backend-specific code in keras-modegan.

Everything a GAN method needs from a backend is here: the gradient of a
loss with respect to some variables (`value_and_grad`), the gradient of a
network's output with respect to its input, differentiable so that it can
enter a loss (`input_gradient`, for gradient penalties), and the wrapper
that lets a stateful-looking `train_step(data)` run under the JAX trainer's
stateless `(state, data) -> (logs, state)` contract (`stateless_train_step`).

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

    `fn` must not assign state (no batch norm in training mode): under JAX
    an assignment inside the inner trace would leak it.

    Args:
        fn: callable mapping a batch `x` to one score per sample.
        x: the input batch.

    Returns:
        A tensor shaped like `x`.
    """
    if BACKEND == "jax":
        import jax

        def total(x_):
            return ops.sum(fn(x_))

        return jax.grad(total)(x)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            y = ops.sum(fn(x))
        return tape.gradient(y, x)
    if BACKEND == "torch":
        import torch

        x = x.detach().requires_grad_(True)
        y = ops.sum(fn(x))
        return torch.autograd.grad(y, x, create_graph=True)[0]
    raise NotImplementedError(f"Unsupported Keras backend: {BACKEND}")


def no_grad():
    """Context for applying updates outside the autograd graph (torch)."""
    if BACKEND == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()


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
    if BACKEND != "jax":
        return step

    @functools.wraps(step)
    def wrapper(model, *args):
        if len(args) == 1:
            return step(model, args[0])
        state, data = args
        groups = (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
            model.metrics_variables,
        )
        mapping = [(v, x) for vs, xs in zip(groups, state) for v, x in zip(vs, xs)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = step(model, data)
        new_state = tuple([scope.get_current_value(v) for v in vs] for vs in groups)
        return logs, new_state

    return wrapper
