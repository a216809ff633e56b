"""The service's key lookups: cached for a few seconds, unknown keys never."""

from __future__ import annotations

from sqlalchemy import update

from fwscli.service.keys import KeyCache
from fwscli.store.schema import access_keys
from fwscli.warehouse import accounts

from ..conftest import NOW


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def revoke(db, access_key_id: str) -> None:
    with db.write() as conn:
        conn.execute(update(access_keys).where(access_keys.c.access_key_id == access_key_id)
                     .values(revoked_at=NOW))


def test_a_revoked_key_stops_working_within_the_ttl(db, merchant):
    clock = Clock()
    keys = KeyCache(db, ttl=5, clock=clock)
    secret, caller = keys.find(merchant.access_key_id)
    assert secret == merchant.secret_access_key
    assert caller.merchant_id == merchant.merchant_id
    revoke(db, merchant.access_key_id)
    clock.now += 4.9
    assert keys.find(merchant.access_key_id) is not None
    clock.now += 0.2
    assert keys.find(merchant.access_key_id) is None


def test_an_unknown_key_is_looked_up_again_every_time(db):
    keys = KeyCache(db, ttl=5, clock=Clock())
    assert keys.find("AKFMNOTYETCREATED000") is None
    with db.write() as conn:
        created = accounts.add_key(conn, role="operator", merchant_id=None, now=NOW,
                                   access_key_id="AKFMNOTYETCREATED000")
    assert keys.find("AKFMNOTYETCREATED000")[0] == created.secret_access_key


def test_a_new_secret_never_starts_like_a_command_line_option(monkeypatch):
    """`fws configure set secret_access_key -x…` reads -x… as an option (a CI run met one)."""
    draws = iter(["-leading-dash-secret-of-forty-characters", "a-good-secret-of-forty-characters-long-x"])
    monkeypatch.setattr(accounts.secrets, "token_urlsafe", lambda _n: next(draws))
    assert accounts.new_secret() == "a-good-secret-of-forty-characters-long-x"
    monkeypatch.undo()
    assert not any(accounts.new_secret().startswith("-") for _ in range(2000))
