"""/mijn/<token>, its PDF and /beheer with a real dashboard server and plain HTTP requests.

The register cases of issue 15: an end date of 9999-12-31 means "no end" and every page works;
a register with a duplicated row is refused, /beheer names both lines in Dutch and English,
and the participant gets a clear "not available" page, never an HTTP 500. The page content
comes from the same request the browser makes (Dash's page callback), so no browser is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from werkzeug.security import generate_password_hash

from buurtwatt.config import load_config
from buurtwatt.shares.tokens import TokenStore
from buurtwatt.store.sqlite import SqliteStore
from tests.dashboard.fill import readings, write_config
from tests.services import free_port, wait_for_port

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "juist-wachtwoord"
PARTICIPANT = "P017"  # Quinten Bakker (repays his stake from the yield)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("pages")
    config_path = write_config(folder)
    holdings = folder / "holdings.csv"
    lines = holdings.read_text(encoding="utf-8").splitlines()
    # P017's own row gets the spreadsheet's "no end"
    row = next(i for i, line in enumerate(lines) if line.startswith(PARTICIPANT + ","))
    lines[row] = lines[row].rsplit(",", 1)[0] + ",9999-12-31"
    holdings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = SqliteStore(folder / "store.sqlite", site="test", tz="Europe/Amsterdam")
    now = time.time()
    store.write(readings(now - 2 * 86400, now - 1, 900))
    store.close()
    config = load_config(config_path)
    token = TokenStore(config.shares.tokens_path).issue(PARTICIPANT)
    port = free_port()
    env = {**os.environ, "BW_TEST_ADMIN_HASH": generate_password_hash(PASSWORD)}
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - open for the whole module
    args = ["dashboard", "--config", str(config_path), "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "buurtwatt_app", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, 30)
        yield {"url": f"http://127.0.0.1:{port}", "token": token, "holdings": holdings, "row": row}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def render(session: requests.Session, url: str, path: str, search: str = "") -> requests.Response:
    """What the browser asks after loading ``path``: Dash's page callback, with its layout."""
    deps = session.get(url + "/_dash-dependencies", timeout=10).json()
    dep = next(d for d in deps if "_pages_content" in d["output"])
    outputs = [
        dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
        for o in dep["output"].strip(".").split("...")
    ]
    values = {"pathname": path, "search": search}
    body = {
        "output": dep["output"],
        "outputs": outputs,
        "inputs": [{**i, "value": values.get(i["property"])} for i in dep["inputs"]],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [dict(s) for s in dep["state"]],
    }
    return session.post(url + "/_dash-update-component", json=body, timeout=60)


def admin(url: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        url + "/beheer/login", data={"password": PASSWORD}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 303 and "error" not in response.headers["Location"]
    return session


def test_far_future_end_date_means_no_end_and_every_page_works(site: dict) -> None:
    url, token = site["url"], site["token"]
    with requests.Session() as session:
        index = session.get(f"{url}/mijn/{token}", timeout=30)
        assert index.status_code == 200 and '"og:title" content="Mijn deel' in index.text
        page = render(session, url, f"/mijn/{token}")
        assert page.status_code == 200, page.text[:500]
        assert "Quinten Bakker" in page.text and "mine-this-year" in page.text
        pdf = session.get(f"{url}/mijn/{token}/jaaroverzicht-{date.today().year}.pdf", timeout=60)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with admin(url) as session:
        page = render(session, url, "/beheer")
        assert (
            page.status_code == 200 and "register-table" in page.text and "register-problem" not in page.text
        )


def test_duplicated_row_is_shown_on_the_admin_page_and_no_page_fails(site: dict) -> None:
    url, token, holdings = site["url"], site["token"], site["holdings"]
    original = holdings.read_text(encoding="utf-8")
    lines = original.splitlines()
    copied = lines[site["row"]]
    holdings.write_text(original + copied + "\n", encoding="utf-8")  # the same row again, at the end
    first, second = site["row"] + 1, len(lines) + 1
    try:
        with admin(url) as session:
            dutch = render(session, url, "/beheer", "?lang=nl")
            english = render(session, url, "/beheer", "?lang=en")
        assert dutch.status_code == english.status_code == 200
        assert (
            f"regel {second} is gelijk aan regel {first}" in dutch.text and "register-problems" in dutch.text
        )
        assert f"line {second} is the same as line {first}" in english.text
        with requests.Session() as session:
            page = render(session, url, f"/mijn/{token}")
            assert page.status_code == 200 and "mine-unavailable" in page.text
            assert "Quinten Bakker" not in page.text
            pdf = session.get(f"{url}/mijn/{token}/jaaroverzicht-{date.today().year}.pdf", timeout=30)
            assert pdf.status_code == 503 and "niet getoond" in pdf.text
            wrong = render(session, url, "/mijn/" + "a" * 43)
            assert wrong.status_code == 200 and "mine-unavailable" not in wrong.text  # still just the 404
    finally:
        holdings.write_text(original, encoding="utf-8")


def test_a_token_is_verified_once_per_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page title and the page itself ask in one request; the token store is asked once.
    (A counting wrapper around the real TokenStore.verify_token; nothing is replaced.)"""
    import flask

    from dashboard import shares_adapter
    from dashboard.context import DashContext

    config = load_config(write_config(tmp_path))
    token = TokenStore(config.shares.tokens_path).issue(PARTICIPANT)
    store = SqliteStore(tmp_path / "store.sqlite", site="test", tz="Europe/Amsterdam")
    ctx = DashContext(config, store)
    calls: list[str] = []
    real = TokenStore.verify_token

    def counted(self: TokenStore, given: str) -> str | None:
        calls.append(given)
        return real(self, given)

    monkeypatch.setattr(TokenStore, "verify_token", counted)
    app = flask.Flask(__name__)
    try:
        with app.test_request_context(f"/mijn/{token}"):
            assert [shares_adapter.participant_id(ctx, token) for _ in range(3)] == [PARTICIPANT] * 3
        with app.test_request_context("/mijn/other"):
            assert shares_adapter.participant_id(ctx, token) == PARTICIPANT
        assert len(calls) == 2  # one per request
    finally:
        store.close()
