"""Save a model's weights to a file, and load them back: ``.npz``, ``.json``, ``.weights.h5``.

One ``save_*``/``load_*`` pair per format; :mod:`nnviz.files.export_formats` picks the pair by
the file name's suffix (``model.save_weights(path)`` goes through it):

``.npz``
    NumPy's archive: one array per kernel and per bias, named after the layer,
    ``"<layer name>.kernel"`` (shape ``(inputs, units)``) and ``"<layer name>.bias"``
    (shape ``(units,)``), in the order of the layers. ``np.load(path)`` reads it.
``.json``
    The same numbers as nested lists, with each layer's name, units and activation, for
    reading in any language. Python's float text round-trips float64 exactly. Numbers that
    JSON cannot hold are written as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``.
``.weights.h5``
    Keras 3's own layout, so ``keras_model.load_weights(path)`` loads it into the same
    architecture, and nnviz loads a file Keras wrote::

        layers/dense/vars/0      kernel (inputs, units)      of the first Dense layer
        layers/dense/vars/1      bias (units,)
        layers/dense_1/vars/...  the second Dense layer, and so on
        vars                     (empty; attribute name = the model's name)

    The groups are named by layer type and a counter, not by the layer's own name.
    Needs ``h5py`` (``pip install nnviz[export]``).

Every writer here is atomic: the data go to a temporary file in the same folder, which
then replaces the target in one step, so a crash mid-save leaves the old file intact.
Every reader raises :class:`~nnviz.errors.ProjectFileError` with one sentence on failure.
"""
from __future__ import annotations

import errno
import io
import json
import math
import os
import re
import secrets
import shutil
import stat
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from nnviz.errors import ProjectFileError

__all__ = [
    "atomic_output",
    "save_npz",
    "load_npz",
    "save_json",
    "load_json",
    "save_h5",
    "load_h5",
    "weight_entries",
    "encode_array",
    "decode_array",
    "dumps_readable",
    "iter_readable",
]

JSON_FORMAT = "nnviz-weights"
JSON_VERSION = 1


# --------------------------------------------------------------------------- helpers


def dumps_readable(data, indent: int = 1) -> str:
    """JSON text with one line per object field and each list of numbers on one line.

    A kernel's rows stay readable (one row per line) instead of one number per line.
    Non-finite floats are refused (``ValueError``), as JSON has no text for them.
    """
    return "".join(iter_readable(data, indent))


def iter_readable(data, indent: int = 1) -> Iterator[str]:
    """:func:`dumps_readable`'s text in pieces (a field's name, a kernel's row, ...).

    A big network's file is written piece by piece: no string of the whole file is built,
    and a thread making it lets others run between pieces.
    """

    def flat(value) -> bool:
        return not isinstance(value, (dict, list)) or (
            isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)
        )

    def write(value, level: int) -> Iterator[str]:
        if flat(value):
            yield json.dumps(value, allow_nan=False, ensure_ascii=False)
            return
        pad = " " * (indent * (level + 1))
        end = " " * (indent * level)
        if isinstance(value, dict):
            if not value:
                yield "{}"
                return
            yield "{\n"
            for n, (k, v) in enumerate(value.items()):
                sep = ",\n" if n else ""
                yield f"{sep}{pad}{json.dumps(str(k), ensure_ascii=False)}: "
                yield from write(v, level + 1)
            yield "\n" + end + "}"
            return
        yield "[\n"
        for n, v in enumerate(value):
            yield (",\n" + pad) if n else pad
            yield from write(v, level + 1)
        yield "\n" + end + "]"

    return write(data, 0)


def _check_built(model) -> None:
    if not getattr(model, "built", True) or model.input_dim is None:
        raise ProjectFileError(
            "The model has no weights yet: give it an input shape (or train it) first."
        )


#: A temporary file of ours (``.<name>.<8 hex>.tmp<suffix>``) this much older than now
#: is left over from a save that was killed, and the next save beside it removes it.
#: No save takes an hour, so a temporary file that young may still be being written.
STALE_TEMP_SECONDS = 3600.0


def _temp_pattern(base: str) -> re.Pattern:
    return re.compile(rf"\.{re.escape(base)}\.[0-9a-f]{{8}}\.tmp{re.escape(_suffix(base))}")


def _remove_stale_temps(folder: str, base: str) -> None:
    """Delete our own temporary files for ``base`` older than :data:`STALE_TEMP_SECONDS`.

    Only regular files whose whole name matches the pattern :func:`atomic_output` uses for
    this target are touched (never a link, never another file's temporaries); any error
    (a file removed meanwhile, no permission) leaves that file alone.
    """
    pattern = _temp_pattern(base)
    now = time.time()
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for entry in names:
        if not pattern.fullmatch(entry):
            continue
        full = os.path.join(folder, entry)
        try:
            info = os.lstat(full)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMP_SECONDS:
                os.remove(full)
        except OSError:
            continue


def resolve_target(path: str | os.PathLike) -> str:
    """The file a save to ``path`` must write: the end of its symlink chain, if it is one.

    Raises ProjectFileError if that file exists and is read-only (no write bit set for
    anyone: checked on the mode bits, as ``os.access`` says yes to root), is a folder or
    is not a regular file (a FIFO, a device such as ``/dev/null``, a socket), or if the
    link chain is a loop.
    """
    path = os.fspath(path)
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise ProjectFileError(
                f"Cannot write '{path}': it is a symbolic link that leads back to itself "
                "(a loop); save under another name.", path) from err
        raise ProjectFileError(f"Cannot write '{path}': {err.strerror or err}.", path) from err
    if stat.S_ISDIR(info.st_mode):
        raise ProjectFileError(f"Cannot write '{path}': it is a folder.", path)
    if not stat.S_ISREG(info.st_mode):
        # A FIFO, a device (/dev/null) or a socket: the rename would replace it by a
        # regular file (as root, /dev/null itself), and writing into it is no save.
        raise ProjectFileError(
            f"Cannot write '{path}': it is not a regular file (a pipe, a device or a "
            "socket); save to a file instead.", path)
    if info.st_mode & 0o222 == 0:
        raise ProjectFileError(
            f"Cannot write '{path}': the file is read-only. Save under another name, "
            "or make the file writable first.", path)
    return target


@contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "wb") -> Iterator:
    """Open a temporary file beside ``path``; on success it replaces ``path`` in one step.

    Used by every nnviz writer: if anything fails before the ``with`` block ends (an
    exception, a full disk, a crash), ``path`` keeps its old content and the temporary
    file is removed. ``mode="path"`` yields the temporary file's name instead of an open
    file, for libraries (h5py, NumPy) that want to open it themselves.

    A symlink is followed (:func:`resolve_target`): its target is replaced atomically and
    the link stays a link. A read-only target is refused with ProjectFileError. Temporary
    files of ours for the same target left by a killed save (older than
    :data:`STALE_TEMP_SECONDS`) are removed first.
    """
    path = resolve_target(path)
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    _remove_stale_temps(folder, base)
    # Keep the real suffix at the end: np.savez appends ".npz" to names without it.
    tmp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp{_suffix(base)}")
    # os.open with mode 0o666 honours the umask, as a normal save would (mkstemp gives 0o600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if mode == "path":
            os.close(fd)
            yield tmp
        else:
            encoding = None if "b" in mode else "utf-8"
            with os.fdopen(fd, mode, encoding=encoding) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        if os.path.exists(path):
            shutil.copymode(path, tmp)  # an overwritten file keeps its permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _suffix(name: str) -> str:
    # The last suffix is enough: np.savez wants ".npz", h5py and the rest do not look.
    return os.path.splitext(name)[1]


def _write_error(path: str, err: OSError) -> ProjectFileError:
    reason = err.strerror or str(err)
    return ProjectFileError(f"Cannot write '{path}': {reason}.", path=path)


def _dense_layers(model) -> list:
    return list(model.dense_layers)


def weight_entries(model) -> list[tuple[str, str, object]]:
    """``(layer name, "kernel" | "bias", layer)`` for each array of ``model.get_weights()``.

    Keras order: each Dense layer's kernel, then its bias (when the layer has one).
    """
    entries = []
    for layer in _dense_layers(model):
        entries.append((layer.name, "kernel", layer))
        if getattr(layer, "use_bias", True):
            entries.append((layer.name, "bias", layer))
    return entries


def _expected_shapes(model) -> list[tuple[int, ...]]:
    return [tuple(np.shape(w)) for w in model.get_weights()]


def _check_and_set(model, arrays: list[np.ndarray], path: str) -> None:
    """Set ``arrays`` (Keras order) as the model's weights after checking count, shapes and
    that every number is finite (NaN or infinity is refused, naming the array)."""
    entries = weight_entries(model)
    shapes = _expected_shapes(model)
    name = os.path.basename(path)
    if len(arrays) != len(shapes):
        raise ProjectFileError(
            f"'{name}' holds {len(arrays)} weight arrays but this model needs {len(shapes)} "
            f"(a kernel and a bias per Dense layer); it was saved from another network.",
            path=path,
        )
    dtype = np.asarray(model.get_weights()[0]).dtype if shapes else np.float64
    converted = []
    for (layer_name, kind, _layer), shape, array in zip(entries, shapes, arrays):
        array = np.asarray(array)
        if array.dtype.kind not in "fiu":
            raise ProjectFileError(
                f"'{name}': the {kind} of layer '{layer_name}' is not an array of numbers.",
                path=path,
            )
        if tuple(array.shape) != shape:
            raise ProjectFileError(
                f"'{name}': the {kind} of layer '{layer_name}' has shape {tuple(array.shape)} "
                f"but this model needs {shape}; the file was saved from another network.",
                path=path,
            )
        with np.errstate(over="ignore", invalid="ignore"):  # too large for float32: inf
            array = array.astype(dtype, copy=True)
        if not np.all(np.isfinite(array)):
            # A diverged run's file (or a hostile one): loading it would make every
            # prediction NaN without a word. Writers still store such numbers, for study.
            bad = array.ravel()[~np.isfinite(array.ravel())][0]
            raise ProjectFileError(
                f"'{name}': the {kind} of layer '{layer_name}' holds {bad} "
                f"({int(np.count_nonzero(~np.isfinite(array)))} of {array.size} numbers are "
                "not finite); nnviz loads only finite weights.", path=path)
        converted.append(array)
    model.set_weights(converted)


# --------------------------------------------------------------------------- public API


def _write(model, path: str | os.PathLike, writer: Callable) -> None:
    path = os.fspath(path)
    _check_built(model)
    try:
        writer(model, path)
    except OSError as err:
        raise _write_error(path, err) from err


def _load(model, path: str | os.PathLike, reader: Callable) -> None:
    path = os.fspath(path)
    _check_built(model)
    if not os.path.isfile(path):
        raise ProjectFileError(f"No weight file at '{path}'.", path=path)
    arrays = reader(model, path)
    _check_and_set(model, arrays, path)


def save_npz(model, path: str | os.PathLike) -> None:
    """Write ``model``'s weights to ``path`` as a NumPy ``.npz`` archive (see module doc)."""
    _write(model, path, _save_npz)


def load_npz(model, path: str | os.PathLike) -> None:
    """Read an ``.npz`` into ``model``, every shape checked; on error the model keeps its weights."""
    _load(model, path, _read_npz)


def save_json(model, path: str | os.PathLike) -> None:
    """Write ``model``'s weights to ``path`` as nnviz's ``.json`` (see module doc)."""
    _write(model, path, _save_json)


def load_json(model, path: str | os.PathLike) -> None:
    """Read a ``.json`` into ``model``, every shape checked; on error the model keeps its weights."""
    _load(model, path, _read_json)


def save_h5(model, path: str | os.PathLike) -> None:
    """Write ``model``'s weights to ``path`` as Keras 3's ``.weights.h5`` (see module doc)."""
    _write(model, path, _save_h5)


def load_h5(model, path: str | os.PathLike) -> None:
    """Read a Keras ``.weights.h5`` into ``model``; on error the model keeps its weights."""
    _load(model, path, _read_h5)


# --------------------------------------------------------------------------- .npz


def _npz_key(layer_name: str, kind: str) -> str:
    return f"{layer_name}.{kind}"


def _save_npz(model, path: str) -> None:
    arrays = {}
    for (layer_name, kind, _layer), array in zip(weight_entries(model), model.get_weights()):
        key = _npz_key(layer_name, kind)
        if key in arrays:  # two layers of one name: keep both, tell them apart by position
            key = f"{len(arrays)}:{key}"
        arrays[key] = np.asarray(array)
    with atomic_output(path, "path") as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


#: Bytes a member's ``.npy`` header may take on top of its array's data.
NPY_HEADER_SLACK = 64 * 1024
#: Deflate cannot compress better than about 1032 : 1, so a member declaring a larger
#: ratio of uncompressed to compressed size lies about its size.
MAX_DEFLATE_RATIO = 1100


def _check_declared(name: str, what: str, shape, dtype: np.dtype, expected: tuple[int, ...],
                    path: str) -> None:
    """Refuse a stored array whose declared dtype or shape is not the model's, before reading."""
    if dtype.hasobject or dtype.kind not in "fiu" or dtype.itemsize > 8:
        raise ProjectFileError(
            f"'{name}': {what} is stored as {dtype}, not as an array of numbers.", path=path)
    if tuple(shape) != tuple(expected):
        raise ProjectFileError(
            f"'{name}': {what} has shape {tuple(shape)} but this model needs "
            f"{tuple(expected)}; the file was saved from another network.", path=path)


def _npz_members(model, infos: list, name: str, path: str) -> list:
    """Pair the archive's members with the model's arrays: by name, else by position."""
    entries = weight_entries(model)
    shapes = _expected_shapes(model)
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise ProjectFileError(
                f"'{name}' holds '{info.filename[:80]}', which is not a NumPy array; "
                "a weights archive holds only .npy arrays.", path=path)
    if len(infos) != len(shapes):
        raise ProjectFileError(
            f"'{name}' holds {len(infos)} weight arrays but this model needs {len(shapes)} "
            f"(a kernel and a bias per Dense layer); it was saved from another network.",
            path=path)
    by_name = {info.filename[:-4]: info for info in infos}
    wanted = [_npz_key(layer_name, kind) for layer_name, kind, _ in entries]
    if set(wanted) == set(by_name) and len(set(wanted)) == len(wanted):
        infos = [by_name[key] for key in wanted]
    # Otherwise (another network's names, a file written by hand): by position.
    return [(info, f"the {kind} of layer '{layer_name}'", shape)
            for info, (layer_name, kind, _), shape in zip(infos, entries, shapes)]


def _read_npz(model, path: str) -> list[np.ndarray]:
    """Read an ``.npz`` member by member, each checked against the model before its data.

    For each member: its declared uncompressed size must fit the array the model needs
    (plus a header) and be a possible deflate ratio, its ``.npy`` header must name a
    numeric dtype and exactly the model's shape; only then are its bytes read, and no
    more than that shape needs. A zip bomb or a header claiming 10^12 elements is refused
    after reading a few hundred bytes.
    """
    name = os.path.basename(path)
    fmt = np.lib.format
    arrays = []
    try:
        with zipfile.ZipFile(path) as archive:
            members = _npz_members(model, archive.infolist(), name, path)
            for info, what, shape in members:
                limit = int(np.prod(shape, dtype=np.int64)) * 8 + NPY_HEADER_SLACK
                if info.file_size > limit:
                    raise ProjectFileError(
                        f"'{name}': {what} declares {info.file_size} bytes, far more than "
                        f"the {shape} array this model needs; the file is refused.", path=path)
                if (info.compress_type != zipfile.ZIP_STORED
                        and info.file_size > MAX_DEFLATE_RATIO * max(info.compress_size, 1)):
                    raise ProjectFileError(
                        f"'{name}': {what} claims a compression ratio beyond what zip can "
                        "do; the file is damaged or hostile and is refused.", path=path)
                with archive.open(info) as member:
                    version = fmt.read_magic(member)
                    if version == (1, 0):
                        header = fmt.read_array_header_1_0(member)
                    elif version == (2, 0):
                        header = fmt.read_array_header_2_0(member)
                    else:
                        raise ValueError(f"unsupported .npy format version {version}")
                    stored_shape, fortran, dtype = header
                    _check_declared(name, what, stored_shape, np.dtype(dtype), shape, path)
                    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
                    data = member.read(nbytes)
                    if len(data) != nbytes:
                        raise ValueError(f"{what} is cut short")
                    array = np.frombuffer(data, dtype=dtype).reshape(
                        shape, order="F" if fortran else "C")
                arrays.append(array.copy())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
            KeyError, NotImplementedError, RuntimeError) as err:
        raise ProjectFileError(
            f"'{name}' is not a NumPy .npz archive nnviz can read ({err}).", path=path
        ) from err
    return arrays


# --------------------------------------------------------------------------- .json


def encode_array(array: npt.ArrayLike):
    """An array as nested lists of Python floats; NaN and infinities as strings.

    ``repr`` of a Python float is the shortest text that reads back to the same float64,
    so ``decode_array(encode_array(a))`` equals ``a`` bit for bit.
    """
    array = np.asarray(array, dtype=np.float64)
    if np.all(np.isfinite(array)):
        return array.tolist()
    as_object = array.astype(object)
    flat = as_object.reshape(-1)
    for i, value in enumerate(flat):
        if not math.isfinite(value):
            flat[i] = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return as_object.tolist()


_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def decode_array(value, what: str, path: str | None = None, ndim: int | None = None) -> np.ndarray:
    """Nested lists of numbers (as :func:`encode_array` writes them) back to a float64 array.

    Raises ProjectFileError naming ``what`` if ``value`` is not a rectangular array of
    numbers with ``ndim`` dimensions.
    """
    where = f" in '{os.path.basename(path)}'" if path else ""

    def check(item, depth: int):
        if isinstance(item, list):
            if ndim is not None and depth >= ndim:
                raise ProjectFileError(
                    f"{what}{where} is nested deeper than {ndim} dimension(s).", path)
            return [check(x, depth + 1) for x in item]
        if isinstance(item, bool) or not isinstance(item, (int, float, str)):
            raise ProjectFileError(f"{what}{where} holds {item!r}, which is not a number.", path)
        if isinstance(item, str):
            if item not in _SPECIAL:
                raise ProjectFileError(
                    f"{what}{where} holds the text {item!r}, which is not a number.", path
                )
            return _SPECIAL[item]
        try:
            return float(item)
        except OverflowError:  # an integer too large for a float64
            return math.inf if item > 0 else -math.inf

    if not isinstance(value, list):
        raise ProjectFileError(f"{what}{where} is not a list of numbers.", path)
    try:
        cleaned = check(value, 0)
    except RecursionError as err:
        raise ProjectFileError(f"{what}{where} is nested too deeply.", path) from err
    try:
        array = np.array(cleaned, dtype=np.float64)
    except ValueError as err:
        raise ProjectFileError(f"{what}{where} has rows of different lengths.", path) from err
    if ndim is not None and array.ndim != ndim and array.size:
        raise ProjectFileError(
            f"{what}{where} should have {ndim} dimension(s) but has {array.ndim}.", path
        )
    if ndim is not None and array.size == 0:
        array = array.reshape((0,) * ndim)
    return array


def _save_json(model, path: str) -> None:
    layers = []
    input_dim = int(model.input_dim)
    for layer in _dense_layers(model):
        entry = {
            "name": layer.name,
            "units": int(layer.units),
            "inputs": input_dim,
            "activation": layer.activation_name,
            "use_bias": bool(getattr(layer, "use_bias", True)),
            "kernel": encode_array(layer.kernel),
        }
        if entry["use_bias"]:
            entry["bias"] = encode_array(layer.bias)
        layers.append(entry)
        input_dim = int(layer.units)
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "dtype": str(np.asarray(model.get_weights()[0]).dtype) if layers else "float64",
        "note": "kernel[i][j] is the weight from input i to unit j; "
        "layer output = activation(input @ kernel + bias)",
        "layers": layers,
    }
    crosses = tuple(getattr(model, "input_features", ()))
    if crosses:  # the inputs' names: x1, x2 and the crosses (an optional key)
        from nnviz.data import features

        document["inputs"] = features.input_names(crosses)
    text = dumps_readable(document)
    with atomic_output(path, "w") as handle:
        handle.write(text + "\n")


def _read_json(model, path: str) -> list[np.ndarray]:
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except UnicodeDecodeError as err:
        raise ProjectFileError(f"'{name}' is not a text file.", path=path) from err
    except json.JSONDecodeError as err:
        raise ProjectFileError(
            f"'{name}' is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}).",
            path=path,
        ) from err
    except OSError as err:
        raise ProjectFileError(f"Cannot read '{path}': {err.strerror or err}.", path) from err
    except RecursionError as err:
        raise ProjectFileError(
            f"'{name}' nests lists or objects too deeply to be a weights file.", path=path
        ) from err
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise ProjectFileError(f"'{name}' holds a value nnviz cannot read ({err}).",
                               path=path) from err
    if not isinstance(document, dict) or document.get("format") != JSON_FORMAT:
        raise ProjectFileError(f"'{name}' is not an nnviz weights file.", path=path)
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectFileError(f"'{name}' has no valid format version.", path=path)
    if version > JSON_VERSION:
        raise ProjectFileError(
            f"'{name}' was written by a newer nnviz (weights format {version}); "
            "update nnviz to read it.",
            path=path,
        )
    layers = document.get("layers")
    if not isinstance(layers, list):
        raise ProjectFileError(f"'{name}' has no list of layers.", path=path)
    arrays = []
    for i, entry in enumerate(layers):
        if not isinstance(entry, dict) or "kernel" not in entry:
            raise ProjectFileError(f"'{name}': layer {i + 1} has no kernel.", path=path)
        label = f"layer {i + 1} ('{entry.get('name', '?')}')"
        arrays.append(decode_array(entry["kernel"], f"The kernel of {label}", path, ndim=2))
        if entry.get("use_bias", True) is not False or "bias" in entry:
            if "bias" not in entry:
                raise ProjectFileError(f"'{name}': {label} has no bias.", path=path)
            arrays.append(decode_array(entry["bias"], f"The bias of {label}", path, ndim=1))
    return arrays


# --------------------------------------------------------------------------- .weights.h5


def _import_h5py():
    try:
        import h5py
    except ImportError as err:  # an optional extra
        raise ProjectFileError(
            "Keras .weights.h5 files need the h5py package: pip install 'nnviz[export]'."
        ) from err
    return h5py


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def keras_group_names(model) -> list[tuple[str, Any]]:
    """``(group name, layer)`` for each layer as Keras names it in ``.weights.h5``.

    Keras names a layer's group by its type in snake case plus a per-type counter:
    ``dense``, ``dense_1``, ..., ``activation``, ``activation_1``; input layers get none.
    """
    dense_ids = {id(layer) for layer in _dense_layers(model)}
    counts: dict[str, int] = {}
    names = []
    for layer in model.layers:
        if id(layer) in dense_ids:
            kind = "dense"
        else:
            cls = type(layer).__name__
            if cls in ("Input", "InputLayer"):
                continue
            kind = "activation" if "Activation" in cls else _snake_case(cls)
        n = counts.get(kind, 0)
        counts[kind] = n + 1
        names.append((kind if n == 0 else f"{kind}_{n}", layer))
    return names


def _save_h5(model, path: str) -> None:
    """Build the HDF5 file in memory, then write its bytes atomically.

    HDF5 itself never touches the disk: a write that fails (a full disk, a read-only
    folder) fails in plain Python with an OSError, and no half-closed HDF5 handle is left
    for HDF5's exit handler (which crashed the process at exit, status 139).
    """
    h5py = _import_h5py()
    dense_ids = {id(layer) for layer in _dense_layers(model)}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        layers = f.create_group("layers")
        for group_name, layer in keras_group_names(model):
            group = layers.create_group(group_name)
            variables = group.create_group("vars")
            variables.attrs["name"] = layer.name
            if id(layer) in dense_ids:
                variables.create_dataset("0", data=np.asarray(layer.kernel))
                if getattr(layer, "use_bias", True):
                    variables.create_dataset("1", data=np.asarray(layer.bias))
        # Keras writes the model's own (empty) variable group at the top level.
        f.create_group("vars").attrs["name"] = str(getattr(model, "name", "sequential"))
    with atomic_output(path, "wb") as handle:
        handle.write(buffer.getbuffer())


def _h5_get(h5py, f, parts: list[str], name: str, path: str):
    """Follow ``parts`` from the file's root through hard links only; None if absent.

    A soft or external link anywhere on the way is refused (it can point outside the
    file, or in a loop), as is any error HDF5 raises while resolving a name.
    """
    node = f
    for depth, part in enumerate(parts):
        where = "/".join(parts[:depth + 1])
        if not isinstance(node, h5py.Group):
            return None
        try:
            link = node.get(part, getlink=True)
            if link is None:
                return None
            if not isinstance(link, h5py.HardLink):
                raise ProjectFileError(
                    f"'{name}': '{where}' is a link to elsewhere ({type(link).__name__}); "
                    "weight files with links are refused.", path)
            node = node[part]
        except (KeyError, RuntimeError, OSError, ValueError) as err:
            raise ProjectFileError(f"'{name}': '{where}' cannot be read ({err}).", path) from err
    return node


def _read_h5_dataset(h5py, f, parts: list[str], what: str, shape: tuple[int, ...],
                     name: str, path: str) -> np.ndarray:
    """One weight array, after checking its storage, dtype and shape against the model."""
    where = "/".join(parts)
    item = _h5_get(h5py, f, parts, name, path)
    if item is None or not isinstance(item, h5py.Dataset):
        raise ProjectFileError(
            f"'{name}' does not hold {what} ({where}); it was saved from another network.", path)
    if item.is_virtual:
        raise ProjectFileError(
            f"'{name}': {where} is a virtual dataset reading other files; refused.", path)
    if item.external:
        raise ProjectFileError(
            f"'{name}': {where} keeps its data in an external file; refused.", path)
    _check_declared(name, what, item.shape, item.dtype, shape, path)
    try:
        return np.asarray(item[()])
    except (OSError, TypeError, ValueError, RuntimeError) as err:
        raise ProjectFileError(f"'{name}': {where} cannot be read ({err}).", path) from err


def _read_h5(model, path: str) -> list[np.ndarray]:
    """Read a Keras ``.weights.h5``: fixed paths, hard links only, every dataset checked first."""
    h5py = _import_h5py()
    name = os.path.basename(path)
    try:
        handle = h5py.File(path, "r")
    except (OSError, ValueError, RuntimeError) as err:
        raise ProjectFileError(f"'{name}' is not an HDF5 file nnviz can read.", path) from err
    arrays = []
    shapes = iter(_expected_shapes(model))
    with handle as f:
        layers = _h5_get(h5py, f, ["layers"], name, path)
        if not isinstance(layers, h5py.Group):
            raise ProjectFileError(
                f"'{name}' has no 'layers' group: it is not a Keras 3 .weights.h5 file.", path
            )
        dense_ids = {id(layer) for layer in _dense_layers(model)}
        dense_groups = [g for g, layer in keras_group_names(model) if id(layer) in dense_ids]
        for group_name, layer in zip(dense_groups, _dense_layers(model)):
            wanted = ["0", "1"] if getattr(layer, "use_bias", True) else ["0"]
            for key, kind in zip(wanted, ("kernel", "bias")):
                what = f"the {kind} of layer '{layer.name}'"
                arrays.append(_read_h5_dataset(
                    h5py, f, ["layers", group_name, "vars", key], what, next(shapes), name,
                    path))
        extra = _h5_get(h5py, f, ["layers", f"dense_{len(dense_groups)}"], name, path)
        if extra is not None:
            raise ProjectFileError(
                f"'{name}' has more Dense layers than this model ({len(dense_groups)}); "
                "it was saved from another network.",
                path,
            )
    return arrays
