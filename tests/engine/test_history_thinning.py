"""Issue 10.10b: a long run's per-batch history is thinned, oldest first, never dropped."""
import numpy as np

from nnviz.engine.training import MAX_BATCH_POINTS, BatchSeries, History, batch_positions
from nnviz.files.project import Project


def long_history(n, cap):
    h = History()
    h.batch_loss.max_points = cap
    h.batch_accuracy.max_points = cap
    for i in range(n):
        h.batch_loss.append(float(i))
        h.batch_accuracy.append(float(i) / n)
    return h


def test_default_cap():
    assert History().batch_loss.max_points == MAX_BATCH_POINTS == 200_000


def test_series_stay_bounded_and_recent_points_stay_one_per_batch():
    h = long_history(5000, cap=400)
    assert len(h.batch_loss) <= 400 and len(h.batch_accuracy) == len(h.batch_loss)
    assert h.batches() == 5000
    x = h.batch_x()
    assert x[-1] == 5000 and np.all(np.diff(x) > 0)
    # The newest points are the last batches themselves, not averages.
    assert list(h.batch_loss[-20:]) == [float(i) for i in range(4980, 5000)]
    assert np.array_equal(x[-20:], np.arange(4981, 5001))
    # Each thinned point is the mean of the batches it stands for: value i for batch i+1.
    strides = h.batch_loss.strides()
    assert strides[0] > strides[-1] == 1
    assert np.allclose(np.array(h.batch_loss), x - (strides + 1) / 2)


def test_a_thinned_history_survives_copy_and_the_project_file(tmp_path):
    h = long_history(3000, cap=300)
    c = h.copy()
    assert np.array_equal(c.batch_x(), h.batch_x())
    c.batch_loss.append(1.0)
    assert len(h.batch_loss) == len(c.batch_loss) - 1  # its own list
    again = History.from_dict(h.to_dict())
    assert np.array_equal(again.batch_x(), h.batch_x())
    assert list(again.batch_loss) == list(h.batch_loss)
    project = Project.lecture_example()
    project.history = h.to_dict()
    project.save(tmp_path / "long.nnviz")
    loaded = Project.load(tmp_path / "long.nnviz")
    assert np.array_equal(History.from_dict(loaded.history).batch_x(), h.batch_x())


def test_assigned_and_sliced_lists_become_series():
    h = History()
    h.batch_loss = [1.0, 2.0]
    assert isinstance(h.batch_loss, BatchSeries)
    thinned = long_history(1000, cap=100).batch_loss
    head = thinned[:10]
    assert isinstance(head, BatchSeries)
    assert np.array_equal(head.x(), thinned.x()[:10])


def test_positions_without_thinning_are_one_per_batch():
    assert np.array_equal(batch_positions(4), [1, 2, 3, 4])
    assert np.array_equal(batch_positions(4, [(4, 2)]), [4, 8, 9, 10])
