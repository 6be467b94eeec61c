"""Test-wide settings: Qt renders offscreen and Keras runs on its torch CPU backend."""
import os

# Set before anything imports Qt or Keras: CI has no display and no TensorFlow.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")
