"""The [shares] section and the [[installations]] of the collective roof.

Every plain string in [shares] is a path (the site config resolves them relative to the
config file), so settings that are not paths live in sub-tables such as [shares.links].
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from buurtwatt.config_base import StrictModel

PC4 = r"^[1-9][0-9]{3}$"
# the postcoderoos (Regeling Verlaagd Tarief) closed to new installations on 1 April 2021; SCE replaced it
POSTCODEROOS_CLOSED = date(2021, 4, 1)


class LinksConfig(StrictModel):
    base_url: str | None = Field(
        default=None,
        description="public address of the dashboard, "
        "e.g. https://zon.example.nl; default http://HOST:PORT of [dashboard]",
    )


class SharesConfig(StrictModel):
    participants: Path | None = None
    holdings: Path | None = None
    tokens: Path | None = Field(
        default=None, description="hashed participant tokens; default tokens.json next to holdings.csv"
    )
    locked: Path | None = Field(
        default=None, description="folder of confirmed (frozen) years; default locked/ next to holdings.csv"
    )
    factors: Path | None = Field(
        default=None, description="energy-tax and SCE tables; default config/factors/nl.toml"
    )
    payments: Path | None = Field(
        default=None, description="payments to and from the cooperative: date,participant,amount,kind"
    )
    links: LinksConfig = LinksConfig()

    def _beside_holdings(self, name: str) -> Path | None:
        base = self.holdings or self.participants
        return base.parent / name if base else None

    @property
    def tokens_path(self) -> Path | None:
        return self.tokens or self._beside_holdings("tokens.json")

    @property
    def locked_dir(self) -> Path | None:
        return self.locked or self._beside_holdings("locked")


class SceConfig(StrictModel):
    """How the cooperative shares out its SCE subsidy."""

    payout: Literal["per_kwh", "per_share"] = "per_kwh"
    basisbedrag: Decimal | None = Field(default=None, ge=0, description="EUR/kWh from the beschikking")
    basisenergieprijs: Decimal | None = Field(
        default=None,
        ge=0,
        description="EUR/kWh from the beschikking: the floor under the correctiebedrag",
    )
    source: str = Field(default="", description="where basisbedrag and basisenergieprijs come from")
    kwp: Decimal | None = Field(default=None, gt=0, description="peak power; caps subsidised kWh")
    full_load_hours: int | None = Field(default=None, gt=0, description="default from the factors file")
    eur_per_kwh: dict[str, Decimal] = Field(
        default_factory=dict, description='per-year subsidy override, e.g. {"2025" = 0.05}'
    )
    eur_per_share_year: Decimal | None = Field(
        default=None, ge=0, description="fixed payout per share per year"
    )

    @field_validator("eur_per_kwh")
    @classmethod
    def _years(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for key, amount in value.items():
            if not re.match(r"^(19|20)[0-9]{2}$", key):
                raise ValueError(f'eur_per_kwh keys are years like "2025"; found {key!r}')
            if amount < 0:
                raise ValueError(f"eur_per_kwh for {key} is negative; the subsidy is never below 0")
        return value

    @model_validator(mode="after")
    def _complete(self) -> SceConfig:
        if self.payout == "per_share" and self.eur_per_share_year is None:
            raise ValueError('payout = "per_share" needs eur_per_share_year')
        if self.payout == "per_kwh" and self.basisbedrag is None and not self.eur_per_kwh:
            raise ValueError('payout = "per_kwh" needs basisbedrag (from the beschikking) or eur_per_kwh')
        if self.basisbedrag is not None and self.basisenergieprijs is None:
            raise ValueError(
                "basisbedrag needs basisenergieprijs (also in the beschikking): the correctiebedrag "
                "never counts below it, so without it the subsidy of a low-price year is overstated"
            )
        return self


class InstallationConfig(StrictModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    label: str = ""
    scheme: Literal["postcoderoos", "sce"]
    production: str = Field(
        pattern=r"^[a-z][a-z0-9_\-]*:[a-z0-9_]+$",
        description="counter series of the roof's yield, e.g. dak:energy_kwh",
    )
    shares_issued: int = Field(gt=0)
    delivery_start: date = Field(description="first delivery to the grid; the 15-year window starts here")
    pc4: str = Field(pattern=PC4)
    rose: list[str] = Field(default_factory=list, description="PC4 areas next to pc4 (pc4 itself is added)")
    count_unsold: bool = Field(
        default=True,
        description="unsold shares stay in the denominator; their part stays with the cooperative",
    )
    ean: str = ""
    sce: SceConfig | None = None

    @field_validator("delivery_start")
    @classmethod
    def _scheme_open(cls, value: date, info: ValidationInfo) -> date:
        """A postcoderoos roof must have been designated before the scheme closed."""
        if info.data.get("scheme") == "postcoderoos" and value >= POSTCODEROOS_CLOSED:
            raise ValueError(
                f"installation {info.data.get('name', '?')!r} starts on {value}, but the postcoderoos "
                f"scheme closed to new installations on {POSTCODEROOS_CLOSED}; a roof from then on "
                'falls under the SCE subsidy: set scheme = "sce" with an [installations.sce] table '
                "(basisbedrag and basisenergieprijs from the beschikking)"
            )
        return value

    @field_validator("rose")
    @classmethod
    def _pc4_list(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.match(PC4, v)]
        if bad:
            raise ValueError(f'rose holds 4-digit postcode areas like "2532"; found {bad}')
        return value

    @model_validator(mode="after")
    def _scheme_settings(self) -> InstallationConfig:
        if self.scheme == "sce" and self.sce is None:
            raise ValueError(
                f'installation {self.name!r} has scheme = "sce" but no [installations.sce] table'
            )
        if self.scheme == "postcoderoos" and self.sce is not None:
            raise ValueError(f"installation {self.name!r} is postcoderoos; remove its sce table")
        return self

    @property
    def rose_pc4(self) -> frozenset[str]:
        return frozenset([self.pc4, *self.rose])

    @property
    def title(self) -> str:
        return self.label or self.name
