"""Coach login for /coach/spreekuur: a role of its own (not admin), a password hash from the
config (``[dashboard] coach_password_hash``); sessions and limits as for the admin
(:mod:`dashboard.signin`).

Stored visits are readable only with this login; the coordinator's export is behind it too.
"""

from __future__ import annotations

import json
import logging

import flask

from buurtwatt.coach.visits import coach_db_path, coordinator_export, open_book
from dashboard.context import current
from dashboard.signin import Outcome, PasswordDoor

log = logging.getLogger(__name__)
HOME = "/coach/spreekuur"
COACH = PasswordDoor("coach", lambda dashboard: dashboard.coach_password_hash)
_ERRORS = {Outcome.BLOCKED: "blocked", Outcome.WRONG: "wrong", Outcome.UNSET: "nocoach"}


def coach_name() -> str | None:
    """The logged-in coach's name (as they typed it), or None."""
    name = COACH.holder()
    return name if isinstance(name, str) and name else None


def _login() -> flask.Response:
    name = flask.request.form.get("coach", "").strip()[:40] or "coach"
    outcome = COACH.attempt(flask.request.form.get("password", ""), name)
    if outcome is Outcome.OK:
        return flask.redirect(HOME, code=303)
    return flask.redirect(HOME + "?error=" + _ERRORS[outcome], code=303)


def _logout() -> flask.Response:
    COACH.logout(flask.request.form.get("csrf", ""))
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
