"""Personal tokens: random, stored hashed, rotated, verified."""

from __future__ import annotations

import json

from buurtwatt.shares.tokens import TokenStore


def test_issue_verify_rotate(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token = store.issue("P001")
    assert len(token) >= 43  # 32 bytes, URL-safe base64: 256 bits
    assert store.verify_token(token) == "P001"
    stored = (tmp_path / "tokens.json").read_text()
    assert token not in stored and "sha256" in json.loads(stored)["P001"]
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"
    new = store.issue("P001")  # rotation: the old link stops working at once
    assert store.verify_token(token) is None and store.verify_token(new) == "P001"


def test_unknown_and_malformed_tokens(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    assert store.verify_token("x" * 43) is None  # no file yet
    store.issue_missing(["P1", "P2"])
    for bad in ("", "short", "a" * 43, "a" * 500, None):
        assert store.verify_token(bad) is None  # type: ignore[arg-type]


def test_issue_missing_only_for_new_people(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    first = store.issue_missing(["P1", "P2"])
    assert set(first) == {"P1", "P2"}
    assert set(store.issue_missing(["P1", "P2", "P3"])) == {"P3"}
    assert all(store.verify_token(t) == p for p, t in first.items())
