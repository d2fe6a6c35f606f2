"""Admin login for /beheer: the password door (rules in :mod:`dashboard.signin`) and the downloads.

The password hash comes from ``[dashboard] admin_password_hash`` (usually the environment
variable ``BUURTWATT_ADMIN_HASH``).
"""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask

from buurtwatt import csvsafe
from dashboard import shares_adapter
from dashboard.context import current
from dashboard.i18n import LANGUAGES
from dashboard.signin import Outcome, PasswordDoor

log = logging.getLogger(__name__)
ADMIN = PasswordDoor("admin", lambda dashboard: dashboard.admin_password_hash)
_ERRORS = {Outcome.BLOCKED: "blocked", Outcome.WRONG: "wrong", Outcome.UNSET: "noadmin"}


def is_admin() -> bool:
    return ADMIN.holder() is True


def secret_key(config_secret: str | None) -> str:
    # sessions are kept on the server (dashboard.sessions); the key still signs Flask's own values
    return config_secret or secrets.token_hex(32)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_admin():
            flask.abort(403)
        return view(*args, **kwargs)

    return wrapper


def _login() -> flask.Response:
    lang = flask.request.form.get("lang", "")
    lang = lang if lang in LANGUAGES else ""  # the form's value goes into a URL
    back = "/beheer" + (f"?lang={lang}&" if lang else "?")
    outcome = ADMIN.attempt(flask.request.form.get("password", ""), True)
    if outcome is Outcome.OK:
        return flask.redirect(back.rstrip("?&"), code=303)
    return flask.redirect(back + "error=" + _ERRORS[outcome], code=303)


def _logout() -> flask.Response:
    ADMIN.logout(flask.request.form.get("csrf", ""))
    return flask.redirect("/beheer", code=303)


def _csv(rows: list[dict[str, str]], name: str) -> flask.Response:
    out = io.StringIO()
    if rows:
        writer = csvsafe.writer(out)
        writer.writerow(rows[0])
        writer.writerows(row.values() for row in rows)
    return flask.Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@admin_required
def _download(name: str) -> flask.Response:
    ctx = current()
    if name == "participants.csv":
        return _csv(shares_adapter.register_rows(ctx), name)
    if name == "holdings.csv":
        return _csv(shares_adapter.holdings_rows(ctx), name)
    if name == "store-status.json":
        body = json.dumps(ctx.store.status(), default=str, indent=2)
        return flask.Response(body, mimetype="application/json")
    flask.abort(404)


def register(server: flask.Flask) -> None:
    server.add_url_rule("/beheer/login", "bw_login", _login, methods=["POST"])
    server.add_url_rule("/beheer/logout", "bw_logout", _logout, methods=["POST"])
    server.add_url_rule("/beheer/download/<name>", "bw_download", _download)
