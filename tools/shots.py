"""What the screenshot scripts in this folder share."""
from __future__ import annotations


def step(training, kind: str, times: int = 1) -> None:
    """``times`` steps of ``kind`` on a window's TrainingController.

    A step runs on the GUI thread and draws its frame before it returns, so there is
    nothing to wait for; a step that draws nothing (no run can be built) stops the script.
    """
    for _ in range(times):
        before = training.frames
        training.step(kind)
        if training.frames == before:
            raise SystemExit(f"The {kind} step drew no frame: {training.panel.message.text()}")
