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
import time
from collections import deque
from collections.abc import Iterable
from datetime import date
from pathlib import Path

TOKEN_BYTES = 32
_EMPTY = hashlib.sha256(b"").hexdigest()


def hash_token(token: str) -> str:
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

    def has_token(self, participant_id: str) -> bool:
        with self._lock:
            return participant_id in self._load()

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

    def revoke(self, participant_id: str) -> bool:
        with self._lock:
            entries = dict(self._load())
            if entries.pop(participant_id, None) is None:
                return False
            self._save(entries)
            return True

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


class AttemptLimiter:
    """At most ``limit`` failed token attempts per client in ``window_s`` seconds."""

    def __init__(self, limit: int = 10, window_s: float = 600.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        q = self._failures.setdefault(client, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def allowed(self, client: str, now: float | None = None) -> bool:
        with self._lock:
            return len(self._recent(client, now if now is not None else time.monotonic())) < self.limit

    def failed(self, client: str, now: float | None = None) -> None:
        with self._lock:
            self._recent(client, now if now is not None else time.monotonic()).append(
                now if now is not None else time.monotonic()
            )
            if len(self._failures) > 10_000:  # forget the quietest clients rather than grow without end
                for key in [k for k, q in self._failures.items() if not q][:5_000]:
                    del self._failures[key]
