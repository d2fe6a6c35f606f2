"""Personal tokens for the participant page ``/mijn/<token>``.

A token is 32 random bytes (256 bits), shown once when it is issued. Only its SHA-256 is
stored (a token this random needs no slow hash: it cannot be guessed from a dictionary).
:meth:`TokenStore.verify_token` compares against every stored hash in constant time and
answers None for anything unknown, revoked or malformed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from buurtwatt.config import SiteConfig

TOKEN_BYTES = 32
_EMPTY = hashlib.sha256(b"").hexdigest()


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """The hashed tokens in a JSON file next to the register."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._entries: dict[str, dict[str, str]] = {}

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._entries, self._mtime = {}, None
            return self._entries
        if mtime != self._mtime:
            self._entries = json.loads(self.path.read_text(encoding="utf-8"))
            self._mtime = mtime
        return self._entries

    def _save(self, entries: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entries, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        self._mtime = None

    def issue(self, participant_id: str, today: date | None = None) -> str:
        """A new token for the participant; the old one stops working at once."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self._lock:
            entries = dict(self._load())
            entries[participant_id] = {
                "sha256": hash_token(token),
                "issued": (today or date.today()).isoformat(),
            }
            self._save(entries)
        return token

    def issue_missing(self, participant_ids: Iterable[str], today: date | None = None) -> dict[str, str]:
        """Tokens for everyone who has none yet (one write for all)."""
        issued: dict[str, str] = {}
        with self._lock:
            entries = dict(self._load())
            for pid in participant_ids:
                if pid not in entries:
                    token = secrets.token_urlsafe(TOKEN_BYTES)
                    entries[pid] = {
                        "sha256": hash_token(token),
                        "issued": (today or date.today()).isoformat(),
                    }
                    issued[pid] = token
            if issued:
                self._save(entries)
        return issued

    def verify_token(self, token: str) -> str | None:
        """The participant id of a valid token, else None. Time does not depend on which
        entry matches, or how much of a hash matches."""
        well_formed = isinstance(token, str) and 20 <= len(token) <= 100
        candidate = hash_token(token) if well_formed else _EMPTY
        with self._lock:
            entries = self._load()
        found: str | None = None
        for pid, entry in entries.items():
            if hmac.compare_digest(entry.get("sha256", ""), candidate) and candidate != _EMPTY:
                found = pid
        return found


def verify_link(config: SiteConfig, token: str) -> str | None:
    """The participant id behind a personal link, or None (the same answer for every failure).

    For one-off callers (the CLI, tests); the dashboard keeps one :class:`TokenStore`.
    """
    path = config.shares.tokens_path
    if path is None:
        return None
    try:
        return TokenStore(path).verify_token(token)
    except (OSError, ValueError):
        return None
