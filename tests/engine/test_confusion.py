"""The confusion matrix and per-class accuracy, checked against values worked out by hand."""
import numpy as np
import pytest

from nnviz.analysis.confusion import (
    class_labels,
    confusion,
    confusion_matrix,
    confusion_of_model,
    per_class_accuracy,
)
from nnviz.session.session import Session


def test_three_classes_by_hand():
    # true:      0 0 0 1 1 2 2 2 2
    # predicted: 0 1 0 1 1 2 0 2 1
    t = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    p = [0, 1, 0, 1, 1, 2, 0, 2, 1]
    m = confusion_matrix(t, p, 3)
    assert m.tolist() == [[2, 1, 0],
                          [0, 2, 0],
                          [1, 1, 2]]
    assert per_class_accuracy(m).tolist() == [2 / 3, 1.0, 0.5]


def test_one_hot_targets_and_softmax_outputs():
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], float)
    out = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.7, 0.3], [0.1, 0.9]])
    c = confusion(y, out, 2)
    assert c.matrix.tolist() == [[1, 1], [1, 2]]
    assert c.per_class.tolist() == [0.5, 2 / 3]
    assert c.accuracy == 3 / 5 and c.samples == 5


def test_one_unit_outputs_split_at_one_half_or_at_zero_for_plus_minus_one_targets():
    y01 = np.array([[0], [0], [1], [1]], float)
    sig = np.array([[0.2], [0.7], [0.51], [0.49]])
    assert confusion(y01, sig, 2).matrix.tolist() == [[1, 1], [1, 1]]
    ypm = np.array([[-1], [-1], [1], [1]], float)
    tanh = np.array([[-0.2], [-0.9], [0.3], [-0.1]])
    assert confusion(ypm, tanh, 2).matrix.tolist() == [[2, 0], [1, 1]]


def test_integer_labels_and_a_class_without_samples():
    assert class_labels(np.array([[2], [0], [1]], float)).tolist() == [2, 0, 1]
    m = confusion_matrix([0, 0, 2], [0, 2, 2], 3)
    acc = per_class_accuracy(m)
    assert acc[0] == 0.5 and np.isnan(acc[1]) and acc[2] == 1.0


def test_labels_out_of_range_are_refused():
    with pytest.raises(ValueError, match="outside 0..1"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(ValueError, match="3 true labels but 2"):
        confusion_matrix([0, 1, 1], [0, 1], 2)


def test_a_model_s_matrix_counts_its_predictions():
    session = Session()
    session.train(5)
    data = session.dataset()
    c = confusion_of_model(session.model, data.x_train, data.y_train, 2)
    assert c.samples == len(data.x_train)
    predicted = session.model.predict(data.x_train).argmax(1)
    truth = data.y_train.argmax(1)
    assert c.matrix[1, 0] == np.count_nonzero((truth == 1) & (predicted == 0))
    # The overall accuracy is the metric's (Keras's evaluate).
    acc = session.model.evaluate(data.x_train, data.y_train, return_dict=True)["accuracy"]
    assert c.accuracy == pytest.approx(acc, abs=1e-12)
