"""The register from its two files, checked as a whole: any error refuses it whole
(:class:`RegisterError` lists every problem); warnings ride along on the :class:`Register`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.register.checks import check_issued, check_rose
from buurtwatt.shares.register.holdings import parse_holdings
from buurtwatt.shares.register.model import Register
from buurtwatt.shares.register.participants import parse_participants
from buurtwatt.shares.register.payments import parse_payments
from buurtwatt.shares.register.problems import ERROR, RegisterError, RegisterProblem


def parse_register(
    participants_text: str,
    holdings_text: str,
    installations: Sequence[InstallationConfig],
    participants_file: str = "participants.csv",
    holdings_file: str = "holdings.csv",
    payments_text: str | None = None,
    payments_file: str = "payments.csv",
) -> Register:
    """Check the files together; raise :class:`RegisterError` if anything is wrong."""
    problems: list[RegisterProblem] = []
    by_name = {i.name: i for i in installations}
    people = parse_participants(participants_text, participants_file, problems)
    holdings = parse_holdings(holdings_text, holdings_file, people.all_ids, by_name, problems)
    problems += check_issued(holdings, by_name, holdings_file)
    problems += check_rose(people.valid, holdings, by_name, participants_file)
    payments = parse_payments(payments_text, payments_file, people.all_ids, problems) if payments_text else []
    if any(p.severity == ERROR for p in problems):
        raise RegisterError(problems)
    holdings.sort(key=lambda h: (h.installation, h.start, h.participant_id, h.line))
    return Register(people.valid, tuple(holdings), tuple(problems), tuple(payments))


def read_text(path: Path) -> str:
    """A register file as text (UTF-8, optional BOM); RegisterError when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RegisterError([RegisterProblem.of(str(path), 0, "cannot_read", reason=exc.strerror)]) from None
    except UnicodeDecodeError:
        raise RegisterError([RegisterProblem.of(str(path), 0, "not_utf8")]) from None


def load_register(
    participants: Path,
    holdings: Path,
    installations: Sequence[InstallationConfig],
    payments: Path | None = None,
) -> Register:
    """Read the register files (payments when given) and check them."""
    return parse_register(
        read_text(participants),
        read_text(holdings),
        installations,
        str(participants),
        str(holdings),
        read_text(payments) if payments else None,
        str(payments) if payments else "payments.csv",
    )
