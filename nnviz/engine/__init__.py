"""The Keras-shaped engine: layers, activations, losses, optimizers, models and the stepping trainer."""
