"""nnviz.data.datasets: the generated sets, the bundled ones, and the CSV loader and its errors."""

import gzip
import json

import numpy as np
import pytest

from nnviz.data import datasets
from nnviz.errors import DatasetError

# From the registry, so a new data set is tested here without editing this file.
ALL = datasets.names()
GENERATED = [info.name for info in datasets.DATASETS.values() if info.generator]
BUNDLED = [info.name for info in datasets.DATASETS.values() if info.bundled]
TWO_CLASS = [name for name in GENERATED if datasets.get(name).classes == 2]


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the built-in sets ---------------------------------------------------------------


def test_builtin_lists_every_name_of_the_interface():
    assert set(datasets.DATASETS) >= {"xor", "circles", "two_gaussians", "spiral", "moons",
                                      "sine", "plane", "iris", "digits"}
    assert sorted(GENERATED + BUNDLED) == sorted(ALL)  # each set is made one way or the other


@pytest.mark.parametrize("name", ALL)
def test_each_registered_set_is_what_its_record_says(name):
    info = datasets.get(name)
    assert info.name == name and info.title and info.description
    assert (info.generator is None) == bool(info.bundled) == (info.noise is None)
    if info.bundled:
        assert (datasets.DATA_DIR / info.bundled).is_file()
    ds = datasets.load(name)
    assert ds.task == info.task and ds.description == info.description
    assert len(ds.class_names) == info.classes
    assert ds.n_targets == (info.classes or 1)
    assert datasets.get(f"  {name.upper()} ") is info


@pytest.mark.parametrize("name", GENERATED)
def test_generated_sets_have_the_documented_shapes(name):
    ds = datasets.load(name, n_samples=200, noise=0.1, seed=0, validation_split=0.2)
    assert ds.name == name
    assert ds.x.shape == (200, ds.n_features) and ds.x.dtype == np.float64
    assert ds.y.dtype == np.float64
    assert ds.x_train.shape == (160, ds.n_features) and ds.x_val.shape == (40, ds.n_features)
    assert ds.y_train.shape == (160, ds.n_targets) and ds.y_val.shape == (40, ds.n_targets)
    assert len(ds.feature_names) == ds.n_features
    if name in TWO_CLASS:
        assert ds.task == "classification" and ds.n_features == 2
        assert ds.n_targets == 2 and len(ds.class_names) == 2
    else:
        assert ds.task == "regression" and ds.n_targets == 1 and ds.class_names == []
        assert ds.y.shape == (200, 1)


@pytest.mark.parametrize("name", TWO_CLASS)
def test_two_class_targets_are_one_hot_and_balanced(name):
    ds = datasets.load(name, n_samples=201, seed=3)
    assert set(np.unique(ds.y)) == {0.0, 1.0}
    np.testing.assert_array_equal(ds.y.sum(axis=1), np.ones(201))
    np.testing.assert_array_equal(ds.labels, np.argmax(ds.y, axis=1))
    assert sorted(np.bincount(ds.labels)) == [100, 101]


@pytest.mark.parametrize("name", ["two_gaussians", "moons"])
@pytest.mark.parametrize("noise", [0.1, 0.2])
def test_lecture_defaults_have_inputs_in_about_minus_two_to_two(name, noise):
    ds = datasets.load(name, n_samples=200, noise=noise, seed=0)
    assert np.all(np.abs(ds.x) < 2.8)
    assert np.percentile(np.abs(ds.x), 95) < 2.0


def test_two_gaussians_are_separated_by_the_diagonal_at_lecture_noise():
    ds = datasets.load("two_gaussians", n_samples=200, noise=0.2, seed=0)
    predicted = (ds.x[:, 0] + ds.x[:, 1] > 0).astype(int)
    assert np.mean(predicted == ds.labels) > 0.97


def test_generated_sets_follow_their_formulas_without_noise():
    xor = datasets.load("xor", noise=0.0)
    np.testing.assert_array_equal(xor.labels, (xor.x[:, 0] * xor.x[:, 1] < 0).astype(int))
    circles = datasets.load("circles", noise=0.0)
    radius = np.hypot(circles.x[:, 0], circles.x[:, 1])
    np.testing.assert_allclose(radius[circles.labels == 0], 1.5)
    np.testing.assert_allclose(radius[circles.labels == 1], 0.6)
    sine = datasets.load("sine", noise=0.0)
    np.testing.assert_allclose(sine.y, np.sin(sine.x))
    assert np.all(np.abs(sine.x) <= np.pi)
    plane = datasets.load("plane", noise=0.0)
    np.testing.assert_allclose(plane.y[:, 0], 0.8 * plane.x[:, 0] - 0.5 * plane.x[:, 1] + 0.3)


def test_more_noise_moves_the_same_points_further():
    quiet = datasets.load("moons", noise=0.0, seed=5)
    noisy = datasets.load("moons", noise=0.2, seed=5)
    np.testing.assert_array_equal(quiet.y, noisy.y)
    np.testing.assert_array_equal(quiet.train_index, noisy.train_index)
    shift = np.abs(noisy.x - quiet.x)
    assert 0.05 < shift.mean() < 0.3


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_data_other_seed_other_data(name):
    n = 100
    a = datasets.load(name, n_samples=n, seed=7)
    b = datasets.load(name, n_samples=n, seed=7)
    c = datasets.load(name, n_samples=n, seed=8)
    for field in ("x", "y", "x_train", "y_train", "x_val", "y_val"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize(
    ("n", "split", "n_val"),
    [(200, 0.2, 40), (200, 0.0, 0), (201, 0.5, 100), (10, 0.01, 1), (4, 0.9, 3), (150, 0.25, 38)],
)
def test_split_sizes(n, split, n_val):
    ds = datasets.load("xor", n_samples=n, validation_split=split)
    assert ds.n_val == n_val and ds.n_train == n - n_val
    assert ds.x_val.shape == (n_val, 2) and ds.y_val.shape == (n_val, 2)
    every = np.sort(np.concatenate([ds.train_index, ds.val_index]))
    np.testing.assert_array_equal(every, np.arange(n))
    np.testing.assert_array_equal(ds.x_train, ds.x[ds.train_index])
    np.testing.assert_array_equal(ds.y_val, ds.y[ds.val_index])


def test_split_is_shuffled_so_validation_holds_both_classes():
    # x lists class 0 first; an unshuffled split would put only class 1 in validation
    ds = datasets.load("moons", n_samples=200, validation_split=0.2, seed=0)
    assert set(np.argmax(ds.y_val, axis=1)) == {0, 1}
    assert not np.array_equal(ds.train_index, np.arange(160))


@pytest.mark.parametrize("name", ["spiral", "sine", "iris"])
def test_name_and_params_recreate_the_data_set(name):
    ds = datasets.load(name, seed=4, validation_split=0.3, standardize=True)
    again = datasets.load(ds.name, **json.loads(json.dumps(ds.params)))
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    np.testing.assert_array_equal(again.y_val, ds.y_val)
    assert again.params == ds.params


@pytest.mark.parametrize("name", ALL)
def test_default_params_load(name):
    params = datasets.default_params(name)
    assert ("noise" in params) == (name in GENERATED)
    ds = datasets.load(name, **params)
    assert ds.params == params or name in GENERATED


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"name": "mnist"}, "no data set called 'mnist'"),
        ({"name": "moons", "noise": -0.1}, "noise must be"),
        ({"name": "moons", "n_samples": 3}, "at least 4"),
        ({"name": "moons", "n_samples": 2.5}, "whole number"),
        ({"name": "moons", "validation_split": 1.0}, "validation split"),
        ({"name": "moons", "seed": -1}, "seed"),
        ({"name": "iris", "noise": 0.1}, "measured data"),
        ({"name": "iris", "n_samples": 151}, "at most 150"),
        ({"name": "moons", "target": "x"}, "does not know"),
    ],
)
def test_bad_parameters_raise_a_dataset_error(kwargs, phrase):
    with pytest.raises(DatasetError, match=phrase):
        datasets.load(**kwargs)


def test_iris_is_bundled_with_names():
    ds = datasets.load("iris", validation_split=0.2)
    assert ds.x.shape == (150, 4) and ds.y.shape == (150, 3)
    assert ds.feature_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(np.bincount(ds.labels), [50, 50, 50])
    np.testing.assert_allclose(ds.x[0], [5.1, 3.5, 1.4, 0.2])
    assert ds.n_train == 120 and ds.n_val == 30
    assert repr(ds) == (
        "<Dataset 'iris': classification, 150 samples (120 train, 30 validation), "
        "4 inputs, 3 classes>"
    )


def test_digits_are_bundled_as_8x8_images_scaled_to_one():
    ds = datasets.load("digits")
    assert ds.x.shape == (1797, 64) and ds.y.shape == (1797, 10)
    assert ds.class_names == [str(d) for d in range(10)]
    assert ds.x.min() == 0.0 and ds.x.max() == 1.0
    assert ds.feature_names[0] == "pixel_0_0" and ds.feature_names[-1] == "pixel_7_7"
    # the first image of the UCI test set is a zero
    assert ds.labels[0] == 0 and ds.x[0, 2] == 5 / 16


def test_bundled_sets_can_be_subsampled_and_are_not_shared():
    small = datasets.load("digits", n_samples=100, seed=1)
    assert small.x.shape == (100, 64)
    full = datasets.load("iris")
    full.x[:] = 0.0  # a caller scribbling on its copy must not change the next load
    assert datasets.load("iris").x[0, 0] == 5.1


def test_bundled_iris_file_reads_the_same_through_load_csv():
    ds = datasets.load_csv(datasets.DATA_DIR / "iris.csv", target="species")
    np.testing.assert_array_equal(ds.x, datasets.load("iris").x)
    assert ds.label == "iris.csv"


def test_regression_has_no_labels():
    with pytest.raises(DatasetError, match="regression"):
        _ = datasets.load("sine").labels


# --- CSV files -------------------------------------------------------------------------

IRIS_LIKE = """sepal_length,sepal_width,petal_width,species
5.1,3.5,0.2,setosa
4.9,3.0,0.2,setosa
7.0,3.2,1.4,versicolor
6.4,3.2,1.5,versicolor
6.3,3.3,2.5,virginica
5.8,2.7,1.9,virginica
"""


def test_csv_with_header_and_class_labels(tmp_path):
    ds = datasets.load_csv(write(tmp_path, IRIS_LIKE), validation_split=0.5, seed=1)
    assert ds.params["header"] is True
    assert ds.task == "classification"
    assert ds.feature_names == ["sepal_length", "sepal_width", "petal_width"]
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert ds.x.shape == (6, 3) and ds.y.shape == (6, 3)
    np.testing.assert_array_equal(ds.labels, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(ds.y[2], [0.0, 1.0, 0.0])
    assert ds.n_train == 3 and ds.n_val == 3
    assert ds.name == "csv" and ds.label == "data.csv"


def test_csv_without_header_is_detected(tmp_path):
    ds = datasets.load_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,1\n"))
    assert ds.params["header"] is False
    assert ds.x.shape == (3, 2)
    assert ds.feature_names == ["x1", "x2"]
    assert ds.class_names == ["0", "1"]


def test_header_detection_sees_past_a_missing_value_in_the_second_row(tmp_path):
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(write(tmp_path, "a,b,label\n,2,x\n1,2,y\n"))
    assert error.value.line == 2 and error.value.column == "a"


def test_header_false_makes_the_names_data(tmp_path):
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(write(tmp_path, IRIS_LIKE), header=False)
    assert error.value.line == 1 and error.value.column == 1
    assert "'sepal_length' is not a number" in str(error.value)


@pytest.mark.parametrize(
    ("target", "features", "target_column"),
    [
        ("species", ["sepal_length", "sepal_width", "petal_width"], "species"),
        (-1, ["sepal_length", "sepal_width", "petal_width"], "species"),
        (3, ["sepal_length", "sepal_width", "petal_width"], "species"),
        ("petal_width", ["sepal_length", "sepal_width", "species"], "petal_width"),
        (0, ["sepal_width", "petal_width", "species"], "sepal_length"),
        ("2", ["sepal_length", "sepal_width", "species"], "petal_width"),
        (-2, ["sepal_length", "sepal_width", "species"], "petal_width"),
    ],
)
def test_target_by_name_or_index(tmp_path, target, features, target_column):
    text = IRIS_LIKE.replace("setosa", "1").replace("versicolor", "2").replace("virginica", "3")
    ds = datasets.load_csv(write(tmp_path, text), target=target, task="regression")
    assert ds.feature_names == features
    assert ds.target_names == [target_column]
    assert ds.y.shape == (6, 1)


def test_numeric_targets_become_classes_or_a_regression(tmp_path):
    classes = datasets.load_csv(write(tmp_path, "x,y\n1,2\n2,10\n3,2.0\n4,10\n"))
    assert classes.task == "classification"
    assert classes.class_names == ["2", "10"]  # numeric order, 2.0 is class 2
    np.testing.assert_array_equal(classes.labels, [0, 1, 0, 1])
    values = datasets.load_csv(write(tmp_path, "x,y\n1,0.5\n2,1.5\n3,2.25\n", "r.csv"))
    assert values.task == "regression"
    np.testing.assert_array_equal(values.y[:, 0], [0.5, 1.5, 2.25])
    forced = datasets.load_csv(tmp_path / "data.csv", task="regression")
    assert forced.task == "regression" and forced.y.shape == (4, 1)


def test_csv_semicolons_bom_comments_blank_lines_and_gzip(tmp_path):
    text = "\ufeff# measured on Monday\na;b;class\n\n1,5;2;x\n3;4;y\n\n5;6;x\n"
    path = tmp_path / "semi.csv"
    path.write_text(text.replace("1,5", "1.5"), encoding="utf-8")
    ds = datasets.load_csv(path, target="class")
    assert ds.feature_names == ["a", "b"] and ds.x.shape == (3, 2)
    assert ds.params["delimiter"] == ";"
    packed = tmp_path / "packed.csv.gz"
    packed.write_bytes(gzip.compress(IRIS_LIKE.encode()))
    assert datasets.load_csv(packed).x.shape == (6, 3)


def test_error_lines_count_blank_and_comment_lines(tmp_path):
    text = "a,b,label\n# note\n1,2,x\n\n3,oops,y\n"
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(write(tmp_path, text))
    assert error.value.line == 5 and error.value.column == "b"


def test_standardize_gives_mean_zero_and_std_one_on_the_training_samples(tmp_path):
    rng = np.random.default_rng(0)
    raw = np.column_stack([rng.normal(50, 10, 40), rng.normal(-3, 0.1, 40), np.full(40, 7.0)])
    labels = np.arange(40) % 2
    rows = [",".join(repr(float(v)) for v in r) + f",{k}" for r, k in zip(raw, labels, strict=True)]
    lines = ["a,b,c,label", *rows]
    path = write(tmp_path, "\n".join(lines) + "\n")
    ds = datasets.load_csv(path, standardize=True, validation_split=0.25, seed=2)
    np.testing.assert_allclose(ds.x_train[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.x_train[:, :2].std(axis=0), 1.0)
    np.testing.assert_array_equal(ds.x[:, 2], 0.0)  # a constant column stays finite
    # validation samples use the training statistics, and so does transform()
    np.testing.assert_allclose(ds.x_val, (raw[ds.val_index] - ds.feature_mean) / ds.feature_std)
    np.testing.assert_allclose(ds.transform(raw[:3]), ds.x[:3])
    plain = datasets.load_csv(path, validation_split=0.25, seed=2)
    np.testing.assert_allclose(plain.x, raw)
    assert plain.feature_mean is None
    np.testing.assert_array_equal(plain.transform(raw), raw)


def test_builtin_sets_can_be_standardized_too():
    ds = datasets.load("iris", standardize=True)
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1.0)


def test_csv_params_recreate_the_data_set(tmp_path):
    ds = datasets.load_csv(write(tmp_path, IRIS_LIKE), target="species", seed=3, standardize=True)
    # a project file stores name + params as JSON
    again = datasets.load(ds.name, **json.loads(json.dumps(ds.params)))
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    np.testing.assert_array_equal(again.y_val, ds.y_val)


HEAD = "a,b,label\n1,2,x\n"


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        (HEAD + "3,abc,y\n", 3, "b", "'abc' is not a number"),
        (HEAD + "3,,y\n", 3, "b", "missing"),
        (HEAD + "NA,4,y\n", 3, "a", "missing"),
        (HEAD + "3,inf,y\n", 3, "b", "not a finite number"),
        (HEAD + "3,4,\n", 3, "label", "target value is missing"),
        (HEAD + "3,4\n", 3, "label", "ends early, with 2 values where line 1 has 3"),
        (HEAD + "3,4,y,9\n", 3, 4, "4 values, but line 1 has 3"),
        ("1,2,x\n3,abc,y\n", 2, 2, "'abc' is not a number"),
        (HEAD + '3,"4,y\n5,6,y\n', 3, 2, "check its quotes"),
    ],
)
def test_bad_csv_names_the_line_and_column(tmp_path, text, line, column, phrase):
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(write(tmp_path, text))
    assert error.value.line == line
    assert error.value.column == column
    message = str(error.value)
    assert message.startswith(f"data.csv, line {line}, column ")
    assert (f"'{column}'" if isinstance(column, str) else f"column {column}") in message
    assert phrase in message


def test_the_message_reads_like_the_documented_example(tmp_path):
    text = "sepal_length,petal_width,species\n" + "1,2,a\n" * 5 + "1,abc,b\n"
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(write(tmp_path, text))
    assert str(error.value) == "data.csv, line 7, column 'petal_width': 'abc' is not a number."


@pytest.mark.parametrize("text", ["", "\n\n   \n", "# only a comment\n"])
def test_empty_csv(tmp_path, text):
    with pytest.raises(DatasetError, match="data.csv is empty") as error:
        datasets.load_csv(write(tmp_path, text))
    assert error.value.line == 1


def test_header_without_rows(tmp_path):
    with pytest.raises(DatasetError, match="header row but no rows of data") as error:
        datasets.load_csv(write(tmp_path, "a,b,label\n"))
    assert error.value.line == 2


def test_one_class_only_names_the_target_column(tmp_path):
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(write(tmp_path, "a,b,label\n1,2,x\n3,4,x\n5,6,x\n"))
    assert error.value.column == "label"
    assert "lines 2 to 4" in str(error.value) and "at least two classes" in str(error.value)


@pytest.mark.parametrize(
    ("target", "column", "phrase"),
    [
        ("petal", "petal", "no target column 'petal'; the columns are 'a', 'b', 'label'"),
        (3, 3, "no target column 3"),
        (-4, -4, "no target column -4"),
    ],
)
def test_unknown_target_column(tmp_path, target, column, phrase):
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(write(tmp_path, HEAD + "3,4,y\n"), target=target)
    assert error.value.line == 1 and error.value.column == column
    assert phrase in str(error.value)


def test_target_name_without_header(tmp_path):
    path = write(tmp_path, "1,2,x\n3,4,y\n")
    with pytest.raises(DatasetError, match="no header row"):
        datasets.load_csv(path, header=False, target="label")
    # left to detection, a name means the first row holds the names: the message shows them
    with pytest.raises(DatasetError, match="the columns are '1', '2', 'x'"):
        datasets.load_csv(path, target="label")


def test_a_single_column_has_no_inputs(tmp_path):
    with pytest.raises(DatasetError, match="only one column"):
        datasets.load_csv(write(tmp_path, "label\nx\ny\n"))


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        datasets.load_csv(tmp_path / "nowhere.csv")
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\x00\x00\x01")
    with pytest.raises(DatasetError, match="not a text file"):
        datasets.load_csv(binary)


def test_windows_line_endings(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b,label\r\n1,2,x\r\n3,4,y\r\n5,z,y\r\n")
    with pytest.raises(DatasetError) as error:
        datasets.load_csv(path)
    assert error.value.line == 4 and error.value.column == "b"


def test_decimal_commas_get_a_hint(tmp_path):
    with pytest.raises(
        DatasetError, match=r"'1,5' is not a number \(write decimals with a point: 1.5\)"
    ):
        datasets.load_csv(write(tmp_path, "a;b;label\n1;2;x\n1,5;4;y\n"))


def test_a_duplicate_column_name_cannot_be_the_target(tmp_path):
    with pytest.raises(DatasetError, match="'a' appears 2 times") as error:
        datasets.load_csv(write(tmp_path, "a,a,label\n1,2,x\n3,4,y\n"), target="a")
    assert error.value.line == 1 and error.value.column == "a"
    assert datasets.load_csv(tmp_path / "data.csv").feature_names == ["a", "a"]
