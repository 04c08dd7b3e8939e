"""Reading tables and arrays from files, with clear errors.

Supported: CSV (``.csv``), TSV (``.tsv``), either compressed (``.csv.gz``, ``.csv.bz2``,
``.csv.xz``, ``.csv.zip`` holding one file; the same for ``.tsv``), Parquet (``.parquet``,
``.pq``), Feather (``.feather``), NumPy (``.npy``: a 2-D array becomes columns ``x0, x1, ...``, a
structured array one column per field, ``outer.inner`` for a nested one). The path ``-`` reads
the table from standard input (text split at tabs when every line splits evenly there only).

A ``.csv`` file separated by semicolons, tabs or vertical bars instead of commas is recognised
(see :func:`read_table`). A table whose header names a column twice is refused: pandas would
rename the second one (``m``, ``m.1``) and a command would silently use the wrong column.

Missing values in CSV and TSV text are pandas' own: empty cells and words such as ``NA``,
``null`` or ``None``. ``na_values=`` (``--na-values`` on the command line) lists instead exactly
the text that is missing (see :func:`read_table`). :func:`write_table` writes to standard output
for the path ``-``.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import itertools
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ._errors import InputError
from ._validation import check_columns

__all__ = ["read_table", "write_table", "require_columns", "TABLE_SUFFIXES"]

_COMPRESSED = (".gz", ".bz2", ".xz", ".zip")
_CSV = (".csv", *(".csv" + c for c in _COMPRESSED))
_TSV = (".tsv", *(".tsv" + c for c in _COMPRESSED))
TABLE_SUFFIXES = (*_CSV, *_TSV, ".parquet", ".pq", ".feather", ".npy")

# the text meaning "missing" for a whole command line (`--na-values`); None: pandas' own words
_NA_VALUES: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar("scimlkit_na_values",
                                                                                    default=None)
# within a command line (`table_options`): whether a table was written to standard output, after
# which the rest of the command's output goes to standard error; None outside a command line
_TABLE_ON_STDOUT: contextvars.ContextVar[bool | None] = contextvars.ContextVar("scimlkit_table_on_stdout",
                                                                               default=None)


@contextlib.contextmanager
def table_options(na_values: Iterable[str] | None = None):
    """The scope of one command line: within the block, ``read_table`` takes ``na_values`` as its
    default, and a table written to standard output sends the rest of the output to standard error."""
    na = _NA_VALUES.set(_na_texts(na_values))
    out = _TABLE_ON_STDOUT.set(False)
    try:
        yield
    finally:
        _TABLE_ON_STDOUT.reset(out)
        _NA_VALUES.reset(na)


def table_on_stdout() -> bool:
    """Whether a table was written to standard output (``write_table(frame, "-")``) in this command."""
    return bool(_TABLE_ON_STDOUT.get())


def _na_texts(na_values) -> tuple[str, ...] | None:
    """``na_values`` as a tuple of distinct texts (None stays None)."""
    if na_values is None:
        return None
    if isinstance(na_values, str | int | float):
        na_values = [na_values]
    try:
        texts = [str(v) for v in na_values]
    except TypeError:
        from ._validation import describe

        raise InputError(f"`na_values` must be a list of texts or None, got {describe(na_values)}") from None
    return tuple(dict.fromkeys(texts))


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(TABLE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def read_table(path: str | os.PathLike, *, columns: Iterable[str] | None = None, name: str = "file",
               allow_empty: bool = False, na_values: Iterable[str] | None = None):
    """Read a CSV / TSV / Parquet / Feather / NumPy file into a pandas DataFrame.

    A ``.csv`` file (compressed or not) whose header holds no comma but a semicolon, a tab or a
    vertical bar is read with that separator (the one that splits its first lines evenly).
    In a semicolon-separated file, a text column whose every value is a number written with a
    decimal comma (``1,5``) is read as numbers, unless another column writes its decimals with a
    point (then nothing is converted and such columns stay text). A header that names a column
    twice is refused, and so is a table without rows (a header alone) unless ``allow_empty``.

    Parquet and Feather files come back with rows numbered from 0: a named index (a frame saved
    after ``set_index("user")``) comes back as a column, an unnamed one is dropped. A structured
    ``.npy`` array gives one column per field, a nested field one per inner field (``b.c``).

    Missing values: by default, those of pandas' ``read_csv``, in every column of a CSV or TSV
    file: empty cells and the words ``NA``, ``N/A``, ``NaN``, ``nan``, ``NULL``, ``null``,
    ``None``, ``#N/A``, ``<NA>`` and the like (so a region ``NA`` for North America is missing
    too). A list in ``na_values`` names instead exactly the text that is missing, with empty
    cells, in every column, as pandas' ``keep_default_na=False, na_values=[...]``: ``[]`` keeps
    every word (only empty cells are missing), ``["NA", "-999"]`` makes those missing and keeps
    ``None`` or ``null`` as written; a text written as a number also matches the same number in
    a column of numbers (``-999.0``), and a column of numbers holding another word stays text.
    In Parquet, Feather and ``.npy`` files, whose gaps are real nulls, a list marks as missing
    the text and category cells equal to one of its texts, and the number cells (not True/False
    or dates) equal to one of its texts read as a number; without a list they are read as stored.

    Parameters
    ----------
    path : str or path-like
        The file to read; ``"-"`` reads standard input (CSV or TSV text, or the bytes of a
        Parquet, Feather or ``.npy`` file, recognised by their first bytes).
    columns : iterable of str, optional
        Columns that must be present; a missing one raises an error listing what is there.
    name : str
        How to call the file in error messages (e.g. ``"REFERENCE"``).
    allow_empty : bool
        Accept a table without rows (a header alone), for files where "nothing yet" is valid.
    na_values : iterable of str, optional
        Exactly the text that means a missing value, besides empty cells, in every column (exact
        match, e.g. ``["NA", "-"]``; ``[]``: only empty cells). None: pandas' own list (or, on the
        command line, what ``--na-values`` gave).

    Raises
    ------
    InputError
        When the file is missing, empty, without rows (unless ``allow_empty``), of an unknown kind, not UTF-8 text,
        unparsable, names a column twice, or lacks a column.

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
    na_values = _NA_VALUES.get() if na_values is None else _na_texts(na_values)
    if isinstance(path, str) and path == "-":
        return _read_stdin(columns, name, allow_empty, na_values)
    path = Path(path).expanduser()
    where = f"{name} '{path}'"
    if not path.exists():
        raise InputError(f"{where} does not exist")
    if path.is_dir():
        raise InputError(f"{where} is a directory, not a file")
    return _read_file(path, _suffix(path), where, columns, allow_empty, na_values)


_SPREADSHEETS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")

# the first bytes of the binary kinds, for a table piped in on standard input
_MAGIC = ((b"PAR1", ".parquet"), (b"ARROW1", ".feather"), (b"\x93NUMPY", ".npy"), (b"\x1f\x8b", ".csv.gz"),
          (b"\xfd7zXZ\x00", ".csv.xz"), (b"PK\x03\x04", ".csv.zip"))
# bzip2: "BZh", the level, then the mark of a first block or of the stream's end (a CSV file may
# begin with a column "BZh...")
_BZIP2 = re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)")


def _read_stdin(columns, name: str, allow_empty: bool, na_values: tuple[str, ...] | None = None):
    """The table piped in on standard input (``read_table("-")``)."""
    where = f"{name} '-' (standard input)"
    stream = sys.stdin
    try:
        interactive = stream is None or stream.isatty()
    except ValueError:  # closed
        interactive = True
    if interactive:
        raise InputError(f"{where}: nothing is piped in; pipe a table in (e.g. `cat t.csv | scimlkit ...`) "
                         "or give a file name")
    data = getattr(stream, "buffer", stream).read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    # Parquet and Arrow files also end with their mark (a CSV file may begin with a column "PAR1")
    suffix = next((s for magic, s in _MAGIC if data.startswith(magic)
                   and (s not in (".parquet", ".feather") or data.rstrip(b"\x00").endswith(magic))), None)
    suffix = suffix or (".csv.bz2" if _BZIP2.match(data) else _text_suffix(data))
    with tempfile.TemporaryDirectory(prefix="scimlkit-") as folder:
        path = Path(folder) / f"stdin{suffix}"
        path.write_bytes(data)
        return _read_file(path, suffix, where, columns, allow_empty, na_values)


def _text_suffix(data: bytes) -> str:
    """``.tsv`` for text piped in whose header and data lines all split into as many fields at
    tabs (whatever their commas: a "Last, First" or decimal-comma column), else ``.csv`` (whose
    reading finds a semicolon or a bar)."""
    lines = data.decode("utf-8", errors="replace").splitlines()[:50]
    lines = [line for line in lines if line.strip()]

    def consistent(sep: str) -> bool:
        counts = {len(row) for row in csv.reader(lines, delimiter=sep)}
        return len(counts) == 1 and counts.pop() > 1

    return ".tsv" if len(lines) > 1 and consistent("\t") else ".csv"


def _read_file(path: Path, suffix: str, where: str, columns, allow_empty: bool = False,
               na_values: tuple[str, ...] | None = None):
    """The table in ``path`` (an existing file of kind ``suffix``); ``where`` names it in errors."""
    import pandas as pd

    try:
        if suffix in _CSV:
            frame = _read_delimited(pd, path, None, where, na_values)
        elif suffix in _TSV:
            frame = _read_delimited(pd, path, "\t", where, na_values)
        elif suffix in (".parquet", ".pq"):
            try:
                frame = _index_as_columns(pd, pd.read_parquet(path))
            except Exception:
                _refuse_repeated(_parquet_names(path), where)
                raise
        elif suffix == ".feather":
            frame = _index_as_columns(pd, pd.read_feather(path))
        elif suffix == ".npy":
            frame = _npy_frame(pd, np.load(path, allow_pickle=False), where)
        else:
            sheet = " (a spreadsheet: save the sheet as CSV)" if suffix in _SPREADSHEETS else ""
            raise InputError(f"{where} has an unsupported extension '{suffix or '(none)'}'{sheet}; "
                             f"use one of {', '.join(TABLE_SUFFIXES)}")
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(f"{where} is empty") from None
    except UnicodeDecodeError:
        raise InputError(f"{where} is not UTF-8 text{_first_bad_byte(path)}; "
                         "save it with the UTF-8 encoding") from None
    except Exception as exc:  # pyarrow raises its own error classes for corrupt files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{where} could not be read as {suffix.lstrip('.')}: {first}") from None
    _refuse_repeated([str(c) for c in frame.columns], where)  # Feather and Parquet keep repeats
    if na_values and suffix not in (*_CSV, *_TSV):
        frame = _typed_missing(pd, frame, na_values)
    if len(frame) == 0 and not allow_empty:
        columns_text = f" ({', '.join(map(str, frame.columns[:8]))}{', ...' if frame.shape[1] > 8 else ''})"
        raise InputError(f"{where} has no rows, only column names{columns_text if frame.shape[1] else ''}")
    if columns is not None:
        require_columns(frame, columns, source=where)
    return frame


def _open_bytes(path: Path):
    """``path`` opened for reading its bytes, uncompressed by its extension (``.gz``, ``.bz2``,
    ``.xz``, or ``.zip`` holding one file)."""
    import bz2
    import gzip
    import lzma
    import zipfile

    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            # folders and the resource forks a Mac adds (__MACOSX/...) are no files of the table
            members = [m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")]
            if len(members) != 1:
                found = ", ".join(members[:5]) + (f" and {len(members) - 5} more" if len(members) > 5 else "")
                raise OSError(f"the archive holds {len(members)} files ({found or 'none'}), not one")
            return archive.open(members[0])
    openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    return next((f for end, f in openers.items() if name.endswith(end)), open)(path, "rb")


def _first_bad_byte(path: Path) -> str:
    """Where the first byte that is not UTF-8 is in a (possibly compressed) text file."""
    import codecs

    decoder, done = codecs.getincrementaldecoder("utf-8")(), 0
    try:
        with _open_bytes(path) as fh:
            while True:  # a large file is not held in memory to find the byte
                chunk = fh.read(1 << 20)
                start = done - len(decoder.getstate()[0])  # where the decoder's bytes begin
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    return f" ({exc.reason} at byte {start + exc.start})"
                if not chunk:
                    break
                done += len(chunk)
    except Exception:  # a damaged archive: no place to give
        pass
    return ""


def _index_as_columns(pd, frame):
    """``frame`` with rows numbered from 0: a named index (a frame saved with ``set_index("user")``)
    comes back as columns, as a CSV file would give it; other row labels are dropped."""
    names = [n for n in frame.index.names if n is not None]
    if names and not set(map(str, names)) & set(map(str, frame.columns)):
        return frame.reset_index()
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        return frame.reset_index(drop=True)
    return frame


def _npy_frame(pd, arr, where: str):
    """A NumPy array as a table: columns ``x0, x1, ...``, or one per field of a structured array."""
    if arr.dtype.names:
        if arr.ndim != 1:
            raise InputError(f"{where} holds a {arr.ndim}-D structured array; 1-D is needed")
        fields = list(_fields(arr, "", where))
        _refuse_repeated([n for n, _ in fields], where)  # a field 'b.c' beside a nested 'b' with 'c'
        return pd.DataFrame(dict(fields))
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{where} holds a {arr.ndim}-D array; 1-D or 2-D is needed")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def _fields(arr, prefix: str, where: str):
    """``(name, values)`` for each field of a structured array, nested fields as ``outer.inner``."""
    for field in arr.dtype.names:
        values, name = arr[field], f"{prefix}{field}"
        if values.dtype.names:
            yield from _fields(values, f"{name}.", where)
        elif values.ndim != 1:
            raise InputError(f"{where} has the field '{name}' holding arrays of shape "
                             f"{values.shape[1:]} in each row; one value per row is needed")
        else:
            yield name, values


_SEPARATORS = (";", "\t", "|")  # looked for when a .csv file's header holds no comma
# a number with a decimal comma (and optionally an exponent), or a whole number
_COMMA_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+,[0-9]*|,[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def _read_delimited(pd, path: Path, sep: str | None, where: str, na_values: tuple[str, ...] | None = None):
    """A CSV or TSV file as a DataFrame; ``sep=None`` finds the separator of a ``.csv`` file."""
    header = _header(pd, path, sep or ",")
    if sep is None:
        sep = ","
        if len(header) == 1 and any(c in header[0] for c in _SEPARATORS):
            sep = _sniff(path, header[0])
            header = _header(pd, path, sep)
    _refuse_repeated(header, where)
    # each column is typed from the whole file at once: typed in chunks, a column of codes with a
    # word late in a large file comes out part numbers, part text (0 and '0' as two values), and
    # one whose decimal commas start late part numbers, part text
    # na_values None: pandas' own words for a gap; a list: exactly these, and empty cells
    missing = {} if na_values is None else {"keep_default_na": False, "na_values": ["", *na_values]}
    # index_col=False: rows with one more field than the header (an export ending each line with
    # a separator) would otherwise make the first column the row labels and shift every other
    # column one place left; such files are read by _past_the_header
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Length of header", category=pd.errors.ParserWarning)
        try:
            frame = _read_csv(pd, path, sep=sep, low_memory=False, index_col=False, **missing)
            layout = {"index_col": False}
        except pd.errors.ParserWarning:
            frame, layout = _past_the_header(pd, path, sep, header, where, missing)
    if sep == ";":
        frame = _decimal_commas(pd, frame, path, missing, layout)
    return frame


def _read_csv(pd, path: Path, **options):
    """``pandas.read_csv`` of ``path``; the one file of a ``.zip`` archive is read as
    :func:`_open_bytes` finds it (pandas would refuse a folder entry beside it)."""
    if path.name.lower().endswith(".zip"):
        with _open_bytes(path) as fh:
            return pd.read_csv(fh, **options)
    return pd.read_csv(path, **options)


def _past_the_header(pd, path: Path, sep: str, header: list[str], where: str, missing: dict):
    """A delimited file whose rows hold more fields than its header names, and the options
    that read it: fields past the header that are empty in every row (an export ending each
    line with a separator or two) are dropped; then one more field holding a value in every row
    is the rows' labels, written without a name in the header (R's ``write.table``), read as the
    first column ``Unnamed: 0``; other values past the header are refused."""
    def refused():
        return InputError(f"{where} has a row with more values than its header has column names "
                          f"({len(header)}); name every column in the header")

    skip = _blank_lines_before(path) + 1  # the header row (pandas also skips blank lines before it)
    try:  # every field as text, the header row left out
        text = _read_csv(pd, path, sep=sep, header=None, skiprows=skip, dtype=str, keep_default_na=False,
                         low_memory=False)
    except pd.errors.ParserError:
        raise refused() from None
    filled = text.apply(lambda column: column.str.strip().ne("")).to_numpy()
    width = text.shape[1]
    while width > len(header) and not filled[:, width - 1].any():  # separators ending the rows
        width -= 1
    names = list(header)
    if width == len(header) + 1 and filled[:, width - 1].all() and filled[:, 0].all():
        if "Unnamed: 0" in header:
            raise refused()
        names = ["Unnamed: 0", *names]  # the rows' labels first
    elif width > len(header):
        raise refused()
    names = [n if n.strip() else f"Unnamed: {i}" for i, n in enumerate(names)]
    layout = {"header": None, "skiprows": skip, "index_col": False, "usecols": names,
              "names": [*names, *(f"_past_{i}" for i in range(text.shape[1] - len(names)))]}
    return _read_csv(pd, path, sep=sep, low_memory=False, **layout, **missing), layout


def _blank_lines_before(path: Path) -> int:
    """How many empty lines come before the first line holding text."""
    count = 0
    with _open_bytes(path) as fh:
        for line in fh:
            if line.strip(b"\r\n"):
                break
            count += 1
    return count


def _typed_missing(pd, frame, na_values: tuple[str, ...]):
    """``frame`` (read from a typed file) with its text and category cells equal to one of
    ``na_values``, and its number cells equal to one of them read as a number, missing."""
    numbers = set()
    for text in na_values:
        try:
            number = float(text)
        except ValueError:
            continue
        if number == number:
            numbers.add(number)
    changed = {}
    for column in frame.columns:
        col = frame[column]
        if isinstance(col.dtype, pd.CategoricalDtype):
            categories = col.cat.categories
            hit = categories.isin(na_values)
            if numbers and pd.api.types.is_numeric_dtype(categories.dtype):
                hit |= categories.isin(numbers)
            if hit.any():
                changed[column] = col.cat.remove_categories(categories[hit])
            continue
        if pd.api.types.is_bool_dtype(col.dtype):
            continue
        if pd.api.types.is_numeric_dtype(col.dtype):
            hit = col.isin(numbers) if numbers else None
        elif pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
            try:
                hit = col.isin(na_values)
            except TypeError:  # cells that cannot be compared by hash
                continue
            if hit.any() and col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) != "string":
                # a mixed column: only text cells (an array ["NA"] of a list column compares equal)
                hit[hit] = [isinstance(v, str) for v in col[hit]]
        else:
            continue
        if hit is not None and hit.any():
            changed[column] = col.where(~hit)
    return frame.assign(**changed) if changed else frame


def _header(pd, path: Path, sep: str) -> list[str]:
    """The names in a delimited file's header row as written (pandas renames repeated ones)."""
    head = _read_csv(pd, path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False)
    return [str(v) for v in head.iloc[0].tolist()] if len(head) else []


def _sniff(path: Path, header: str) -> str:
    """The separator of a ``.csv`` file whose header holds no comma: the one of ``;``, tab and
    ``|`` that splits the first lines into equally many fields, else the most frequent one in
    the header if the data lines use it too (or there are none); else a comma (one column whose
    name holds the character, such as ``p(y=1|x)``)."""
    import io

    lines: list[str] = []
    try:
        with _open_bytes(path) as raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as fh:
            lines = list(itertools.islice(fh, 50))
        found = csv.Sniffer().sniff("".join(lines), delimiters="".join(_SEPARATORS)).delimiter
    except Exception:  # csv.Error (no separator found), or a damaged archive
        found = None
    if found and found in header:
        return found
    likely = max(_SEPARATORS, key=header.count)
    data = [line for line in lines[1:] if line.strip()]
    split = any(len(row) > 1 for row in csv.reader(data, delimiter=likely))  # quotes respected
    return likely if not data or split else ","


def _decimal_commas(pd, frame, path: Path, missing: dict, layout: dict):
    """``frame`` (read from ``path`` with the options ``missing`` and ``layout``) with its text columns of
    decimal-comma numbers (``1,5``) read as numbers, when no column writes decimals with a point
    (which would make the comma ambiguous: a float column with a fraction, or a whole-valued one
    without gaps, which pandas makes float only when its numbers are written ``10.0`` or ``1e3``)."""
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
    again = _read_csv(pd, path, sep=";", decimal=",", low_memory=False, **{**layout, "usecols": comma}, **missing)
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


def _refuse_repeated(names: list[str], where: str) -> None:
    """Raise ``InputError`` if a column name (not blank) appears more than once in ``names``."""
    seen = set()
    for column in names:
        if column.strip() and column in seen:
            raise InputError(f"{where} has the column '{column}' more than once in its header; "
                             f"rename the columns so that each name is used once")
        seen.add(column)


def require_columns(frame, columns: Iterable[str], *, source: str = "the table") -> None:
    """Raise :class:`InputError` naming the first of ``columns`` missing from ``frame``."""
    check_columns(frame, columns, source=source)


_WRITABLE = (*_CSV, *_TSV, ".parquet", ".pq", ".feather")


def write_table(frame, path: str | os.PathLike) -> Path:
    """Write a DataFrame as CSV (``.csv``), TSV (``.tsv``), either compressed (``.csv.gz``,
    ``.csv.bz2``, ``.csv.xz``, ``.csv.zip``), Parquet (``.parquet``, ``.pq``) or Feather, chosen
    by the file extension.

    The path ``"-"`` writes CSV to standard output (``Path("-")`` is returned); on the command
    line, whatever the command prints after that goes to standard error, so that standard output
    holds the table alone (``scimlkit calibrate apply cal.joblib new.csv --out - > scored.csv``).
    Called from Python, it changes nothing else.

    Parquet and Feather hold one type per column: a column of Python objects of several kinds
    (a parameter whose choices are ``"sqrt"``, ``0.5`` and ``None``) is written as text, as CSV
    writes every column, with its missing values kept missing. An unsupported extension or a
    file that cannot be written raises :class:`InputError`.
    """
    if isinstance(path, str) and path == "-":
        sys.stdout.flush()
        frame.to_csv(sys.stdout, index=False)
        sys.stdout.flush()
        if _TABLE_ON_STDOUT.get() is not None:  # within a command line only
            _TABLE_ON_STDOUT.set(True)
        return Path("-")
    path = Path(path).expanduser()
    suffix = _suffix(path)
    if suffix not in _WRITABLE:
        raise InputError(f"output '{path}' has an unsupported extension '{suffix or '(none)'}'; "
                         f"use one of {', '.join(_WRITABLE)}")
    try:
        if suffix in (".parquet", ".pq"):
            _typed_columns(frame).to_parquet(path, index=False)
        elif suffix in _CSV:
            frame.to_csv(path, index=False)
        elif suffix in _TSV:
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
