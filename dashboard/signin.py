"""Password doors: the admin's (/beheer) and the coach's (/coach/spreekuur) follow one set of rules.

- A password is checked only while the client may try (:data:`PASSWORDS`, one limiter for
  both doors: a guess is a guess); every failure counts, empty ones too.
- A login starts a fresh server-side session (a new id: see :mod:`dashboard.sessions`) holding
  the role, a CSRF token for the logout form, and a fingerprint of the password hash it was
  made with. When the hash in the environment (or file) changes, that fingerprint no longer
  matches and every session of that role is over at its next request.
- A logout (with the form's CSRF token) deletes the session on the server.

Werkzeug password hashes (``scrypt:...`` or ``pbkdf2:...``), made with
``python -c 'from werkzeug.security import generate_password_hash as g; print(g("..."))'``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import flask
from werkzeug.security import check_password_hash

from buurtwatt.config import DashboardConfig
from buurtwatt.config_base import SecretRef
from buurtwatt.ratelimit import FailureLimiter
from dashboard.context import current
from dashboard.sessions import ServerSession

log = logging.getLogger(__name__)

# per address: 5 free guesses, then 30 s, 1, 2, 4 ... minutes, at most 15; all addresses
# together: 100 wrong passwords per 5 minutes, after which everyone waits (a guessing botnet
# also slows the real admin down, for minutes, never for good)
PASSWORDS = FailureLimiter(free=5, base_s=30, cap_s=900, global_limit=100, global_window_s=300)


class Outcome(Enum):
    OK = "ok"
    BLOCKED = "blocked"
    WRONG = "wrong"
    UNSET = "unset"  # no password hash configured for this door


def password_ok(stored: str | None, given: str) -> bool:
    if not stored or not given:
        return False
    try:
        return check_password_hash(stored, given)
    except (ValueError, TypeError):
        log.error("a dashboard password hash is not a werkzeug password hash")
        return False


def fingerprint(stored_hash: str) -> str:
    """Names the password a session was opened with, without keeping its hash in the session file."""
    return hashlib.sha256(b"buurtwatt-session\0" + stored_hash.encode()).hexdigest()[:32]


def client() -> str:
    """The client's address (from a trusted proxy's X-Forwarded-For: :mod:`dashboard.proxy`)."""
    return flask.request.remote_addr or "?"


@dataclass(frozen=True)
class PasswordDoor:
    role: str  # the session key that holds the login: "admin", "coach"
    secret: Callable[[DashboardConfig], SecretRef | None]

    def stored_hash(self) -> str | None:
        ref = self.secret(current().config.dashboard)
        return ref.get() if ref else None

    def holder(self) -> Any:
        """What the login stored for this role (None: not logged in, or the password changed since)."""
        if not flask.has_request_context():
            return None
        value = flask.session.get(self.role)
        if value is None:
            return None
        stored = self.stored_hash()
        if not stored or not hmac.compare_digest(flask.session.get("pw", ""), fingerprint(stored)):
            log.info("%s session ended: the password changed", self.role)
            flask.session.clear()
            return None
        return value

    def attempt(self, given: str, value: Any) -> Outcome:
        """Check a login; on success the session holds ``value`` for this role."""
        key = client()
        if not PASSWORDS.allowed(key):
            log.warning("%s login refused for %s: too many failed attempts", self.role, key)
            return Outcome.BLOCKED
        stored = self.stored_hash()
        if stored and password_ok(stored, given):
            session = flask.session
            session.clear()
            if isinstance(session, ServerSession):
                session.renew()
            session[self.role] = value
            session["pw"] = fingerprint(stored)
            session["csrf"] = secrets.token_hex(16)
            log.info("%s logged in from %s", self.role, key)
            return Outcome.OK
        PASSWORDS.failed(key)
        log.warning("%s login failed from %s", self.role, key)
        return Outcome.WRONG if stored else Outcome.UNSET

    def logout(self, csrf: str) -> None:
        """End the session on the server (only with the logout form's CSRF token)."""
        if hmac.compare_digest(csrf, flask.session.get("csrf", "")):
            flask.session.clear()
