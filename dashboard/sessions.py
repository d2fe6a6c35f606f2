"""Server-side sessions: the cookie holds only a random id; what it stands for lives here.

A logout deletes the record, so a copied cookie stops working at once (a signed cookie
would stay valid until it expires). Records are kept in memory and in ``sessions.sqlite``
beside the store, so restarting the dashboard logs nobody out; the file holds a hash of each
id, never the id itself, so a copy of the file opens no session. When that folder cannot be
written, sessions live in memory only (a restart then logs everyone out) and the log says so.

The cookie is ``HttpOnly`` and ``SameSite=Lax`` always, and ``Secure`` whenever the request
came over HTTPS (directly, or from a trusted proxy: see :mod:`dashboard.proxy`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import flask
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from buurtwatt.config import SiteConfig

log = logging.getLogger(__name__)
IDLE_S = 12 * 3600  # a session nobody used for half a day is over
MAX_AGE_S = 7 * 86400  # and none lasts longer than a week
TOUCH_EVERY_S = 300  # how often a used session's "last seen" is written to the file


class ServerSession(CallbackDict, SessionMixin):  # type: ignore[type-arg]
    """The session of one request; ``sid`` is None until something is stored in it."""

    def __init__(self, data: dict[str, Any] | None = None, sid: str | None = None, seen: float = 0.0) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.sid, self.seen = sid, seen
        self.dropped: str | None = None
        self.modified = False

    def renew(self) -> None:
        """A new id for this session (at login): an id planted before the login is worth nothing."""
        if self.sid:
            self.dropped = self.sid
        self.sid = None
        self.modified = True


def sessions_path(config: SiteConfig) -> Path:
    """``sessions.sqlite`` beside the site's store (the SQLite file, or InfluxDB's outbox)."""
    store = config.store
    return (store.path.parent if store.type == "sqlite" else store.outbox.parent) / "sessions.sqlite"


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionBook:
    """The records, by hashed id: a dict in front of a small SQLite file."""

    def __init__(self, path: Path | None) -> None:
        self._memory: dict[str, tuple[dict[str, Any], float]] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._swept = 0.0
        if path is not None:
            try:
                self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS session (key TEXT PRIMARY KEY, data TEXT NOT NULL,"
                    " created REAL NOT NULL, seen REAL NOT NULL)"
                )
                path.chmod(0o600)
            except (sqlite3.Error, OSError) as exc:
                log.warning("admin sessions kept in memory only (a restart logs out): %s: %s", path, exc)
                self._db = None

    def load(self, sid: str) -> tuple[dict[str, Any], float] | None:
        key, now = _key(sid), time.time()
        with self._lock:
            self._sweep(now)
            found = self._memory.get(key)
            if found is None and self._db is not None:
                row = self._db.execute(
                    "SELECT data, seen FROM session WHERE key = ? AND seen > ? AND created > ?",
                    (key, now - IDLE_S, now - MAX_AGE_S),
                ).fetchone()
                if row:
                    found = self._memory[key] = (json.loads(row[0]), row[1])
            if found is None or found[1] <= now - IDLE_S:
                return None
            return found

    def save(self, sid: str, data: dict[str, Any]) -> None:
        key, now = _key(sid), time.time()
        with self._lock:
            self._memory[key] = (data, now)
            if self._db is not None:
                self._db.execute(
                    "INSERT INTO session (key, data, created, seen) VALUES (?, ?, ?, ?) ON CONFLICT(key)"
                    " DO UPDATE SET data = excluded.data, seen = excluded.seen",
                    (key, json.dumps(data), now, now),
                )

    def touch(self, sid: str, data: dict[str, Any]) -> None:
        key, now = _key(sid), time.time()
        with self._lock:
            self._memory[key] = (data, now)
            if self._db is not None:
                self._db.execute("UPDATE session SET seen = ? WHERE key = ?", (now, key))

    def delete(self, sid: str) -> None:
        key = _key(sid)
        with self._lock:
            self._memory.pop(key, None)
            if self._db is not None:
                self._db.execute("DELETE FROM session WHERE key = ?", (key,))

    def _sweep(self, now: float) -> None:
        if now - self._swept < 600:
            return
        self._swept = now
        self._memory = {k: v for k, v in self._memory.items() if v[1] > now - IDLE_S}
        if self._db is not None:
            self._db.execute(
                "DELETE FROM session WHERE seen <= ? OR created <= ?", (now - IDLE_S, now - MAX_AGE_S)
            )


class ServerSessions(SessionInterface):
    """Flask's session, kept on the server: ``flask.session`` works as before everywhere."""

    def __init__(self, book: SessionBook) -> None:
        self.book = book

    def open_session(self, app: flask.Flask, request: flask.Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        found = self.book.load(sid) if sid else None
        if found is None:
            return ServerSession()
        return ServerSession(found[0], sid, found[1])

    def save_session(self, app: flask.Flask, session: SessionMixin, response: flask.Response) -> None:
        assert isinstance(session, ServerSession)
        name, path = self.get_cookie_name(app), self.get_cookie_path(app)
        if session.dropped:
            self.book.delete(session.dropped)
        if not session:
            if session.sid:
                self.book.delete(session.sid)
            if session.sid or session.dropped or flask.request.cookies.get(name):
                response.delete_cookie(name, path=path, httponly=True, samesite="Lax")
            return
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            session.modified = True
        if session.modified:
            self.book.save(session.sid, dict(session))
            response.set_cookie(
                name,
                session.sid,
                path=path,
                httponly=True,
                samesite="Lax",
                secure=flask.request.is_secure,
            )
        elif time.time() - session.seen > TOUCH_EVERY_S:
            self.book.touch(session.sid, dict(session))
        response.vary.add("Cookie")
