"""Admin login for /beheer: a password hash from the config, a Flask session, a failure limit.

The hash is a werkzeug hash (``scrypt:...`` or ``pbkdf2:...``), made with
``python -c 'from werkzeug.security import generate_password_hash as g; print(g("..."))'``.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

import flask
from werkzeug.security import check_password_hash

from buurtwatt.ratelimit import FailureLimiter
from dashboard import shares_adapter
from dashboard.context import current

log = logging.getLogger(__name__)
LOGIN_LIMIT = FailureLimiter(limit=5, window_s=300)


def is_admin() -> bool:
    return flask.has_request_context() and flask.session.get("admin") is True


def password_ok(stored: str | None, given: str) -> bool:
    if not stored or not given:
        return False
    try:
        return check_password_hash(stored, given)
    except (ValueError, TypeError):
        log.error("dashboard.admin_password_hash is not a werkzeug password hash")
        return False


def secret_key(config_secret: str | None) -> str:
    # without a configured key, sessions last as long as this process (a restart logs admins out)
    return config_secret or secrets.token_hex(32)


def _client() -> str:
    return flask.request.remote_addr or "?"


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_admin():
            flask.abort(403)
        return view(*args, **kwargs)

    return wrapper


def _login() -> flask.Response:
    key = _client()
    lang = flask.request.form.get("lang", "")
    back = "/beheer" + (f"?lang={lang}&" if lang else "?")
    if not LOGIN_LIMIT.allowed(key):
        log.warning("admin login refused for %s: too many failed attempts", key)
        return flask.redirect(back + "error=blocked", code=303)
    ref = current().config.dashboard.admin_password_hash
    stored = ref.get() if ref else None
    given = flask.request.form.get("password", "")
    if password_ok(stored, given):
        flask.session.clear()
        flask.session["admin"] = True
        flask.session["csrf"] = secrets.token_hex(16)
        log.info("admin logged in from %s", key)
        return flask.redirect(back.rstrip("?&"), code=303)
    LOGIN_LIMIT.failed(key)
    log.warning("admin login failed from %s", key)
    return flask.redirect(back + ("error=noadmin" if not stored else "error=wrong"), code=303)


def _logout() -> flask.Response:
    token = flask.request.form.get("csrf", "")
    if hmac.compare_digest(token, flask.session.get("csrf", "")):
        flask.session.clear()
    return flask.redirect("/beheer", code=303)


def _csv(rows: list[dict[str, str]], name: str) -> flask.Response:
    import csv
    import io

    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
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
