"""The Confusion Matrix dock: live while training, the model's own answers, none for regression."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar

from nnviz.analysis.confusion import confusion
from nnviz.files.project import DatasetSpec, Project

pytestmark = pytest.mark.window(size=(1400, 900))


def show_confusion_tab(qtbot, window):
    """Click the "Confusion Matrix" tab of the right column's docks."""
    for bar in window.findChildren(QTabBar):
        titles = [bar.tabText(i) for i in range(bar.count())]
        if "Confusion Matrix" in titles and bar.isVisible():
            rect = bar.tabRect(titles.index("Confusion Matrix"))
            qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=rect.center())
            break
    else:
        raise AssertionError("no tab for the confusion matrix")
    qtbot.waitUntil(lambda: window.confusion.shown(), timeout=3000)
    return window.confusion


def expected(window):
    """The matrices of the session's model's predictions on the run's data now."""
    stepper = window.session.stepper
    model = stepper.model
    return (confusion(stepper.y, model.predict(stepper.x), 2).matrix,
            confusion(stepper.y_val, model.predict(stepper.x_val), 2).matrix)


def test_the_matrix_follows_training_and_ends_on_the_model_s_predictions(qtbot, make_window):
    project = Project.lecture_example()
    project.training.epochs = 100_000  # still training when the matrix first changes
    window = make_window(project)
    view = show_confusion_tab(qtbot, window)
    qtbot.waitUntil(lambda: view.results["train"] is not None, timeout=3000)
    first_train = view.train_table.values().copy()
    first_val = view.val_table.values().copy()
    assert first_train.sum() == 160 and first_val.sum() == 40
    assert np.array_equal(first_train, expected(window)[0])
    qtbot.mouseClick(window.training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not np.array_equal(view.train_table.values(), first_train),
                    timeout=20000)
    assert window.session.training  # it changed while training ran
    qtbot.mouseClick(window.training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.training, timeout=10000)
    train, val = expected(window)
    qtbot.waitUntil(lambda: np.array_equal(view.train_table.values(), train)
                    and np.array_equal(view.val_table.values(), val), timeout=5000)
    # Per-class accuracy: the diagonal over the row, as the table writes it.
    k = 2
    for r in range(k):
        share = train[r, r] / train[r].sum()
        assert view.train_table.item(r, k).text() == f"{share:.0%}"
    right = int(np.trace(train))
    assert view.train_title.text().startswith(f"Training: {right} of 160 right")


def test_regression_has_no_matrix_and_says_why_in_one_line(qtbot, window):
    view = show_confusion_tab(qtbot, window)
    assert view.train_table.isVisible()
    window.session.set_dataset(DatasetSpec("sine", {"n_samples": 100, "noise": 0.1,
                                                    "seed": 0, "validation_split": 0.2}))
    assert view.note.isVisible()
    assert not view.train_table.isVisible() and not view.val_table.isVisible()
    assert "regression" in view.note.text() and "\n" not in view.note.text()
    window.undo_stack.undo()  # back to the circles: the matrices return
    assert view.train_table.isVisible() and not view.note.isVisible()
