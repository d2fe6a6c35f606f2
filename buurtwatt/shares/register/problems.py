"""What is wrong in a register file, said in the reader's language.

A problem keeps a catalogue key (``register.<code>`` in buurtwatt/locales) and its values, not
a finished sentence, so the command line and the admin page (Dutch or English) say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from buurtwatt.i18n import t

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, slots=True)
class RegisterProblem:
    file: str
    line: int  # 0: the file as a whole
    column: int | None
    column_name: str | None
    code: str
    values: tuple[tuple[str, str], ...] = ()
    severity: str = ERROR

    @classmethod
    def of(
        cls,
        file: str,
        line: int,
        code: str,
        /,
        column: int | None = None,
        column_name: str | None = None,
        severity: str = ERROR,
        **values: object,
    ) -> RegisterProblem:
        texts = tuple((k, str(v)) for k, v in values.items())
        return cls(file, line, column, column_name, code, texts, severity)

    def message(self, lang: str = "en") -> str:
        """What is wrong and how to fix it."""
        return t(f"register.{self.code}", lang, **dict(self.values))

    def where(self, lang: str = "en") -> str:
        """File, line and column."""
        if not self.line:
            return self.file
        text = t("register.where_line", lang, file=self.file, line=self.line)
        if self.column:
            text += t("register.where_column", lang, column=self.column, name=self.column_name)
        return text

    def render(self, lang: str = "en") -> str:
        severity = t(f"register.{self.severity}", lang)
        return f"{self.where(lang)}: {severity}: {self.message(lang)}"

    def __str__(self) -> str:
        return self.render()


class RegisterError(Exception):
    """The register was refused; ``problems`` holds every error (and warning) found."""

    def __init__(self, problems: Sequence[RegisterProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    @property
    def errors(self) -> list[RegisterProblem]:
        return [p for p in self.problems if p.severity == ERROR]

    def render(self, lang: str = "en") -> str:
        head = t("register.refused", lang, n=len(self.errors))
        return "\n".join([head, *(f"  {p.render(lang)}" for p in self.problems)])
