"""The `keras-modegan` console script: the backend is chosen before Keras
is imported, in this one process.

`keras_modegan/__init__.py` imports Keras (and every model, so that saved
models load), and a backend cannot change once Keras is imported. This
module reads `--backend` from the command line and sets `KERAS_BACKEND`
first; it then parses the arguments with `keras_modegan.cli`'s parser
before the package's `__init__` runs, so that `--help` and bad flags
answer without loading Keras; then it runs the package's `__init__` and
`keras_modegan.cli.main` in this process. There is no child process: a
signal to the command reaches the training itself.

Run it as `keras-modegan ...` or `python -m keras_modegan_cli ...`.
"""

import importlib.util
import os
import sys

BACKENDS = ("tensorflow", "jax", "torch")


def _backend(argv):
    """The value of the last `--backend` flag in `argv` (also
    `--backend=NAME` and argparse's unambiguous prefixes), or None."""
    backend = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, eq, value = arg.partition("=")
        if len(name) > len("--b") and "--backend".startswith(name):
            if eq:
                backend = value
            elif i + 1 < len(argv):
                backend = argv[i + 1]
    return backend


def main(argv=None):
    """Runs `keras-modegan`; returns its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    backend = _backend(argv)
    if backend in BACKENDS and "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = backend
    if "keras_modegan" not in sys.modules:
        # The package without its __init__ yet: its parser needs no Keras.
        spec = importlib.util.find_spec("keras_modegan")
        package = importlib.util.module_from_spec(spec)
        sys.modules["keras_modegan"] = package
        try:
            from keras_modegan import cli

            cli.build_parser().parse_args(argv)  # --help, bad flags: exit here
            spec.loader.exec_module(package)  # Keras and the models
        except BaseException:
            for name in [n for n in sys.modules if n.split(".")[0] == "keras_modegan"]:
                del sys.modules[name]
            raise
    from keras_modegan import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
