"""The error types nnviz raises on purpose.

Every message is written for a student: one sentence that says what is wrong and,
where it helps, where (file, line, column, layer) and what to do about it.
The window and the command line show ``str(error)`` as it is, never a traceback.
"""


class NnvizError(Exception):
    """Base class of every error nnviz raises on purpose."""


class DesignError(NnvizError):
    """The network design cannot be built or trained (no input, a cycle, a branch, ...)."""

    def __init__(self, message: str, layer_id: str | None = None):
        super().__init__(message)
        self.layer_id = layer_id


class DatasetError(NnvizError):
    """A data set cannot be loaded: a bad CSV, an unknown name, one class only, ...

    ``line`` (1-based, as an editor shows it) and ``column`` (a name or 1-based index)
    say where, when the problem has a place.
    """

    def __init__(self, message: str, line: int | None = None, column: str | int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class ProjectFileError(NnvizError):
    """A project or weights file cannot be read or written (malformed, newer version, ...)."""

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.path = path


class TrainingDiverged(NnvizError):
    """The loss or a weight became NaN or infinite; the last finite weights were kept."""

    def __init__(self, message: str, epoch: int | None = None, step: int | None = None):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
