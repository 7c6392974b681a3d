"""Writes a DistGAN .keras file with the code before optimizers were keyed
by update (one optimizer per player, the group tracking model weights)."""
import sys

import keras
import numpy as np

from keras_modegan.models import DistGAN
from keras_modegan.networks import mlp

keras.utils.set_random_seed(0)
model = DistGAN(
    encoder=mlp(2, 2, (4,), name="encoder"),
    generator=mlp(2, 2, (4,), name="generator"),
    discriminator=mlp(2, 1, (4,), name="discriminator"),
    latent_dim=2, lambda_r=0.1, lambda_p=0.1, d_steps=1, seed=0,
)
model.compile()
x = np.random.default_rng(0).standard_normal((32, 2)).astype("float32")
model.fit(x, batch_size=16, epochs=1, verbose=0, shuffle=False)
model.save(sys.argv[1])
state = {f"{name}_{i}": keras.ops.convert_to_numpy(v.value)
         for name, opt in model.optimizer.players.items()
         for i, v in enumerate(opt.variables)}
np.savez(sys.argv[2], **state)
print(len(model.optimizer.variables), sorted(model.optimizer.players))
