"""Coach login for /coach/spreekuur: a role of its own (not admin), a password hash from the
config (``[dashboard] coach_password_hash``), a server-side Flask session, a failure limit.

Stored visits are readable only with this login; the coordinator's export is behind it too.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets

import flask

from buurtwatt.coach.visits import coach_db_path, coordinator_export, open_book
from buurtwatt.ratelimit import FailureLimiter
from dashboard.auth import password_ok
from dashboard.context import current

log = logging.getLogger(__name__)
LOGIN_LIMIT = FailureLimiter(limit=5, window_s=300)
HOME = "/coach/spreekuur"


def coach_name() -> str | None:
    """The logged-in coach's name (as they typed it), or None."""
    if not flask.has_request_context():
        return None
    name = flask.session.get("coach")
    return name if isinstance(name, str) and name else None


def _login() -> flask.Response:
    key = flask.request.remote_addr or "?"
    if not LOGIN_LIMIT.allowed(key):
        log.warning("coach login refused for %s: too many failed attempts", key)
        return flask.redirect(HOME + "?error=blocked", code=303)
    ref = current().config.dashboard.coach_password_hash
    stored = ref.get() if ref else None
    if password_ok(stored, flask.request.form.get("password", "")):
        name = flask.request.form.get("coach", "").strip()[:40] or "coach"
        flask.session.clear()
        flask.session["coach"] = name
        flask.session["csrf"] = secrets.token_hex(16)
        log.info("coach logged in from %s", key)
        return flask.redirect(HOME, code=303)
    LOGIN_LIMIT.failed(key)
    log.warning("coach login failed from %s", key)
    return flask.redirect(HOME + ("?error=nocoach" if not stored else "?error=wrong"), code=303)


def _logout() -> flask.Response:
    if hmac.compare_digest(flask.request.form.get("csrf", ""), flask.session.get("csrf", "")):
        flask.session.clear()
    return flask.redirect(HOME, code=303)


def _export() -> flask.Response:
    if coach_name() is None:
        flask.abort(403)
    with open_book(coach_db_path(current().config)) as book:
        body = json.dumps(coordinator_export(book), indent=2)
    return flask.Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=spreekuur.json"},
    )


def register(server: flask.Flask) -> None:
    server.add_url_rule(HOME + "/login", "bw_coach_login", _login, methods=["POST"])
    server.add_url_rule(HOME + "/logout", "bw_coach_logout", _logout, methods=["POST"])
    server.add_url_rule(HOME + "/export.json", "bw_coach_export", _export)
