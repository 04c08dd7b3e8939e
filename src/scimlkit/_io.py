"""Reading tables and arrays from files, with clear errors.

Supported: CSV (``.csv``, ``.csv.gz``), TSV (``.tsv``), Parquet (``.parquet``, ``.pq``), Feather
(``.feather``), NumPy (``.npy``: a 2-D array becomes columns ``x0, x1, ...``).
"""

from __future__ import annotations

import os
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
        When the file is missing, empty, of an unknown kind, unparsable, or lacks a column.
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
            frame = pd.read_csv(path)
        elif suffix == ".tsv":
            frame = pd.read_csv(path, sep="\t")
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
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
    if columns is not None:
        require_columns(frame, columns, source=f"{name} '{path}'")
    return frame


def require_columns(frame, columns: Iterable[str], *, source: str = "the table") -> None:
    """Raise :class:`InputError` naming the first of ``columns`` missing from ``frame``."""
    check_columns(frame, columns, source=source)


def write_table(frame, path: str | os.PathLike) -> Path:
    """Write a DataFrame as CSV or Parquet, chosen by the file extension."""
    path = Path(path)
    suffix = _suffix(path)
    if suffix in (".parquet", ".pq"):
        frame.to_parquet(path, index=False)
    elif suffix in (".csv", ".csv.gz"):
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".feather":
        frame.reset_index(drop=True).to_feather(path)
    else:
        raise InputError(f"output '{path}' has an unsupported extension '{suffix}'; use .csv or .parquet")
    return path
