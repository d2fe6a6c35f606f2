"""CSV out in two flavours: plain (comma, decimal point) and Dutch Excel (semicolon, decimal comma).

Dutch Excel reads "262.649" as 262 649 and splits columns on ";"; with ``excel_nl`` numbers are
written as "262,649", fields are separated by ";" and the file starts with a UTF-8 byte order
mark so Excel shows "m³" and "€" right. Used by ``buurtwatt export --excel-nl`` and the
dashboard's download buttons.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from typing import TextIO

from buurtwatt import csvsafe

BOM = "\ufeff"


def cell(value: object, excel_nl: bool, decimals: int | None = None) -> str:
    """One value as text: floats with a decimal point, or a decimal comma for Dutch Excel.

    No thousands separator in either flavour: spreadsheets would read it as a decimal sign."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        text = f"{value:.{decimals}f}" if decimals is not None else repr(value)
        return text.replace(".", ",") if excel_nl else text
    return "" if value is None else str(value)


def write_csv(
    out: TextIO,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    excel_nl: bool = False,
    decimals: int | None = None,
) -> None:
    if excel_nl:
        out.write(BOM)
    # through csvsafe: a cell that starts like a formula is written as text
    writer = csvsafe.writer(
        out, delimiter=";" if excel_nl else ",", lineterminator="\r\n" if excel_nl else "\n"
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v, excel_nl, decimals) for v in row])


def csv_text(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    excel_nl: bool = False,
    decimals: int | None = None,
) -> str:
    out = io.StringIO()
    write_csv(out, header, rows, excel_nl, decimals)
    return out.getvalue()
