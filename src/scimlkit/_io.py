"""Reading tables and arrays from files, with clear errors.

Supported: CSV (``.csv``, ``.csv.gz``), TSV (``.tsv``), Parquet (``.parquet``, ``.pq``), Feather
(``.feather``), NumPy (``.npy``: a 2-D array becomes columns ``x0, x1, ...``).

A ``.csv`` file separated by semicolons, tabs or vertical bars instead of commas is recognised
(see :func:`read_table`). A table whose header names a column twice is refused: pandas would
rename the second one (``m``, ``m.1``) and a command would silently use the wrong column.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ._errors import InputError
from ._validation import check_columns

__all__ = ["read_table", "write_table", "require_columns", "TABLE_SUFFIXES"]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".parquet", ".pq", ".feather", ".npy")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(TABLE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def read_table(path: str | os.PathLike, *, columns: Iterable[str] | None = None, name: str = "file"):
    """Read a CSV / TSV / Parquet / Feather / NumPy file into a pandas DataFrame.

    A ``.csv`` (or ``.csv.gz``) file whose header holds no comma but a semicolon, a tab or a
    vertical bar is read with that separator (the one that splits its first lines evenly).
    In a semicolon-separated file, a text column whose every value is a number written with a
    decimal comma (``1,5``) is read as numbers, unless another column writes its decimals with a
    point (then nothing is converted and such columns stay text). A header that names a column
    twice is refused.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    columns : iterable of str, optional
        Columns that must be present; a missing one raises an error listing what is there.
    name : str
        How to call the file in error messages (e.g. ``"REFERENCE"``).

    Raises
    ------
    InputError
        When the file is missing, empty, of an unknown kind, unparsable, names a column twice,
        or lacks a column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "sales.csv").write_text("arm;rev\\na;1,5\\nb;2,25\\n")
    >>> read_table(folder / "sales.csv", columns=["rev"])
      arm   rev
    0   a  1.50
    1   b  2.25
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{name} '{path}' does not exist")
    if path.is_dir():
        raise InputError(f"{name} '{path}' is a directory, not a file")
    suffix = _suffix(path)
    try:
        if suffix in (".csv", ".csv.gz"):
            frame = _read_delimited(pd, path, None, name)
        elif suffix == ".tsv":
            frame = _read_delimited(pd, path, "\t", name)
        elif suffix in (".parquet", ".pq"):
            try:
                frame = pd.read_parquet(path)
            except Exception:
                _refuse_repeated(_parquet_names(path), path, name)
                raise
        elif suffix == ".feather":
            frame = pd.read_feather(path)
        elif suffix == ".npy":
            arr = np.load(path, allow_pickle=False)
            if arr.ndim == 1:
                arr = arr[:, None]
            if arr.ndim != 2:
                raise InputError(f"{name} '{path}' holds a {arr.ndim}-D array; 1-D or 2-D is needed")
            frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        else:
            raise InputError(
                f"{name} '{path}' has an unsupported extension '{suffix or '(none)'}'; "
                f"use one of {', '.join(TABLE_SUFFIXES)}"
            )
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(f"{name} '{path}' is empty") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name} '{path}' could not be read as {suffix.lstrip('.')}: {first}") from None
    except Exception as exc:  # pyarrow raises its own error classes for corrupt files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name} '{path}' could not be read as {suffix.lstrip('.')}: {first}") from None
    _refuse_repeated([str(c) for c in frame.columns], path, name)  # Feather and Parquet keep repeats
    if columns is not None:
        require_columns(frame, columns, source=f"{name} '{path}'")
    return frame


_SEPARATORS = (";", "\t", "|")  # looked for when a .csv file's header holds no comma
# a number with a decimal comma (and optionally an exponent), or a whole number
_COMMA_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+,[0-9]*|,[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def _read_delimited(pd, path: Path, sep: str | None, name: str):
    """A CSV or TSV file as a DataFrame; ``sep=None`` finds the separator of a ``.csv`` file."""
    header = _header(pd, path, sep or ",")
    if sep is None:
        sep = ","
        if len(header) == 1 and any(c in header[0] for c in _SEPARATORS):
            sep = _sniff(path, header[0])
            header = _header(pd, path, sep)
    _refuse_repeated(header, path, name)
    # a found separator: the whole file is typed at once (in chunks, a column can come out part
    # numbers, part text when its decimal commas start late)
    frame = pd.read_csv(path, sep=sep, low_memory=sep in (",", "\t"))
    if sep == ";":
        frame = _decimal_commas(pd, frame, path)
    return frame


def _header(pd, path: Path, sep: str) -> list[str]:
    """The names in a delimited file's header row as written (pandas renames repeated ones)."""
    head = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False)
    return [str(v) for v in head.iloc[0].tolist()] if len(head) else []


def _sniff(path: Path, header: str) -> str:
    """The separator of a ``.csv`` file whose header holds no comma: the one of ``;``, tab and
    ``|`` that splits the first lines into equally many fields, else the most frequent one in
    the header if the data lines use it too (or there are none); else a comma (one column whose
    name holds the character, such as ``p(y=1|x)``)."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    lines: list[str] = []
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            lines = list(itertools.islice(fh, 50))
        found = csv.Sniffer().sniff("".join(lines), delimiters="".join(_SEPARATORS)).delimiter
    except (csv.Error, OSError):
        found = None
    if found and found in header:
        return found
    likely = max(_SEPARATORS, key=header.count)
    data = [line for line in lines[1:] if line.strip()]
    split = any(len(row) > 1 for row in csv.reader(data, delimiter=likely))  # quotes respected
    return likely if not data or split else ","


def _decimal_commas(pd, frame, path: Path):
    """``frame`` (read from ``path``) with its text columns of decimal-comma numbers (``1,5``)
    read as numbers, when no column writes decimals with a point (which would make the comma
    ambiguous: a float column with a fraction, or a whole-valued one without gaps, which pandas
    makes float only when its numbers are written ``10.0`` or ``1e3``)."""
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    comma = []
    for column in text:
        values = frame[column].dropna()
        if values.dtype == object and not values.map(type).eq(str).all():
            continue  # not all text
        values = values.astype(str)
        if len(values) and values.str.contains(",", regex=False).any() and values.str.fullmatch(_COMMA_NUMBER).all():
            comma.append(column)
    if not comma:
        return frame
    for column in frame.columns:
        col = frame[column]
        if col.dtype.kind == "f":
            values = col.dropna()
            if len(values) == len(col) or not (values == values.round()).all():
                return frame  # decimal points elsewhere in the file: the commas are ambiguous
    again = pd.read_csv(path, sep=";", decimal=",", usecols=comma, low_memory=False)
    converted = {c: (again[c] if again[c].dtype.kind in "if" else
                     pd.to_numeric(frame[c].str.replace(",", ".", regex=False).str.strip())) for c in comma}
    return frame.assign(**converted)


def _parquet_names(path: Path) -> list[str]:
    """Column names in a Parquet file's schema (empty if it cannot be read)."""
    try:
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    except Exception:
        return []


def _refuse_repeated(names: list[str], path: Path, name: str) -> None:
    """Raise ``InputError`` if a column name (not blank) appears more than once in ``names``."""
    seen = set()
    for column in names:
        if column.strip() and column in seen:
            raise InputError(f"{name} '{path}' has the column '{column}' more than once in its header; "
                             f"rename the columns so that each name is used once")
        seen.add(column)


def require_columns(frame, columns: Iterable[str], *, source: str = "the table") -> None:
    """Raise :class:`InputError` naming the first of ``columns`` missing from ``frame``."""
    check_columns(frame, columns, source=source)


_WRITABLE = (".csv", ".csv.gz", ".tsv", ".parquet", ".pq", ".feather")


def write_table(frame, path: str | os.PathLike) -> Path:
    """Write a DataFrame as CSV (``.csv``, ``.csv.gz``), TSV, Parquet (``.parquet``, ``.pq``) or
    Feather, chosen by the file extension.

    Parquet and Feather hold one type per column: a column of Python objects of several kinds
    (a parameter whose choices are ``"sqrt"``, ``0.5`` and ``None``) is written as text, as CSV
    writes every column, with its missing values kept missing. An unsupported extension or a
    file that cannot be written raises :class:`InputError`.
    """
    path = Path(path)
    suffix = _suffix(path)
    if suffix not in _WRITABLE:
        raise InputError(f"output '{path}' has an unsupported extension '{suffix or '(none)'}'; "
                         f"use one of {', '.join(_WRITABLE)}")
    try:
        if suffix in (".parquet", ".pq"):
            _typed_columns(frame).to_parquet(path, index=False)
        elif suffix in (".csv", ".csv.gz"):
            frame.to_csv(path, index=False)
        elif suffix == ".tsv":
            frame.to_csv(path, index=False, sep="\t")
        else:
            _typed_columns(frame).reset_index(drop=True).to_feather(path)
    except OSError as exc:
        raise InputError(f"could not write '{path}': {exc.strerror or exc}") from None
    return path


def _typed_columns(frame):
    """``frame`` with each object column Arrow cannot hold as one type turned into text."""
    import pyarrow as pa

    mixed = []
    for column, dtype in frame.dtypes.items():
        if dtype != np.dtype(object):
            continue
        try:
            pa.array(frame[column], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            mixed.append(column)
    if not mixed:
        return frame
    out = frame.copy()
    for column in mixed:
        out[column] = frame[column].map(str).where(frame[column].notna(), None)
    return out
