"""Test-wide settings: Qt renders offscreen and Keras runs on its JAX CPU backend.

JAX's public wheels are CPU-only and small (torch's default wheel is the CUDA build, several
GB), and with x64 enabled Keras computes in float64, which the 1e-6 reference tests need.
Subprocesses the tests start (the generated Keras code) inherit both settings.
"""
import os

# Set before anything imports Qt, Keras or JAX: CI has no display and no TensorFlow.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_ENABLE_X64", "1")
# JAX warns once that it found no GPU or TPU; on a CPU-only machine that is the point.
os.environ.setdefault("JAX_PLATFORMS", "cpu")


def pytest_report_header(config):
    """The versions this run tests with (CI installs today's, in a fresh environment)."""
    from importlib import metadata

    names = ("numpy", "PySide6-Essentials", "pyqtgraph", "psygnal", "h5py", "onnx",
             "onnxruntime", "keras", "jax", "jaxlib", "pytest", "pytest-qt", "hypothesis")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return "nnviz tests with: " + ", ".join(found)
