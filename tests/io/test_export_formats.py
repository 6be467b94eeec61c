"""The export format registry: every format writes, every weight format reads back, and
the suffix of a name picks exactly one format (or says which names would do)."""
from __future__ import annotations

import numpy as np
import pytest

from nnviz.errors import ProjectFileError
from nnviz.files import export_formats
from tests.io.helpers import deep_model

FORMATS = list(export_formats.FORMATS.values())


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
def test_each_format_writes_and_each_weight_format_reads_back(fmt, tmp_path):
    model = deep_model()
    path = tmp_path / f"net{fmt.suffix}"
    written = export_formats.export(model, path)
    assert written[0] == str(path)
    assert all((tmp_path / p).stat().st_size > 0 for p in written)
    assert (len(written) == 2) == (fmt.companion is not None)
    if fmt.weights:
        other = deep_model()
        other.set_weights([np.zeros_like(w) for w in other.get_weights()])
        export_formats.load_weights(other, path)
        for a, b in zip(model.get_weights(), other.get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
def test_the_suffix_picks_its_format_whatever_its_case(fmt):
    assert export_formats.for_path("Some.Name" + fmt.suffix.upper()) is fmt
    assert export_formats.get(fmt.suffix) is fmt
    assert fmt.filter == f"{fmt.label} (*{fmt.suffix})"


def test_a_name_without_a_known_suffix_is_refused_naming_every_choice():
    with pytest.raises(ProjectFileError) as caught:
        export_formats.for_path("out.txt")
    assert all(s in str(caught.value) for s in export_formats.suffixes())
    with pytest.raises(ProjectFileError, match="weight file") as caught:
        export_formats.for_path("model.onnx", weights_only=True)  # written, never read back
    assert str(caught.value).endswith("must end in .npz, .json or .weights.h5.")
    with pytest.raises(ProjectFileError):
        export_formats.for_path("keras.h5")  # Keras 3 insists on .weights.h5


def test_model_save_weights_goes_through_the_registry(tmp_path):
    model = deep_model()
    for fmt in export_formats.weight_formats():
        path = tmp_path / f"w{fmt.suffix}"
        model.save_weights(path)
        fresh = deep_model()
        fresh.set_weights([np.zeros_like(w) for w in fresh.get_weights()])
        fresh.load_weights(path)
        for a, b in zip(model.get_weights(), fresh.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_the_command_line_help_lists_every_format():
    text = export_formats.describe()
    assert all(f"{f.suffix} ({f.summary})" in text for f in FORMATS)
