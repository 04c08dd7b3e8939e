"""Progress bars for long work: shown on a terminal, silent when piped or in tests.

Usage::

    with progress(total=n, description="trials") as bar:
        for ...:
            bar.advance(1, status=f"best {best:.4g}")
"""

from __future__ import annotations

import os
import sys

__all__ = ["progress"]


def _enabled(show: bool | None) -> bool:
    if show is not None:
        return bool(show)
    if os.environ.get("SCIMLKIT_PROGRESS") == "0" or os.environ.get("CI"):
        return False
    return sys.stderr.isatty()


class _Silent:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def advance(self, steps: int = 1, status: str | None = None) -> None:
        pass


class _RichBar:
    def __init__(self, total, description):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}", style="bold", markup=False),  # shown as written: "[...]" is text
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}", markup=False),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task(description, total=total, status="")

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc):
        self._progress.stop()
        return False

    def advance(self, steps: int = 1, status: str | None = None) -> None:
        if status is None:
            self._progress.advance(self._task, steps)
        else:
            self._progress.update(self._task, advance=steps, status=status)


def progress(total: int | None, description: str = "working", show: bool | None = None):
    """A context manager with ``advance(steps, status=None)``; a no-op unless on a terminal.

    ``show=None`` decides automatically (a terminal on stderr, not ``CI``, and
    ``SCIMLKIT_PROGRESS`` not ``0``); ``True`` or ``False`` force it either way.
    """
    return _RichBar(total, description) if _enabled(show) else _Silent()
