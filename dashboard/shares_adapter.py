"""The one place the dashboard asks the share register (buurtwatt.shares, issue 9).

Public pages only ever get totals for the whole roof. Participant data goes out only
for a verified token (/mijn) or to a logged-in admin (/beheer).

The register is read once per change of its files; a refused register is kept with its
problems, so /beheer can show them and no page fails. A participant summary is worked out
again from the first holding on every call (about 0.1-0.2 s), so it is kept per participant
per day; the roof's own figures stay fresh to the half minute.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import flask

from buurtwatt.ratelimit import FailureLimiter
from buurtwatt.shares import roof
from buurtwatt.shares.config import InstallationConfig
from buurtwatt.shares.ledger import ProductionSource, open_register, settle_period, tariffs_for
from buurtwatt.shares.pcr import PcrYear, pcr_years
from buurtwatt.shares.register import Register, RegisterError, RegisterProblem
from buurtwatt.shares.sce import SceYear, sce_years
from buurtwatt.shares.settle import RoundedSettlement, SettlementError
from buurtwatt.shares.statement import build_statement
from buurtwatt.shares.summary import ParticipantSummary, participant_summary
from buurtwatt.shares.tokens import TokenStore
from buurtwatt.timeutil import local_date
from dashboard.context import DashContext
from dashboard.context import current as current_context

log = logging.getLogger(__name__)

# wrong participant links: 20 per address for typos and old links, then 10 s, 20 s ... up to
# 10 minutes between tries; 300 from all addresses together per 10 minutes. Only wrong links
# count and only they are refused (HTTP 429): a 256-bit token cannot be guessed, so a right one
# is always answered, also from an address (or a shared proxy) that is slowed down.
TOKEN_ATTEMPTS = FailureLimiter(free=20, base_s=10, cap_s=600, global_limit=300, global_window_s=600)
_LINK = re.compile(r"^/mijn/(?P<token>[^/]+)(/|$)")
ROOF_TTL = 30
_RESOLVED = "bw_participants"  # flask.g: token -> participant id, for this request only


@dataclass(frozen=True)
class RoofTotals:
    """:class:`buurtwatt.shares.roof.RoofTotals` in the floats the formatters take."""

    today_kwh: float | None  # None: no reading today yet (never shown as 0)
    year_kwh: float | None
    shares_issued: int
    shares_held: int
    participants: int


@dataclass(frozen=True)
class Allocation:
    """One installation's split for a period, for the admin page."""

    installation: str
    title: str
    settled: RoundedSettlement
    unpriced_years: tuple[int, ...] = ()  # no published figures: the euros of these years are not known


@dataclass(frozen=True)
class RegisterState:
    """The register as last read: loaded (with any warnings) or refused (with its errors)."""

    register: Register | None
    problems: tuple[RegisterProblem, ...]


def roof_series(ctx: DashContext) -> tuple[str, ...]:
    """Production counters of the collective roof (all participants together)."""
    found = [inst.production for inst in ctx.config.installations]
    collective = ctx.config.balance.collective
    if not found and collective:
        found = list(collective.production)
    return tuple(found)


def _stamp(path: Path | None) -> int:
    try:
        return os.stat(path).st_mtime_ns if path else 0
    except OSError:
        return 0


def register_state(ctx: DashContext) -> RegisterState:
    """The register files, read and checked again only when one of them changes."""
    shares = ctx.config.shares
    if not shares.participants or not shares.holdings:
        return RegisterState(None, ())
    key = ("register", _stamp(shares.participants), _stamp(shares.holdings))

    def load() -> RegisterState:
        try:
            reg = open_register(ctx.config)
        except RegisterError as exc:
            log.error("%s", exc.render())
            return RegisterState(None, tuple(exc.problems))
        return RegisterState(reg, reg.warnings)

    return ctx.cached(key, 600, load)


def register(ctx: DashContext) -> Register | None:
    """The validated register; None when absent or refused."""
    return register_state(ctx).register


def roof_totals(ctx: DashContext, now: float) -> RoofTotals | None:
    """The whole roof today and this year: totals only, never per person."""
    series = roof_series(ctx)
    if not series:
        return None

    def compute() -> RoofTotals:
        today = local_date(now, ctx.tz)
        found = roof.roof_totals(ctx.store, series, ctx.config.installations, register(ctx), today, ctx.tz)
        return RoofTotals(
            None if found.today_kwh is None else float(found.today_kwh),
            None if found.year_kwh is None else float(found.year_kwh),
            found.shares_issued,
            found.shares_held,
            found.participants,
        )

    return ctx.cached(("roof", int(now // ROOF_TTL)), ROOF_TTL, compute)


def _tokens(ctx: DashContext) -> TokenStore | None:
    path = ctx.config.shares.tokens_path
    # one store for the process: it reads the file again only when it changes
    return ctx.cached(("tokens", path), 86400, lambda: TokenStore(path)) if path else None


def _client() -> str:
    return (flask.request.remote_addr if flask.has_request_context() else None) or "?"


def _verify(ctx: DashContext, token: str) -> str | None:
    client = _client()
    tokens = _tokens(ctx)
    try:
        pid = tokens.verify_token(token) if tokens else None
    except (OSError, ValueError):  # an unreadable tokens file: no link works, none fails with a 500
        log.exception("cannot read the participant tokens")
        pid = None
    if pid is None:
        TOKEN_ATTEMPTS.failed(client)
    return pid


def refuse_wrong_link() -> flask.Response | None:
    """Before a request for ``/mijn/<token>...``: a wrong link from a client that has tried too
    many gets HTTP 429 with Retry-After; a right link goes on, however many wrong ones came first."""
    found = _LINK.match(flask.request.path)
    if found is None or participant_id(current_context(), found.group("token")) is not None:
        return None
    wait = TOKEN_ATTEMPTS.wait_s(_client())
    if wait == 0:
        return None
    log.warning("participant link refused for %s: too many wrong links", _client())
    return flask.Response(
        "429 Too Many Requests",
        status=429,
        mimetype="text/plain",
        headers={"Retry-After": str(int(wait) + 1)},
    )


def participant_id(ctx: DashContext, token: str) -> str | None:
    """The participant behind a link, or None. Verified once per request (the page title and the
    page itself ask in the same request); failed attempts count per client address."""
    if not flask.has_request_context():
        return _verify(ctx, token)
    resolved: dict[str, str | None] = flask.g.setdefault(_RESOLVED, {})
    if token not in resolved:
        resolved[token] = _verify(ctx, token)
    return resolved[token]


def settle_today(ctx: DashContext, now: float) -> None:
    """Settle every installation for today before the first participant asks (warm-up)."""
    reg = register(ctx)
    if reg is not None and reg.participants:
        summary(ctx, next(iter(reg.participants)), now)


def summary(ctx: DashContext, pid: str, now: float) -> ParticipantSummary | None:
    """The participant's own figures, worked out once per participant per day."""
    reg = register(ctx)
    if reg is None:
        return None
    today = local_date(now, ctx.tz)
    # one settlement per installation per day (and register version), shared by all participants
    settled = ctx.cached(("settlements", id(reg), today), 86400, dict)
    return ctx.cached(
        ("participant", pid, today),
        86400,
        lambda: participant_summary(
            ctx.config, ctx.store, pid, today, register=reg, settlements_cache=settled
        ),
    )


def statement_years(found: ParticipantSummary) -> list[int]:
    """Last year and this year so far, each only when the participant had kWh in it (a year
    without shares or without production gets no statement)."""
    years = [found.today.year] if found.this_year_kwh > 0 else []
    if found.last_year_kwh > 0:
        years.insert(0, found.today.year - 1)
    return years


def statement(ctx: DashContext, pid: str, year: int, now: float) -> bytes | None:
    reg = register(ctx)
    if reg is None:
        return None
    today = local_date(now, ctx.tz)
    return ctx.cached(
        ("statement", pid, year, today),
        86400,
        lambda: build_statement(ctx.config, ctx.store, pid, year, today, register=reg),
    )


def allocations(ctx: DashContext, year: int, now: float) -> list[Allocation]:
    """The split of ``year`` (so far) per installation, rounded once, for the admin page."""
    reg = register(ctx)
    if reg is None:
        return []
    today = local_date(now, ctx.tz)

    def compute() -> list[Allocation]:
        out = []
        for inst in ctx.config.installations:
            first = max(date(year, 1, 1), inst.delivery_start)
            last = min(date(year, 12, 31), today)
            if first > last:
                continue
            try:
                settled = settle_period(ctx.config, reg, inst, ProductionSource(store=ctx.store), first, last)
            except SettlementError as exc:
                log.error("cannot split %s for %d: %s", inst.name, year, exc)
                continue
            out.append(Allocation(inst.name, inst.title, settled.rounded(3), settled.unpriced_years))
        return out

    return ctx.cached(("allocations", year, today), 86400, compute)


def register_rows(ctx: DashContext) -> list[dict[str, str]]:
    """The participant register for the admin page and its download (no tokens)."""
    reg = register(ctx)
    if reg is None:
        return []
    today = local_date(time.time(), ctx.tz)
    held: dict[str, int] = {}
    for inst in ctx.config.installations:
        for pid, n in reg.shares_on(inst.name, today).items():
            held[pid] = held.get(pid, 0) + n
    return [
        {
            "participant_id": p.participant_id,
            "name": p.name,
            "postcode": p.postcode,
            "shares": str(held.get(p.participant_id, 0)),
            "repay_from_yield": str(p.repay_from_yield).lower(),
            "stake_eur": str(p.stake_eur),
        }
        for p in reg.participants.values()
    ]


def sce_figures(ctx: DashContext, now: float) -> list[tuple[InstallationConfig, list[SceYear]]]:
    """Per SCE installation its figures per year up to this year, each with its source."""
    year = local_date(now, ctx.tz).year
    tariffs = tariffs_for(ctx.config)
    found = [(inst, sce_years(inst, tariffs, year)) for inst in ctx.config.installations]
    return [(inst, years) for inst, years in found if years]


def pcr_figures(ctx: DashContext, now: float) -> list[tuple[InstallationConfig, list[PcrYear]]]:
    """Per postcoderoos installation the energy-tax reduction per year, each with its source."""
    year = local_date(now, ctx.tz).year
    tariffs = tariffs_for(ctx.config)
    found = [(inst, pcr_years(inst, tariffs, year)) for inst in ctx.config.installations]
    return [(inst, years) for inst, years in found if years]


def payment_rows(ctx: DashContext) -> list[dict[str, str]]:
    """payments.csv as read (date order), for the admin page."""
    reg = register(ctx)
    if reg is None:
        return []
    return [
        {
            "date": p.day.isoformat(),
            "participant": p.participant_id,
            "amount": str(p.amount_eur),
            "kind": p.kind,
        }
        for p in reg.payments
    ]


def holdings_rows(ctx: DashContext) -> list[dict[str, str]]:
    reg = register(ctx)
    if reg is None:
        return []
    return [
        {
            "participant_id": h.participant_id,
            "installation": h.installation,
            "shares": str(h.shares),
            "start": h.start.isoformat(),
            "end": h.end.isoformat() if h.end else "",
        }
        for h in reg.holdings
    ]
