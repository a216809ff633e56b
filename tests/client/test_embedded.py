"""The embedded service: the WSGI adapter, first-use provisioning, real signatures."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys

import pytest
import requests

from fwscli.client.client import Client
from fwscli.client.embedded import EMBEDDED_URL, WSGIAdapter, wsgi_environ
from fwscli.client.errors import ServiceError
from fwscli.client.paginator import paginate
from fwscli.client.session import Credentials, Session
from fwscli.config import ConfigError, resolve


@pytest.fixture
def embedded():
    clients = []

    def make(**flags) -> Client:
        client = Client(Session.resolve(flags=flags))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# --- the adapter ---------------------------------------------------------------------------

def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("201 Created", [("Content-Type", "text/plain; charset=utf-8"),
                                   ("X-Multi", "a"), ("X-Multi", "b")])
    return [b"got:", body]


def test_adapter_round_trip():
    http = requests.Session()
    http.mount(EMBEDDED_URL, WSGIAdapter(echo))
    response = http.post(EMBEDDED_URL + "path", data=b"hello")
    assert (response.status_code, response.reason) == (201, "Created")
    assert response.content == b"got:hello" and response.text == "got:hello"
    assert response.headers["x-multi"] == "a, b"
    assert response.url == EMBEDDED_URL + "path"


def test_environ_is_what_a_server_would_build():
    prepared = requests.Request("POST", "http://fws.embedded:8080/in%20box/x?a=1", data=b"k=v",
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         "X-Amz-Date": "20260101T000000Z"}).prepare()
    environ = wsgi_environ(prepared)
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["HTTP_HOST"] == "fws.embedded:8080"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("fws.embedded", "8080")
    assert environ["PATH_INFO"] == "/in box/x" and environ["RAW_URI"] == "/in%20box/x?a=1"
    assert environ["QUERY_STRING"] == "a=1"
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert environ["CONTENT_LENGTH"] == "3" and environ["wsgi.input"].read() == b"k=v"
    assert environ["HTTP_X_AMZ_DATE"] == "20260101T000000Z"
    assert "HTTP_CONTENT_TYPE" not in environ and "HTTP_CONTENT_LENGTH" not in environ


def test_explicit_host_header_wins():
    prepared = requests.Request("GET", "http://fws.embedded/", headers={"Host": "other:1"}).prepare()
    assert wsgi_environ(prepared)["HTTP_HOST"] == "other:1"


# --- the embedded service ------------------------------------------------------------------

def test_first_use_provisions_a_merchant_and_writes_its_keys(embedded, home):
    client = embedded()
    assert client.provisioned is True
    assert client.call("inbound", "GetServiceStatus")["Status"].endswith("[Version: 2007-05-10]")

    credentials = home / "config" / "fws" / "credentials"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(credentials.parent.stat().st_mode) == 0o700
    saved = resolve().credentials
    assert saved == (client.transport.credentials.access_key_id,
                     client.transport.credentials.secret_access_key)
    assert saved[0].startswith("AKFM")
    assert (home / "data" / "fws" / "fws.db").exists()


def test_later_uses_reuse_the_keys_and_the_data(embedded):
    first = embedded()
    first.call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": ["EMB-1", "EMB-2"]})
    second = embedded()
    assert second.provisioned is False
    assert second.transport.credentials == first.transport.credentials
    rows = list(paginate(second, "inbound", "ListAllFulfillmentItems", page_size=1).rows())
    assert [row["MerchantSKU"] for row in rows] == ["EMB-1", "EMB-2"]


def test_signatures_are_verified_in_process(embedded):
    key = embedded().transport.credentials.access_key_id
    with Client(Session(credentials=Credentials(key, "wrong"))) as client, \
            pytest.raises(ServiceError) as caught:
        client.call("inbound", "GetServiceStatus")
    assert caught.value.code == "SignatureDoesNotMatch" and caught.value.status == 403
    assert caught.value.request_id


def test_configured_keys_are_used_not_replaced(monkeypatch, home):
    monkeypatch.setenv("FWS_ACCESS_KEY_ID", "AKFMNOTINTHISDB00000")
    monkeypatch.setenv("FWS_SECRET_ACCESS_KEY", "whatever")
    with Client(Session.resolve()) as client, pytest.raises(ServiceError) as caught:
        assert client.provisioned is False
        client.call("inbound", "GetServiceStatus")
    assert caught.value.code == "InvalidClientTokenId"
    assert not (home / "config" / "fws" / "credentials").exists()


def test_keys_of_another_database_say_so_and_how_to_start_afresh(embedded, tmp_path, monkeypatch, home):
    """The merchant deleted ~/.local/share/fws/fws.db to start again (or moved
    FWS_DATABASE_URL): the profile keeps the keys fws wrote, which the new database does not
    know, and the service's "does not exist in our records" alone sent them hunting a typo."""
    key = embedded().transport.credentials.access_key_id
    monkeypatch.setenv("FWS_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    with embedded() as client, pytest.raises(ServiceError) as caught:
        client.call("inbound", "GetServiceStatus")
    error = caught.value
    assert error.code == "InvalidClientTokenId" and error.is_auth_error and error.request_id
    assert f"The embedded database sqlite:///{tmp_path / 'fresh.db'} does not know key {key}" \
        in error.message
    assert "clear the keys of profile 'default' (fws configure set access_key_id ''" in error.message


def test_a_remote_no_such_key_is_the_services_message_alone(remote):
    with remote(credentials=Credentials("AKFMNOSUCHKEY0000000", "x")) as client, \
            pytest.raises(ServiceError) as caught:
        client.call("inbound", "GetServiceStatus")
    assert caught.value.code == "InvalidClientTokenId" and "embedded" not in caught.value.message


def test_the_profile_region_is_the_service_region(embedded):
    client = embedded(region="eu-west-1")
    assert client.call("inbound", "GetServiceStatus")["Status"]
    assert "/eu-west-1/fws/aws4_request" in client.transport.prepare([]).headers["Authorization"]


def test_fws_database_url_moves_the_database(embedded, tmp_path, monkeypatch, home):
    monkeypatch.setenv("FWS_DATABASE_URL", f"sqlite:///{tmp_path / 'team.db'}")
    embedded().call("inbound", "GetServiceStatus")
    assert (tmp_path / "team.db").exists()
    assert not (home / "data" / "fws" / "fws.db").exists()


def test_a_named_profile_gets_its_own_keys(home):
    (home / "config" / "fws").mkdir(parents=True)
    (home / "config" / "fws" / "config").write_text("[profile local]\nregion = us-east-1\n")
    with Client(Session.resolve("local")) as client:
        assert client.provisioned
        assert resolve("local").credentials[0] == client.transport.credentials.access_key_id
        assert resolve("default").credentials is None


def test_a_schema_of_an_unknown_revision_is_a_config_error(tmp_path, monkeypatch):
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999')")
    monkeypatch.setenv("FWS_DATABASE_URL", f"sqlite:///{path}")
    with pytest.raises(ConfigError, match="cannot be opened by this fws.*9999"):
        Client(Session.resolve())


def test_an_older_embedded_schema_is_upgraded_in_place(tmp_path, monkeypatch):
    from fwscli.store.database import Database
    from fwscli.store.migrations import current_revision, head_revision, upgrade

    path = tmp_path / "old.db"
    upgrade(Database(str(path)), "0001")
    monkeypatch.setenv("FWS_DATABASE_URL", f"sqlite:///{path}")
    with Client(Session.resolve()) as client:
        client.call("inbound", "GetServiceStatus")
    assert current_revision(Database(str(path))) == head_revision()


def test_a_remote_client_never_imports_the_service():
    code = ("import sys\n"
            "from fwscli.client.client import Client\n"
            "from fwscli.client.session import Session, Credentials\n"
            "Client(Session(endpoint_url='http://localhost:1/', credentials=Credentials('a', 'b')))\n"
            "heavy = [m for m in ('sqlalchemy', 'alembic', 'fwscli.service') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_embedded_service_never_imports_werkzeug(tmp_path):
    """Its requests are Query forms, which the service reads without werkzeug (~13 ms of
    every embedded command to import)."""
    code = ("import sys\n"
            "from fwscli.client.client import Client\n"
            "from fwscli.client.session import Session\n"
            "with Client(Session.resolve()) as client:\n"
            "    client.call('outbound', 'GetServiceStatus')\n"
            "    client.call('outbound', 'ListAllFulfillmentOrders')\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] == 'werkzeug']\n"
            "assert 'fwscli.service.app' in sys.modules and not loaded, loaded\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONPATH": ":".join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
