"""`keras-modegan evaluate MODEL --data mnist --metrics fid,kid,prdc`.

Scores a generator's images against a real image dataset's split with
`keras_modegan.metrics.image_metrics`; the real side's statistics are
computed once per (dataset, split, feature extractor) and cached
(`reference_statistics`). Prints one JSON object: the metrics and what they
were measured with (feature extractor, sample counts, reference split).
"""

import json
import os

METRIC_CHOICES = ("fid", "kid", "prdc")


def parse_metrics(text):
    """`"fid,kid"` -> `("fid", "kid")`; raises ValueError for other names."""
    names = tuple(m.strip() for m in str(text).split(",") if m.strip())
    bad = [m for m in names if m not in METRIC_CHOICES]
    if not names or bad:
        raise ValueError(
            f"--metrics must be a comma-separated list of {', '.join(METRIC_CHOICES)}"
            f" (received {text!r})"
        )
    return names


def evaluate_image_quality(args, model, usage_error):
    """Runs the command; `usage_error(message)` makes the CLI's error."""
    from keras_modegan.datasets.images import IMAGE_DATASETS

    try:
        metrics = parse_metrics(args.metrics)
    except ValueError as error:
        raise usage_error(str(error)) from None
    if args.data not in IMAGE_DATASETS:
        raise usage_error(
            f"--metrics needs an image dataset as --data; choose from: "
            f"{', '.join(sorted(IMAGE_DATASETS))}"
        )
    if not hasattr(model, "generate"):
        raise usage_error(f"{args.model!r} is not a keras-modegan model")
    shape = tuple(IMAGE_DATASETS[args.data][1])
    model_shape = tuple(getattr(model, "data_shape", ()))
    if model_shape != shape:
        raise usage_error(
            f"the model generates samples of shape {model_shape}, dataset "
            f"{args.data!r} has {shape} images"
        )
    import keras

    from keras_modegan.metrics import (
        as_feature_extractor,
        image_metrics,
        reference_statistics,
    )

    features = args.features
    if os.path.isfile(features):
        features = keras.saving.load_model(features)
    try:
        extractor = as_feature_extractor(features)
    except (ValueError, OSError) as error:
        raise usage_error(f"--features {args.features!r}: {error}") from None
    real = reference_statistics(args.data, args.split, extractor,
                                verbose=0 if args.quiet_metrics else 1)
    num = args.num_samples or min(real.count, 10000)
    result = image_metrics(
        real, model, metrics, extractor, num_generated=num, seed=args.seed,
        kid_subset_size=1000, verbose=0 if args.quiet_metrics else 1,
    )
    result["model"] = args.model
    print(json.dumps(result, indent=2))
    return 0
