"""CSV that a spreadsheet opens as text: every CSV buurtwatt hands to a person goes through here.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)`` in a participant's
name becomes a link that leaks data). Such a cell gets a leading ``'``, which the
spreadsheet shows as text. Numbers stay numbers: ``-3.5`` is a value, not a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")  # a decimal comma too (Dutch Excel)


def safe_cell(value: object) -> str:
    """``value`` as CSV text that no spreadsheet runs."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """``csv.writer`` with every cell passed through :func:`safe_cell`."""

    def __init__(self, stream: IO[str], **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: IO[str], **options: Any) -> SafeWriter:
    """A CSV writer for files people open in a spreadsheet (options as for ``csv.writer``)."""
    return SafeWriter(stream, **options)
