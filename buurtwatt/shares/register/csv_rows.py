"""Reading one register CSV: delimiter, header check, rows with their line numbers.

Problems are collected, not raised, so one check names every mistake in the file at once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from datetime import date

from buurtwatt.shares.register.problems import ERROR, RegisterProblem

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def sniff_delimiter(text: str) -> str:
    """Spreadsheets in Dutch settings save CSV with semicolons."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


class CsvRows:
    """CSV rows with their line numbers and a problem list that knows the file and columns."""

    def __init__(
        self,
        text: str,
        file: str,
        required: Sequence[str],
        optional: Sequence[str],
        problems: list[RegisterProblem],
    ) -> None:
        self.file, self.problems = file, problems
        self.miscounted: list[list[str]] = []  # rows with too few or too many values, as read
        text = text.lstrip("\ufeff")
        self.reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
        header = next(self.reader, None)
        self.columns: list[str] = [c.strip().lower() for c in header] if header else []
        self.ok = self._check_header(required, optional) if header else False
        if not header:
            self.error(1, "empty_file", columns=",".join(required))

    def _check_header(self, required: Sequence[str], optional: Sequence[str]) -> bool:
        ok = True
        for name in required:
            if name not in self.columns:
                self.error(1, "missing_column", name=name, columns=",".join(required))
                ok = False
        allowed = ", ".join((*required, *optional))
        for index, name in enumerate(self.columns, start=1):
            if name not in required and name not in optional:
                self.error(1, "unknown_column", column=index, column_name=name, name=name, allowed=allowed)
                ok = False
        if len(set(self.columns)) != len(self.columns):
            self.error(1, "column_twice")
            ok = False
        return ok

    def error(
        self,
        line: int,
        code: str,
        /,
        column: int | None = None,
        column_name: str | None = None,
        severity: str = ERROR,
        **values: object,
    ) -> None:
        problem = RegisterProblem.of(self.file, line, code, column, column_name, severity, **values)
        self.problems.append(problem)

    def at(self, line: int, column: str, code: str, /, **values: object) -> None:
        """A problem in the named ``column`` of ``line``."""
        self.error(line, code, self.columns.index(column) + 1, column, **values)

    def date_at(self, line: int, row: dict[str, str], name: str) -> date | None:
        """The date in column ``name``, or None with a problem noted."""
        text = row[name]
        if not _DATE.match(text):
            self.at(line, name, "not_a_date", text=text)
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.at(line, name, "not_a_real_date", text=text)
            return None

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        if not self.ok:
            return
        for values in self.reader:
            line = self.reader.line_num
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(self.columns):
                self.error(line, "value_count", values=len(values), columns=len(self.columns))
                self.miscounted.append(values)
                continue
            yield line, {name: value.strip() for name, value in zip(self.columns, values, strict=True)}
