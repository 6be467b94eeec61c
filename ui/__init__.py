"""The Qt view of nnviz: the designer window, its canvas, docks and dialogs.

``from ui import MainWindow`` gives the window. It is looked up lazily so that importing
one part of the view (``ui.canvas``, ``ui.theme``) does not pull in the whole window.
"""

__all__ = ["MainWindow"]


def __getattr__(name: str):
    if name == "MainWindow":
        from ui.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
