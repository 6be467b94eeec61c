"""Reading a CSV file into numbers: the table of cells, its header, delimiter and target.

:func:`_read_table` reads a file (plain or ``.gz``, any common encoding) into a
:class:`_Table` of text cells, within the limits of :mod:`nnviz.limits`; :func:`_parse_table`
turns the cells into inputs and targets (class labels or numbers). Every problem is a
:class:`~nnviz.errors.DatasetError` naming the line and the column.
:func:`nnviz.data.datasets.load_csv` is the public entry point.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnviz.errors import DatasetError
from nnviz.limits import MAX_CSV_BYTES, MAX_CSV_CLASSES, MAX_CSV_COLUMNS, MAX_CSV_ROWS

# Spellings of "no value here" that spreadsheets and R/pandas write into CSV files.
_MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}


@dataclass
class _Table:
    """The cells of a CSV file as text, with the file line where each data row starts."""

    filename: str
    columns: list[str]  # the header's names, or "column 1", "column 2", ...
    has_header: bool
    header_line: int | None
    rows: list[list[str]]
    lines: list[int]
    delimiter: str

    def where(self, line: int | None, column: int | None) -> str:
        """'data.csv, line 7, column 'petal_width'' (the place a message starts with)."""
        place = self.filename
        if line is not None:
            place += f", line {line}"
        if column is not None:
            place += f", column {self.column_label(column)}"
        return place

    def column_label(self, column: int) -> str:
        return repr(self.columns[column]) if self.has_header else str(column + 1)

    def column_id(self, column: int) -> str | int:
        """The DatasetError.column value: the name with a header, else the 1-based index."""
        return self.columns[column] if self.has_header else column + 1

    def error(self, message: str, line: int | None = None, column: int | None = None):
        return DatasetError(
            f"{self.where(line, column)}: {message}",
            line=line,
            column=None if column is None else self.column_id(column),
        )


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed if it ends in ``.gz``, at most :data:`MAX_CSV_BYTES`.

    A plain file is measured before it is read; a ``.gz`` is decompressed through a
    bounded read, so a small file that inflates to gigabytes stops at the limit.
    """
    if not path.exists():
        raise DatasetError(f"The file {path} does not exist.")
    if not path.is_file():
        raise DatasetError(f"{path} is a folder, not a CSV file.")
    limit_mb = MAX_CSV_BYTES // 1024**2
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as stream:
                raw = stream.read(MAX_CSV_BYTES + 1)
            if len(raw) > MAX_CSV_BYTES:
                raise DatasetError(
                    f"{path.name} decompresses to more than {limit_mb} MB of text, more "
                    f"than nnviz reads (at most {MAX_CSV_ROWS:,} rows of data).")
            return raw
        if path.stat().st_size > MAX_CSV_BYTES:
            raise DatasetError(
                f"{path.name} is larger than {limit_mb} MB, more than nnviz reads "
                f"(at most {MAX_CSV_ROWS:,} rows of data).")
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:  # unreadable, or a broken .gz
        reason = getattr(error, "strerror", None) or error
        raise DatasetError(f"{path.name} cannot be read: {reason}.") from error


def _encoding_of(raw: bytes) -> str:
    """``utf-8-sig`` if the bytes are UTF-8, else ``latin-1`` (checked in chunks, no copy)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    step = 1 << 20
    try:
        for start in range(0, len(raw), step):
            decoder.decode(view[start:start + step], final=start + step >= len(raw))
    except UnicodeDecodeError:
        # Excel on Windows writes CSV in its ANSI code page; latin-1 reads any byte.
        return "latin-1"
    return "utf-8-sig"


def _read_text(path: Path) -> Callable[[], io.TextIOBase]:
    """A function opening the file's text afresh each call (lines decoded lazily)."""
    raw = _read_bytes(path)
    if b"\x00" in raw[:4096]:
        raise DatasetError(f"{path.name} is not a text file; save the data as CSV.")
    encoding = _encoding_of(raw)
    return lambda: io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline="")


def _guess_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 0 else ","


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_table(path: Path, header: bool | None, delimiter: str | None) -> _Table:
    """Split the file into rows of stripped cells, skipping blank lines and '#' comments."""
    open_text = _read_text(path)
    if delimiter is None:
        first = next((line for line in open_text()
                      if line.strip() and not line.lstrip().startswith("#")), "")
        delimiter = _guess_delimiter(first.rstrip("\r\n"))
    elif delimiter not in (",", ";", "\t"):
        raise DatasetError(f"The delimiter must be ',', ';' or a tab, not {delimiter!r}.")

    rows: list[list[str]] = []
    lines: list[int] = []
    # strict: an unclosed quote is an error, not a value that swallows the rest of the file.
    reader = csv.reader(open_text(), delimiter=delimiter, strict=True)
    start = 1
    most_rows = MAX_CSV_ROWS + (0 if header is False else 1)  # the header is not a sample
    try:
        for cells in reader:
            row_line, start = start, reader.line_num + 1
            if len(cells) > MAX_CSV_COLUMNS:
                raise DatasetError(
                    f"{path.name}, line {row_line}: the row has {len(cells):,} values; nnviz "
                    f"reads at most {MAX_CSV_COLUMNS:,} columns.", line=row_line)
            cells = [cell.strip() for cell in cells]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if len(rows) >= most_rows:
                raise DatasetError(
                    f"{path.name}, line {row_line}: the file has more than {MAX_CSV_ROWS:,} "
                    "rows of data, more than nnviz trains on; use a sample of it.",
                    line=row_line)
            rows.append(cells)
            lines.append(row_line)
    except csv.Error as error:  # e.g. a quote that is never closed
        physical = next(itertools.islice(open_text(), start - 1, None), "").rstrip("\r\n")
        column = _open_quote_column(physical, delimiter)
        place = f"{path.name}, line {start}" + (f", column {column}" if column else "")
        raise DatasetError(
            f'{place}: this row is not valid CSV ({error}); check its quotes (").',
            line=start,
            column=column,
        ) from error
    if not rows:
        raise DatasetError(f"{path.name} is empty: it has no rows of data.", line=1)

    if header is None:
        header = _looks_like_header(rows)
    if header:
        names = [name or f"column {j + 1}" for j, name in enumerate(rows[0])]
        table = _Table(path.name, names, True, lines[0], rows[1:], lines[1:], delimiter)
    else:
        names = [f"column {j + 1}" for j in range(len(rows[0]))]
        table = _Table(path.name, names, False, None, rows, lines, delimiter)
    if not table.rows:
        raise DatasetError(
            f"{path.name} has a header row but no rows of data.", line=(lines[0] + 1)
        )
    return table


def _open_quote_column(line: str, delimiter: str) -> int | None:
    """The 1-based column in which a quote opens and is not closed on this line, if any."""
    column, quoted, opened_in = 1, False, None
    for char in line:
        if char == '"':
            quoted = not quoted
            opened_in = column if quoted else None
        elif char == delimiter and not quoted:
            column += 1
    return opened_in


def _looks_like_header(rows: list[list[str]]) -> bool:
    """The first row names the columns if it has text in a column where later rows have numbers.

    A file of a single row is a header (and no data) when none of its cells is a number.
    Only the first rows are looked at: a stray word further down is a data error, not a sign
    of a header.
    """
    first = rows[0]
    if len(rows) == 1:
        return not any(_is_number(cell) for cell in first)
    for j, cell in enumerate(first):
        if _is_number(cell) or cell.lower() in _MISSING:
            continue
        if any(j < len(row) and _is_number(row[j]) for row in rows[1:_HEADER_LOOKAHEAD]):
            return True
    return False


_HEADER_LOOKAHEAD = 50


def _resolve_target(table: _Table, target: int | str) -> int:
    n_columns = len(table.columns)
    if isinstance(target, str):
        name = target.strip()
        matches = [j for j, column in enumerate(table.columns) if column == name]
        if table.has_header and len(matches) > 1:
            raise table.error(
                f"the column name {name!r} appears {len(matches)} times; rename one of them "
                "or give the target column by index.",
                line=table.header_line,
                column=matches[1],
            )
        if table.has_header and matches:
            return matches[0]
        if name.lstrip("-").isdigit():
            target = int(name)
        else:
            shown = ", ".join(repr(column) for column in table.columns)
            message = (
                f"there is no target column {name!r}; the columns are {shown}."
                if table.has_header
                else f"there is no target column {name!r}: the file has no header row with names."
            )
            raise DatasetError(
                f"{table.where(table.header_line, None)}: {message}",
                line=table.header_line,
                column=name,
            )
    if not -n_columns <= target < n_columns:
        raise DatasetError(
            f"{table.where(table.header_line or table.lines[0], None)}: the file has "
            f"{n_columns} columns, so there is no target column {target} "
            f"(use 0 to {n_columns - 1}, or -1 for the last).",
            line=table.header_line or table.lines[0],
            column=target,
        )
    return target % n_columns


def _check_shape(table: _Table) -> None:
    """Every row must have as many cells as the first one (the header, if there is one)."""
    expected = len(table.columns)
    first_line = table.header_line if table.has_header else table.lines[0]
    for cells, line in zip(table.rows, table.lines, strict=True):
        if len(cells) == expected:
            continue
        if len(cells) < expected:
            column = len(cells)  # the first column with no value
            raise DatasetError(
                f"{table.where(line, column)}: the row ends early, with {len(cells)} values "
                f"where line {first_line} has {expected}.",
                line=line,
                column=table.column_id(column),
            )
        raise DatasetError(
            f"{table.where(line, None)}, column {expected + 1}: the row has {len(cells)} "
            f"values, but line {first_line} has {expected}.",
            line=line,
            column=expected + 1,
        )


def _numeric_column(table: _Table, j: int) -> np.ndarray:
    """Column ``j`` as float64; raises on the first missing, non-numeric or infinite cell."""
    cells = [row[j] for row in table.rows]
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = None  # find the culprit cell below
    if values is not None and np.all(np.isfinite(values)):
        return values
    for cells_i, line in zip(cells, table.lines, strict=True):
        _check_cell(table, cells_i, line, j)
    raise AssertionError("a column that numpy refused had no bad cell")  # pragma: no cover


# "1,5" in a file separated by semicolons: a spreadsheet set to a European locale wrote it.
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")


def _check_cell(table: _Table, cell: str, line: int, j: int) -> float:
    if cell.lower() in _MISSING:
        raise table.error("the value is missing.", line=line, column=j)
    try:
        value = float(cell)
    except ValueError:
        hint = ""
        if _DECIMAL_COMMA.fullmatch(cell):
            hint = f" (write decimals with a point: {cell.replace(',', '.')})"
        raise table.error(f"{cell!r} is not a number{hint}.", line=line, column=j) from None
    if not math.isfinite(value):
        raise table.error(f"{cell!r} is not a finite number.", line=line, column=j)
    return value


def _class_label(cell: str) -> str:
    """The class name of a target cell: '1', '1.0' and ' 1' are all class '1'."""
    try:
        value = float(cell)
    except ValueError:
        return cell
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return cell


def _sort_key(name: str):
    # Numbers in numeric order (2 before 10), then text in alphabetical order.
    try:
        return (0, float(name), "")
    except ValueError:
        return (1, 0.0, name)


_MAX_AUTO_CLASSES = 20


def _parse_table(table: _Table, target: int | str, task: str | None):
    """Turn the cells into (x, targets, feature_names, class_names, target_name, task).

    For a classification the targets are class indices (into the sorted class names);
    for a regression they are the numbers.
    """
    _check_shape(table)
    t = _resolve_target(table, target)
    if len(table.columns) < 2:
        raise table.error(
            "the file has only one column; it needs at least one input column besides the target.",
            line=table.header_line or table.lines[0],
        )
    feature_columns = [j for j in range(len(table.columns)) if j != t]
    x = np.column_stack([_numeric_column(table, j) for j in feature_columns])
    feature_names = [
        table.columns[j] if table.has_header else f"x{k + 1}" for k, j in enumerate(feature_columns)
    ]
    target_name = table.columns[t] if table.has_header else "y"

    cells = [row[t] for row in table.rows]
    for cell, line in zip(cells, table.lines, strict=True):
        if cell.lower() in _MISSING:
            raise table.error("the target value is missing.", line=line, column=t)
    if task is None:
        task = _guess_task(cells)
    if task == "regression":
        values = np.array(
            [_check_cell(table, c, line, t) for c, line in zip(cells, table.lines, strict=True)]
        )
        return x, values, feature_names, [], target_name, task

    labels = [_class_label(cell) for cell in cells]
    distinct = set(labels)
    if len(distinct) > MAX_CSV_CLASSES:
        raise DatasetError(
            f"{table.where(None, t)}: the target has {len(distinct):,} different classes; "
            f"nnviz classifies into at most {MAX_CSV_CLASSES:,}. If the column holds "
            "measurements, load it with task='regression'.",
            column=table.column_id(t),
        )
    class_names = sorted(distinct, key=_sort_key)
    if len(class_names) < 2:
        first, last = table.lines[0], table.lines[-1]
        raise DatasetError(
            f"{table.where(None, t)}: every row (lines {first} to {last}) has the class "
            f"{class_names[0]!r}; a classifier needs rows of at least two classes.",
            line=None,
            column=table.column_id(t),
        )
    lookup = {name: k for k, name in enumerate(class_names)}
    index = np.array([lookup[label] for label in labels], dtype=np.int64)
    return x, index, feature_names, class_names, target_name, task


def _guess_task(cells: list[str]) -> str:
    """Text labels or a few whole numbers are classes; other numbers are a regression target."""
    values = []
    for cell in cells:
        try:
            values.append(float(cell))
        except ValueError:
            return "classification"
    array = np.array(values)
    if not np.all(np.isfinite(array)):
        return "regression"  # numbers: the regression path names the non-finite cell
    whole = np.all(array == np.round(array))
    if whole and np.unique(array).size <= _MAX_AUTO_CLASSES:
        return "classification"
    return "regression"
