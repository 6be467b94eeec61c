"""File formats: the project file, run files, weight exports, ONNX and Keras code in and out."""
