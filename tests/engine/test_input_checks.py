"""Engine entry points refuse bad arguments with one clear NnvizError (issue 10, points 6, 11).

The CSV resource limits are tested against the real limits, with files generated here in
well under a second; the loads that once ran out of memory run in a child process under a
2 GB address-space cap.
"""
from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nnviz.data import datasets
from nnviz.engine.checks import ArgumentError
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.training import Stepper
from nnviz.errors import DatasetError, NnvizError

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 2 * 1024**3


def _model(units: int = 2, loss: str = "sparse_categorical_crossentropy") -> Sequential:
    activation = "softmax" if "categorical" in loss else "linear"
    model = Sequential([Dense(3, input_shape=(2,), activation="relu"),
                        Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    return model


X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("labels, shown", [
    ([0, 1, 2, 1], "label 2 (sample 2)"),
    ([0, 1, np.nan, 1], "label nan (sample 2)"),
    ([0, -1, 1, 1], "label -1 (sample 1)"),
    ([0, 0.5, 1, 1], "label 0.5 (sample 1)"),
])
def test_sparse_labels_out_of_range_nan_negative_or_fractional_are_refused(labels, shown):
    model = _model()
    before = model.get_weights()
    with pytest.raises(ArgumentError, match=re.escape(f"y holds the {shown}") + ".*from 0 to 1") as info:
        model.fit(X, np.array(labels), epochs=1)
    assert isinstance(info.value, NnvizError) and isinstance(info.value, ValueError)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    with pytest.raises(ArgumentError, match=re.escape(f"y holds the {shown}")):
        model.evaluate(X, np.array(labels))
    with pytest.raises(ArgumentError, match=re.escape(f"y holds the {shown}")):
        Stepper(model, X, np.array(labels), batch_size=2)


def test_sparse_labels_in_range_still_train():
    model = _model()
    history = model.fit(X, np.array([0, 1, 1, 0]), epochs=2, batch_size=2)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(model.evaluate(X, np.array([[0], [1], [1], [0]]))).all()


def test_a_column_of_labels_against_a_two_unit_softmax_with_categorical_ce_is_refused():
    model = _model(loss="categorical_crossentropy")
    with pytest.raises(ArgumentError, match=r"y has shape \(4, 1\).*one-hot row of 2 values"):
        model.fit(X, np.array([[0], [1], [1], [0]]), epochs=1)
    one_hot = np.eye(2)[[0, 1, 1, 0]]
    model.fit(X, one_hot, epochs=1)  # the right shape trains


def test_regression_targets_must_match_the_output_units():
    model = _model(units=2, loss="mse")
    with pytest.raises(ArgumentError, match=r"y has shape \(4,\).*2 units"):
        model.fit(X, np.zeros(4))
    with pytest.raises(ArgumentError, match=r"y holds inf \(sample 1\)"):
        model.fit(X, np.array([[0, 0], [np.inf, 0], [0, 0], [0, 0]]))


def test_non_finite_inputs_are_refused_naming_x():
    model = _model()
    x = X.copy()
    x[3, 1] = np.nan
    with pytest.raises(ArgumentError, match=r"x holds nan \(sample 3\)"):
        model.fit(x, np.array([0, 1, 1, 0]))


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "4", True])
def test_fit_refuses_the_batch_sizes_stepper_refuses(batch_size):
    model = _model()
    y = np.array([0, 1, 1, 0])
    with pytest.raises(ArgumentError, match="batch") as from_fit:
        model.fit(X, y, batch_size=batch_size)
    with pytest.raises(ArgumentError, match="batch") as from_stepper:
        Stepper(model, X, y, batch_size=batch_size)
    assert str(from_fit.value) == str(from_stepper.value)
    with pytest.raises(ArgumentError, match="batch"):
        model.evaluate(X, y, batch_size=batch_size)


def test_fit_without_batch_size_uses_32():
    model = _model()
    history = model.fit(X, np.array([0, 1, 1, 0]), epochs=1)
    assert len(history.history["loss"]) == 1


def test_huge_noise_is_refused_with_a_message_about_the_noise():
    with pytest.raises(DatasetError, match=r"noise 1e\+308 is so large") as info:
        datasets.load("xor", noise=1e308)
    assert "learning rate" not in str(info.value)
    with pytest.raises(DatasetError, match="noise"):
        datasets.load("sine", noise=1e308)
    assert np.isfinite(datasets.load("xor", noise=2.0).x_train).all()


# --------------------------------------------------------------------------- CSV


def test_a_regression_target_with_inf_is_refused_not_made_classes(tmp_path):
    path = tmp_path / "reg.csv"
    rows = [f"{i / 7:.4f},{i * 0.37:.3f}" for i in range(40)]
    rows.insert(20, "0.5,inf")
    path.write_text("x,price\n" + "\n".join(rows) + "\n")
    with pytest.raises(DatasetError, match=r"reg\.csv, line 22, column 'price': 'inf' is not a "
                                           r"finite number") as info:
        datasets.load_csv(path)
    assert info.value.line == 22 and info.value.column == "price"


def test_more_rows_than_the_limit_are_refused(tmp_path):
    path = tmp_path / "rows.csv"
    n = datasets.MAX_CSV_ROWS + 1
    path.write_text("a,b\n" + "1,0\n0,1\n" * (n // 2) + "1,1\n" * (n % 2))
    with pytest.raises(DatasetError, match=r"rows\.csv, line 100002: .*more than 100,000 rows"):
        datasets.load_csv(path)
    ok = tmp_path / "ok.csv"
    ok.write_text("a,b\n" + "1,0\n0,1\n" * (datasets.MAX_CSV_ROWS // 2))
    assert datasets.load_csv(ok, validation_split=0.0).n_samples == datasets.MAX_CSV_ROWS


def test_more_columns_than_the_limit_are_refused(tmp_path):
    path = tmp_path / "wide.csv"
    row = ",".join(["1"] * (datasets.MAX_CSV_COLUMNS + 1))
    path.write_text(row + "\n" + row + "\n")
    with pytest.raises(DatasetError, match=r"wide\.csv, line 1: the row has 4,097 values.*4,096"):
        datasets.load_csv(path)


def test_a_plain_csv_larger_than_the_byte_limit_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("a,b\n1,0\n0,1\n")
    with open(path, "ab") as handle:  # a sparse file: large on paper, nothing written
        handle.truncate(datasets.MAX_CSV_BYTES + 1)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(DatasetError, match=r"big\.csv is larger than 200 MB"):
        datasets.load_csv(path)


def _load_capped(code: str) -> subprocess.CompletedProcess:
    script = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
        from nnviz.data import datasets
        from nnviz.errors import DatasetError
        try:
            {code}
        except DatasetError as err:
            print("REFUSED:", err)
        else:
            print("LOADED")
    """)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_csv_gz_bomb_is_refused_under_a_memory_cap(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    chunk = b"a,b\n" + b"1,0\n0,1\n" * (1 << 17)  # 1 MB of lines
    member = gzip.compress(chunk, compresslevel=9)
    with open(path, "wb") as handle:  # 2,000 gzip members: 2 GB of text, a few MB of file
        for _ in range(2000):
            handle.write(member)
    assert path.stat().st_size < 10 * 1024**2
    done = _load_capped(f"datasets.load_csv({str(path)!r})")
    assert done.stdout.startswith("REFUSED:")
    assert "bomb.csv.gz decompresses to more than 200 MB" in done.stdout


def test_50000_distinct_labels_are_refused_before_one_hot_under_a_memory_cap(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("x,label\n" + "".join(f"{i % 7},name{i}\n" for i in range(50_000)))
    done = _load_capped(f"datasets.load_csv({str(path)!r})")
    assert done.stdout.startswith("REFUSED:")
    assert "labels.csv, column 'label': the target has 50,000 different classes" in done.stdout
    assert "at most 1,000" in done.stdout
