"""The load balancer's health check: /ping answers without keys, and 503 once the database
stops answering."""

from __future__ import annotations

import requests

from fwscli.store.database import Database


def test_ping_answers_ok_without_keys(server):
    reply = requests.get(server.url + "ping")
    assert (reply.status_code, reply.text) == (200, "OK")
    assert reply.headers["Cache-Control"] == "no-store"


def test_ping_answers_503_when_the_database_is_gone(app, server, tmp_path):
    healthy = app.db
    # Nothing listens on port 1: every connection attempt fails at once.
    app.db = Database("postgresql+psycopg://postgres@127.0.0.1:1/fws")
    try:
        reply = requests.get(server.url + "ping")
    finally:
        app.db.dispose()
        app.db = healthy
    assert reply.status_code == 503
    assert reply.text == "database unavailable"
