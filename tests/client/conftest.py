"""Client fixtures: an isolated home (config, credentials and data directories in tmp, no
FWS_* variables), and clients over real HTTP or over a WSGI app in-process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from fwscli.client.client import Client
from fwscli.client.embedded import WSGIAdapter
from fwscli.client.session import Credentials, Session
from fwscli.client.transport import Transport

TEST_URL = "http://fws.test/"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    """Every client test runs with its own home: the developer's files are never touched."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    for name in list(os.environ):
        if name.startswith("FWS_"):
            monkeypatch.delenv(name)
    return home


@pytest.fixture
def remote(server, merchant):
    """remote(**session_fields) -> a Client of `server` signing as `merchant`."""
    clients = []

    def make(**fields) -> Client:
        fields.setdefault("credentials", Credentials(merchant.access_key_id,
                                                     merchant.secret_access_key))
        client = Client(Session(endpoint_url=server.url, **fields), sleep=lambda _: None)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def client_over(app, *, credentials: Credentials | None = None, sleep=None, rand=lambda: 1.0,
                **fields) -> Client:
    """A Client whose requests go, signed, to a WSGI app in-process at TEST_URL."""
    session = Session(endpoint_url=TEST_URL,
                      credentials=credentials or Credentials("AKFMTEST", "secret"), **fields)
    http = requests.Session()
    http.mount(TEST_URL, WSGIAdapter(app))
    transport = Transport(http, TEST_URL, session.credentials, session.region, (1.0, 1.0))
    return Client(session, transport=transport, sleep=sleep or (lambda _: None), rand=rand)
