"""Issue 18 item 4, a locked admin: each weakness found by trying the dashboard as an attacker
on the workshop's network, tried again over real HTTP against `buurtwatt dashboard`.

Distinct client addresses are real: Linux answers on all of 127.0.0.0/8, so a client can bind
its socket to 127.0.x.y. Only 127.0.0.1 is a trusted proxy in this config, so only it may say
who the client is with X-Forwarded-For. Each test that trips a limit gets a server of its own
(the limits live in the server process).
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.security import generate_password_hash

from buurtwatt.config import load_config
from buurtwatt.readings import Reading
from buurtwatt.shares.tokens import TokenStore
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt.timeutil import local_date
from tests.dashboard.conftest import PARTICIPANT, PASSWORD, TZ, serve
from tests.dashboard.fill import readings, write_config

EMBEDDER = "https://buurt.example.nl"
FORMULA = '=HYPERLINK("http://evil.example/x","klik")'
ADMIN_ONLY = "/beheer/download/store-status.json"  # 200 for an admin, 403 for anyone else


@dataclass
class Folder:
    config: Path
    folder: Path
    token: str
    year: int


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Folder:
    folder = tmp_path_factory.mktemp("security")
    path = write_config(folder)
    text = path.read_text().replace(
        "[dashboard]\n",
        f'[dashboard]\ntrusted_proxies = ["127.0.0.1/32"]\nframe_ancestors = ["{EMBEDDER}"]\n'
        'coach_password_hash = { env = "BW_TEST_COACH_HASH" }\n',
        1,
    )
    path.write_text(text)
    register = folder / "participants.csv"
    quoted = '"' + FORMULA.replace('"', '""') + '"'  # one CSV field
    register.write_text(register.read_text().replace("Anouk de Vries", quoted, 1))
    now = time.time()
    store = SqliteStore(folder / "store.sqlite", site="test", tz=TZ)
    store.write(readings(now - 2 * 86400, now - 1, 600))
    store.write([Reading("meter", "import_w", now, 400.0)])
    store.close()
    config = load_config(path)
    token = TokenStore(config.shares.tokens_path).issue(PARTICIPANT)
    return Folder(path, folder, token, local_date(now, TZ).year)


HASH = generate_password_hash(PASSWORD)  # the same hash for every start: a restart is no password change
COACH_PASSWORD = "coach-wachtwoord"
COACH_HASH = generate_password_hash(COACH_PASSWORD)


@contextlib.contextmanager
def server(folder: Folder, password_hash: str = HASH) -> Iterator[str]:
    env = {"BW_TEST_ADMIN_HASH": password_hash, "BW_TEST_COACH_HASH": COACH_HASH}
    with serve(folder.config, folder.folder, env) as url:
        yield url


def login(url: str, password: str = PASSWORD, forwarded: str | None = None) -> requests.Session:
    session = requests.Session()
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    session.post(url + "/beheer/login", data={"password": password}, headers=headers, allow_redirects=False)
    return session


def is_admin(session: requests.Session, url: str) -> bool:
    return session.get(url + ADMIN_ONLY).status_code == 200


def request_from(source: str, url: str, method: str, path: str, body: str = "") -> http.client.HTTPResponse:
    """One request over a fresh connection whose socket is bound to ``source`` (127.x.y.z)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), source_address=(source, 0), timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if method == "POST" else {}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def address(n: int) -> str:
    """The n-th of many distinct loopback addresses (never a .0 or .255)."""
    return f"127.{10 + n // (254 * 256)}.{n // 254 % 256}.{n % 254 + 1}"


def statement(folder: Folder, token: str) -> str:
    return f"/mijn/{token}/jaaroverzicht-{folder.year}.pdf"


@pytest.fixture(scope="module")
def url(folder: Folder) -> Iterator[str]:
    """A server for the tests that trip no limit."""
    with server(folder) as found:
        yield found


def test_logout_ends_the_session_so_an_old_cookie_no_longer_works(url: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + "/beheer")
    page.fill("input[type=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#logout-csrf", state="attached")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    before = requests.Session()
    before.cookies.update(cookies)
    assert is_admin(before, url)
    page.click("form[action='/beheer/logout'] button")
    page.wait_for_selector("input[type=password]")
    context.close()
    assert not is_admin(before, url), "the cookie from before the logout still works"


def test_the_coach_login_follows_the_same_rules(url: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + "/coach/spreekuur")
    page.fill("#sp-coach", "Mila")
    page.fill("#sp-password", COACH_PASSWORD)
    page.click("#sp-login")
    page.wait_for_selector("#sp-export")
    before = requests.Session()
    before.cookies.update({c["name"]: c["value"] for c in context.cookies()})
    assert before.get(url + "/coach/spreekuur/export.json").status_code == 200
    assert not is_admin(before, url)  # a coach is not an admin
    page.click("form[action='/coach/spreekuur/logout'] button")
    page.wait_for_selector("#sp-password")
    context.close()
    assert before.get(url + "/coach/spreekuur/export.json").status_code == 403


def test_forwarded_headers_are_read_right_to_left_and_only_from_trusted_peers() -> None:
    from ipaddress import ip_network

    from dashboard.proxy import TrustedProxies

    seen: dict[str, str] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        return []

    proxies = TrustedProxies(app, [ip_network("10.0.0.0/8"), ip_network("::1/128")])

    def ask(peer: str, forwarded: str = "", proto: str = "") -> tuple[str, str]:
        environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http"}
        if forwarded:
            environ["HTTP_X_FORWARDED_FOR"] = forwarded
        if proto:
            environ["HTTP_X_FORWARDED_PROTO"] = proto
        proxies(environ, lambda *a: None)
        return seen["addr"], seen["scheme"]

    # the client wrote "1.1.1.1" itself; the proxy appended the address it saw
    assert ask("10.0.0.2", "1.1.1.1, 203.0.113.9", "https") == ("203.0.113.9", "https")
    assert ask("10.0.0.2", "203.0.113.9, 10.0.0.7") == ("203.0.113.9", "http")  # two proxies
    assert ask("::1", "2001:db8::5") == ("2001:db8::5", "http")
    assert ask("192.0.2.4", "203.0.113.9", "https") == ("192.0.2.4", "http")  # not a proxy
    assert ask("10.0.0.2", "not-an-address") == ("10.0.0.2", "http")


def test_cookie_is_httponly_lax_and_secure_only_over_https(url: str) -> None:
    plain = requests.post(url + "/beheer/login", data={"password": PASSWORD}, allow_redirects=False)
    flags = plain.headers["Set-Cookie"].lower()
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags
    proxied = requests.post(
        url + "/beheer/login",
        data={"password": PASSWORD},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.9.9"},
        allow_redirects=False,
    )
    assert "; secure" in proxied.headers["Set-Cookie"].lower()
    # the same header from a peer that is not a trusted proxy changes nothing
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), source_address=("127.0.0.7", 0))
    conn.request(
        "POST",
        "/beheer/login",
        body=f"password={PASSWORD}",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https"},
    )
    response = conn.getresponse()
    assert "secure" not in (response.getheader("Set-Cookie") or "").lower().replace("samesite", "")
    conn.close()


def test_session_survives_a_restart_and_ends_when_the_password_changes(folder: Folder) -> None:
    with server(folder) as first:
        session = login(first, forwarded="10.7.7.7")
        assert is_admin(session, first)
        cookie = dict(session.cookies)
    with server(folder) as again:
        replay = requests.Session()
        replay.cookies.update(cookie)
        assert is_admin(replay, again), "a restart of the dashboard logged the admin out"
    with server(folder, generate_password_hash("een-nieuw-wachtwoord")) as changed:
        replay = requests.Session()
        replay.cookies.update(cookie)
        assert not is_admin(replay, changed), "the session outlived a password change"
        assert is_admin(login(changed, "een-nieuw-wachtwoord", forwarded="10.7.7.8"), changed)


def test_forwarded_for_counts_only_from_a_trusted_proxy(folder: Folder) -> None:
    with server(folder) as url:
        for _ in range(8):  # through the trusted proxy: client 10.1.1.1 guesses wrong
            login(url, "fout", forwarded="10.1.1.1")
        assert not is_admin(login(url, forwarded="10.1.1.1"), url)  # blocked
        assert is_admin(login(url, forwarded="10.1.1.2"), url), "one client locked out the whole proxy"
        # an untrusted peer cannot pick a fresh address for each guess
        for n in range(8):
            body = f"password=fout{n}"
            request_from("127.0.0.9", url, "POST", "/beheer/login", body)
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), source_address=("127.0.0.9", 0))
        conn.request(
            "POST",
            "/beheer/login",
            body=f"password={PASSWORD}",
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "10.5.5.5"},
        )
        answer = conn.getresponse()
        assert "error=blocked" in (answer.getheader("Location") or "")
        conn.close()


def test_a_flood_of_addresses_does_not_flush_a_block(folder: Folder) -> None:
    with server(folder) as url:
        victim = "127.0.0.2"
        for n in range(8):
            request_from(victim, url, "POST", "/beheer/login", f"password=fout{n}")
        blocked = request_from(victim, url, "POST", "/beheer/login", f"password={PASSWORD}")
        assert "error=blocked" in (blocked.getheader("Location") or "")
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda n: request_from(address(n), url, "POST", "/beheer/login", "password="),
                    range(10_005),
                )
            )
        after = request_from(victim, url, "POST", "/beheer/login", f"password={PASSWORD}")
        assert "error=blocked" in (after.getheader("Location") or ""), "the flood flushed the block"


def test_the_right_token_is_answered_after_20_wrong_ones_from_the_same_address(folder: Folder) -> None:
    with server(folder) as url:
        me = "127.0.0.3"
        for n in range(20):
            request_from(me, url, "GET", statement(folder, f"{n:043d}"))
        wrong = request_from(me, url, "GET", statement(folder, "x" * 43))
        assert wrong.status == 429  # the address is slowed down, and told so
        right = request_from(me, url, "GET", statement(folder, folder.token))
        assert right.status == 200 and right.getheader("Content-Type") == "application/pdf"
        page = request_from(me, url, "GET", f"/mijn/{folder.token}")
        assert page.status == 200


def test_the_global_limit_engages_under_a_many_address_attack(folder: Folder) -> None:
    with server(folder) as url:
        # each address guesses twice: far below its own limit
        for n in range(200):
            for _ in range(2):
                request_from(address(n), url, "POST", "/beheer/login", "password=fout")
        fresh = request_from("127.0.0.4", url, "POST", "/beheer/login", "password=fout")
        assert "error=blocked" in (fresh.getheader("Location") or ""), "no global limit on password guesses"
        for n in range(200, 600):
            request_from(address(n), url, "GET", statement(folder, f"{n:043d}"))
        assert request_from("127.0.0.5", url, "GET", statement(folder, "y" * 43)).status == 429
        right = request_from("127.0.0.5", url, "GET", statement(folder, folder.token))
        assert right.status == 200, "the global limit locked out the holder of a valid token"


def test_security_headers(url: str) -> None:
    page = requests.get(url + "/")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    screen = requests.get(url + "/scherm")
    assert f"frame-ancestors 'self' {EMBEDDER}" in screen.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in screen.headers  # it cannot name another site; CSP says it
    assert "frame-ancestors 'self';" in requests.get(url + "/beheer").headers["Content-Security-Policy"] + ";"


def test_pages_render_under_the_policy_without_violations(url: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path in ("/", "/scherm", "/historie", "/beheer"):
        page.goto(url + path)
        page.wait_for_function(
            "() => document.querySelector('#_pages_content') && "
            "document.querySelector('#_pages_content').innerText.length > 20"
        )
        page.wait_for_function(
            "() => [...document.querySelectorAll('.dash-graph')].every(g => g.querySelector('.main-svg'))"
        )
        assert not errors, f"{path}: {errors}"
    context.close()


def test_admin_csv_cells_cannot_become_formulas(url: str) -> None:
    session = login(url, forwarded="10.3.3.3")
    text = session.get(url + "/beheer/download/participants.csv").text
    names = [row["name"] for row in csv.DictReader(io.StringIO(text))]
    assert "'" + FORMULA in names and FORMULA not in names


def test_every_csv_export_uses_the_one_escape() -> None:
    from buurtwatt.csvsafe import safe_cell

    assert [safe_cell(v) for v in ("=1+1", "+31 6", "-x", "@SUM(A1)", "\tx", "\rx")] == [
        "'=1+1",
        "'+31 6",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
    ]
    assert [safe_cell(v) for v in (-3.5, "-3.500", "1e-3", "Anouk", "", None)] == [
        "-3.5",
        "-3.500",
        "1e-3",
        "Anouk",
        "",
        "",
    ]
    root = Path(__file__).resolve().parents[2]
    writers = []
    for folder in ("buurtwatt", "buurtwatt_app", "dashboard"):
        for source in (root / folder).rglob("*.py"):
            text = source.read_text()
            if re.search(r"csv\.(writer|DictWriter)\(", text) and source.name != "csvsafe.py":
                writers.append(str(source.relative_to(root)))
    # the one csv writer left is the price cache, a file buurtwatt reads back and no person opens
    assert writers == ["buurtwatt/tariffs/prices.py"], writers
