"""`fws configure` through the real entry point: set/get/list with the source of every value
(flag > env > file > default), profiles, private files, and the interactive questions."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest


def listing(fws, *args: str, env=None) -> dict[str, dict]:
    rows = fws.ok(*args, "configure", "list", "-o", "json", env=env).json()
    return {row["Name"]: row for row in rows}


def files(fws) -> tuple[Path, Path]:
    base = Path(fws.env["XDG_CONFIG_HOME"]) / "fws"
    return base / "config", base / "credentials"


def test_sources_follow_the_precedence(embedded_fws):
    fws = embedded_fws
    config, credentials = files(fws)
    fresh = listing(fws)
    assert fresh["profile"] == {"Name": "profile", "Value": "default", "Source": "default", "Location": None}
    assert fresh["region"]["Value"] == "us-east-1" and fresh["region"]["Source"] == "default"
    assert fresh["endpoint_url"] == {"Name": "endpoint_url", "Value": None, "Source": "unset", "Location": None}

    fws.ok("configure", "set", "region", "eu-west-1")
    fws.ok("configure", "set", "access_key_id", "AKIDEXAMPLE12345")
    fws.ok("configure", "set", "secret-access-key", "wJalrXUtnFEMI/K7MDENG")
    from_files = listing(fws)
    assert from_files["region"] == {"Name": "region", "Value": "eu-west-1", "Source": "config-file",
                                    "Location": str(config)}
    assert from_files["access_key_id"]["Value"] == "****************2345"
    assert from_files["secret_access_key"]["Value"] == "****************DENG"
    assert from_files["secret_access_key"]["Source"] == "credentials-file"
    assert from_files["secret_access_key"]["Location"] == str(credentials)

    from_env = listing(fws, env={"FWS_REGION": "ap-south-1"})
    assert from_env["region"] == {"Name": "region", "Value": "ap-south-1", "Source": "env", "Location": "FWS_REGION"}
    from_flag = listing(fws, "--region", "sa-east-1", env={"FWS_REGION": "ap-south-1"})
    assert from_flag["region"]["Value"] == "sa-east-1" and from_flag["region"]["Source"] == "flag"
    assert from_flag["output"]["Value"] == "json" and from_flag["output"]["Source"] == "flag"

    table = fws.ok("configure", "list", "-o", "table").out
    assert "wJalrXUtnFEMI" not in table and "****************DENG" in table
    assert "embedded service" in fws.ok("configure", "list", "-o", "off").err

    for path in (config, credentials):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700


def test_get_set_and_profiles(embedded_fws):
    fws = embedded_fws
    fws.ok("configure", "set", "output", "csv")
    fws.ok("--profile", "team", "configure", "set", "endpoint_url", "http://fws.example:8080/")
    fws.ok("configure", "set", "max_attempts", "5", "--profile", "team")  # global options anywhere

    assert fws.ok("configure", "get", "output").out == "csv\n"
    assert fws.ok("--profile", "team", "configure", "get", "endpoint-url").out == "http://fws.example:8080/\n"
    assert fws.ok("configure", "get", "region", env={"FWS_PROFILE": "team", "FWS_REGION": "eu-west-1"}).out \
        == "eu-west-1\n"
    unset = fws.ok("configure", "get", "endpoint_url")
    assert unset.out == "" and "not set" in unset.err
    assert fws.ok("configure", "list-profiles", "-o", "json").json() == ["default", "team"]
    assert fws.ok("configure", "list-profiles", "-o", "table").out.split() == ["default", "team"]
    config, _ = files(fws)
    assert "[profile team]" in config.read_text()

    # An empty value clears a setting: the profile goes back to the embedded service.
    fws.ok("--profile", "team", "configure", "set", "endpoint_url", "")
    assert listing(fws, "--profile", "team")["endpoint_url"]["Source"] == "unset"

    unknown = fws("--profile", "nope", "configure", "list")
    assert unknown.code == 253 and "nope" in unknown.err
    assert fws("--profile", "nope", "configure", "get", "region").code == 253


@pytest.mark.parametrize("name, value, culprit", [
    ("colour", "blue", "colour"),
    ("output", "yaml", "yaml"),
    ("retry_mode", "sometimes", "sometimes"),
    ("max_attempts", "0", "max_attempts"),
    ("max_attempts", "²", "max_attempts"),  # a digit to str.isdigit, not to int()
    ("read_timeout", "soon", "read_timeout"),
    ("endpoint_url", "localhost:8080", "http"),
    ("endpoint_url", "http://localhost:99999", "Port out of range"),
    ("endpoint_url", "http://[::1:8080", "IPv6"),
    # What the transport refuses, `configure set` refuses too (config.value_problem).
    ("endpoint_url", "http://localhost:8080/?x=1", "query string"),
    ("endpoint_url", "http://:8080/", "host"),
    ("endpoint_url", "http://me:pa55@localhost:8080/", "user name or password"),
    ("max_attempts", "1" * 5000, "max_attempts"),  # past int()'s 4,300 digits: no crash
    ("max_attempts", "101", "1 to 100"),
    ("read_timeout", "inf", "read_timeout"),
    ("region", "eu west 1", "region"),
    ("access_key_id", "AK ID", "access_key_id"),
    # urlsplit drops line breaks: the value was written as the file's next lines.
    ("endpoint_url", "http://127.0.0.1:9/\n[profile evil]\nregion = x", "line breaks"),
    ("output", "json\x1b", "output"),
])
def test_set_refuses_unusable_values(embedded_fws, name, value, culprit):
    result = embedded_fws("configure", "set", name, value)
    assert result.code == 252 and culprit in result.err
    assert not files(embedded_fws)[0].exists()


def test_set_writes_into_the_section_that_is_read(embedded_fws):
    """The default profile may be written `[profile default]`, which fws reads when there
    is no `[default]`: a setting written then goes there too. In a new `[default]` section it
    hid the other, and the endpoint with it (commands went to the embedded service)."""
    config, _ = files(embedded_fws)
    config.parent.mkdir(parents=True)
    config.write_text("[profile default]\nendpoint_url = http://fws.example:8080/\n")
    embedded_fws.ok("configure", "set", "region", "eu-west-1")
    values = listing(embedded_fws)
    assert values["endpoint_url"]["Value"] == "http://fws.example:8080/"
    assert values["region"]["Value"] == "eu-west-1"
    assert "[default]" not in config.read_text()


def test_set_takes_retry_mode_in_any_case_as_it_is_read(embedded_fws):
    embedded_fws.ok("configure", "set", "retry_mode", "Off")
    assert embedded_fws.ok("configure", "get", "retry_mode").out.strip() == "Off"
    assert embedded_fws("items", "list").code == 0


@pytest.mark.parametrize("value", ["1e10", "1e300"])
def test_a_timeout_too_long_for_a_socket_is_a_config_error(embedded_fws, value):
    """It passed the rule (a finite float) and overflowed in the socket: exit 255,
    'unexpected failure: OverflowError: timestamp out of range for platform time_t'."""
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    config.write_text(f"[default]\nread_timeout = {value}\n")
    result = embedded_fws("items", "list", env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9/",
                                                "FWS_ACCESS_KEY_ID": "AK", "FWS_SECRET_ACCESS_KEY": "S"})
    assert result.code == 253 and f"read_timeout = '{value}' (from {config}) is invalid: it must be a " \
        "number of seconds above 0 and at most 86400" in result.err, result.err
    assert embedded_fws("configure", "set", "connect_timeout", value).code == 252


def test_timeouts_take_decimals():
    from fwscli.config import value_problem

    assert [value_problem("read_timeout", v) for v in ("0.5", "30", ".25", "86400", "2.")] == [None] * 5


def test_unusable_values_in_the_config_file_are_named(embedded_fws):
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    config.write_text("[default]\nmax_attempts = ²\n", encoding="utf-8")
    result = embedded_fws("items", "list")
    assert result.code == 253 and "max_attempts" in result.err and str(config) in result.err


def test_list_says_which_values_no_command_will_accept(embedded_fws):
    """They were listed like any other, and every other command failed on them."""
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    config.write_text("[default]\nmax_attempts = abc\nread_timeout = 1e10\n")
    result = embedded_fws.ok("configure", "list", "-o", "json", "--region", "eu west")
    assert f"fws: max_attempts = 'abc' (from {config}) is invalid: it must be a whole number" in result.err
    assert f"fws: read_timeout = '1e10' (from {config}) is invalid" in result.err
    assert "fws: region = 'eu west' (from flag) is invalid" in result.err
    assert "connect_timeout" not in result.err


def test_an_unusable_output_in_the_file_is_named_with_its_file(embedded_fws):
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    config.write_text("[default]\noutput = yaml\n")
    result = embedded_fws("configure", "list")
    assert result.code == 253 and "not 'yaml'" in result.err and f"(from {config})" in result.err


@pytest.mark.parametrize("text, culprit", [
    ("[profile p2\nregion = x\n", "line 1"),            # no section header
    ("[default]\nregion\n", "line 2"),                   # a line that is no setting
    ("[default]\nregion = a\nregion = b\n", "line 3"),  # a setting given twice
])
def test_a_config_file_that_is_not_ini_is_one_line_naming_the_line(embedded_fws, text, culprit):
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    config.write_text(text)
    result = embedded_fws("items", "list")
    assert result.code == 253 and str(config) in result.err and culprit in result.err, result.err
    assert len(result.err.splitlines()) == 1, result.err


@pytest.mark.parametrize("which, text, culprit", [
    # A typo fws ignored: the commands went to the embedded service, not the endpoint.
    ("config", "[default]\nregion = eu-west-1\nendpoint-url = http://127.0.0.1:9/\n",
     "line 3: unknown setting endpoint-url = 'http://127.0.0.1:9/' in [default]: did you mean endpoint_url?"),
    # The AWS CLI's names: the keys were ignored and a merchant provisioned beside them.
    ("credentials", "[default]\naws_access_key_id = AKID\naws_secret_access_key = s3cret\n",
     "line 2: unknown setting aws_access_key_id in [default]: did you mean access_key_id?"),
    ("credentials", "[default]\nregion = eu-west-1\n", "line 2: region in [default] is not read from "
     "this file: region belongs in"),
])
def test_an_unknown_setting_is_one_line_naming_file_line_and_key(embedded_fws, which, text, culprit):
    path = dict(zip(("config", "credentials"), files(embedded_fws)))[which]
    path.parent.mkdir(parents=True)
    path.write_text(text)
    for command in (("items", "list"), ("configure", "list")):
        result = embedded_fws(*command)
        assert result.code == 253 and f"{path} {culprit}" in result.err, result.err
        assert len(result.err.splitlines()) == 1 and "s3cret" not in result.err, result.err
    assert not (Path(embedded_fws.env["XDG_DATA_HOME"]) / "fws").exists()  # nothing provisioned


def test_a_default_section_in_capitals_is_no_profiles_defaults(embedded_fws):
    """configparser lends [DEFAULT]'s keys to every section: a profile got its endpoint and
    keys without saying so, while the default profile ignored them."""
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    config.write_text("[DEFAULT]\nregion = eu-west-1\n\n[profile work]\noutput = json\n")
    assert listing(embedded_fws, "--profile", "work")["region"]["Source"] == "default"
    assert embedded_fws.ok("configure", "list-profiles", "-o", "json").json() == ["work"]


def test_list_profiles_names_the_line_of_a_file_that_is_not_ini(embedded_fws):
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    config.write_text("[default]\nregion\n")
    result = embedded_fws("configure", "list-profiles")
    assert result.code == 253 and f"{config} is not a valid INI file: line 2" in result.err
    assert len(result.err.splitlines()) == 1, result.err


def test_a_file_saved_with_a_byte_order_mark_is_read(embedded_fws):
    """As Notepad saves UTF-8: the first header was '\ufeff[default]', 'not under a [section]
    header' (253) for a file that looks right in every editor."""
    config, credentials = files(embedded_fws)
    config.parent.mkdir(parents=True)
    config.write_bytes(b"\xef\xbb\xbf[default]\r\nregion = eu-west-1\r\n")
    credentials.write_bytes(b"\xef\xbb\xbf[default]\naccess_key_id = AKIDEXAMPLE12345\n"
                            b"secret_access_key = s\n")
    values = listing(embedded_fws)
    assert values["region"]["Value"] == "eu-west-1"
    assert values["access_key_id"]["Value"] == "****************2345"
    embedded_fws.ok("configure", "set", "output", "json")
    assert listing(embedded_fws)["region"]["Value"] == "eu-west-1"


def test_a_file_that_exists_but_cannot_be_read_is_named(embedded_fws, tmp_path):
    """configparser skipped it silently: the commands went to the embedded service."""
    directory = tmp_path / "a-directory"
    directory.mkdir()
    result = embedded_fws("items", "list", env={"FWS_CONFIG_FILE": str(directory)})
    assert result.code == 253 and f"cannot read {directory}:" in result.err, result.err
    config = files(embedded_fws)[0]
    config.parent.mkdir(parents=True)
    for bom in (b"", b"\xef\xbb\xbf"):
        config.write_bytes(bom + b"[default]\nregion = eu-west-1\n# caf\xe9\n")
        result = embedded_fws("items", "list")
        assert result.code == 253 and f"{config} is not a valid INI file: line 3: byte b'\\xe9' is " \
            "not UTF-8 text" in result.err, result.err


def test_a_deleted_embedded_database_says_how_to_start_afresh(embedded_fws):
    fws = embedded_fws
    fws.ok("items", "list")
    data = Path(fws.env["XDG_DATA_HOME"]) / "fws"
    for path in data.iterdir():
        path.unlink()
    result = fws("items", "list")
    assert result.code == 253 and "InvalidClientTokenId" in result.err, result.err
    assert "clear the keys of profile 'default'" in result.err and len(result.err.splitlines()) == 1
    fws.ok("configure", "set", "access_key_id", "")
    fws.ok("configure", "set", "secret_access_key", "")
    assert "created a merchant" in fws.ok("items", "list").err


def test_commands_setting_profiles_at_once_lose_none(embedded_fws):
    import subprocess

    from .conftest import FWS

    runs = [subprocess.Popen([FWS, "--profile", f"p{n}", "configure", "set", "region", f"r-{n}"],
                             env=embedded_fws.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in range(8)]
    assert [run.wait(timeout=120) for run in runs] == [0] * 8
    assert embedded_fws.ok("configure", "list-profiles", "-o", "json").json() == [f"p{n}" for n in range(8)]


def test_a_profile_name_with_a_line_break_is_refused_not_written(embedded_fws):
    """Written as `[profile a` and `b]`: the file was no longer INI, and every command failed."""
    result = embedded_fws("--profile", "a\nb", "configure", "set", "region", "eu-west-1")
    assert result.code == 252 and "--profile: 'a\\nb' is invalid: it must not contain line " \
        "breaks" in result.err, result.err
    assert not files(embedded_fws)[0].exists()
    embedded_fws.ok("configure", "list")


def test_an_endpoint_with_a_password_is_refused_without_printing_it_later(embedded_fws):
    result = embedded_fws("items", "list", "--endpoint-url", "http://me:pa55@127.0.0.1:9/",
                          env={"FWS_ACCESS_KEY_ID": "AK", "FWS_SECRET_ACCESS_KEY": "S"})
    assert result.code == 253 and "must not hold a user name or password" in result.err, result.err
    assert "'http://me:****@127.0.0.1:9/'" in result.err and "pa55" not in result.err
    result = embedded_fws("configure", "set", "endpoint_url", "http://me:pa55@127.0.0.1:9/")
    assert result.code == 252 and "'http://me:****@127.0.0.1:9/'" in result.err and "pa55" not in result.err


def test_an_endpoint_with_a_line_break_from_the_environment_is_named(embedded_fws):
    result = embedded_fws("items", "list", env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9/\n",
                                                "FWS_ACCESS_KEY_ID": "AK", "FWS_SECRET_ACCESS_KEY": "S"})
    assert result.code == 253 and "must not contain line breaks" in result.err, result.err


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"])
def test_an_embedded_database_in_memory_is_refused_before_keys_are_saved(embedded_fws, url):
    """Its merchant vanished with the command, but its keys stayed in the profile: every
    later command, on the real database, failed InvalidClientTokenId."""
    result = embedded_fws("items", "list", env={"FWS_DATABASE_URL": url})
    assert result.code == 253 and f"The embedded database {url} is in memory" in result.err, result.err
    assert not files(embedded_fws)[1].exists()
    assert "created a merchant" in embedded_fws.ok("items", "list").err


def test_a_malformed_embedded_database_url_is_a_config_error_without_its_password(embedded_fws):
    """A port that is not a number was an "unexpected failure: ValueError" (255)."""
    result = embedded_fws("items", "list", env={"FWS_DATABASE_URL": "postgresql://ada:s3cret@db:5x/fws"})
    assert result.code == 253, result.err
    (line,) = result.err.splitlines()
    assert "FWS_DATABASE_URL" in line and "its port '5x' is not a number" in line, line
    assert "s3cret" not in line and "ada:***@db:5x" in line, line
    assert not files(embedded_fws)[1].exists()  # no keys saved for a database never opened


def test_a_blank_database_url_is_unset(embedded_fws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a file named "  " was made
    embedded_fws.ok("items", "list", env={"FWS_DATABASE_URL": "  "})
    assert (Path(embedded_fws.env["XDG_DATA_HOME"]) / "fws" / "fws.db").exists()


def test_a_file_whose_lock_cannot_be_made_is_named_not_its_lock(embedded_fws, tmp_path):
    (tmp_path / "a-file").touch()
    config = tmp_path / "a-file" / "config"
    result = embedded_fws("configure", "set", "region", "eu-west-1", env={"FWS_CONFIG_FILE": str(config)})
    assert result.code == 253 and f"cannot write {config}: " in result.err, result.err


def test_an_unreachable_endpoint_names_the_operation_in_json_errors(embedded_fws):
    """Every other failure of a call carried its operation; this one had "Operation": null."""
    import json
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = embedded_fws("items", "list", "--error-format", "json", env={
        "FWS_ENDPOINT_URL": f"http://127.0.0.1:{port}/", "FWS_ACCESS_KEY_ID": "AK",
        "FWS_SECRET_ACCESS_KEY": "S"})
    error = json.loads(result.err)["Error"]
    assert result.code == 255 and error["Code"] == "EndpointUnreachable"
    assert error["Operation"] == "inbound.ListAllFulfillmentItems"


def test_an_unreadable_answer_names_its_operation_in_json_errors():
    from fwscli.cli.common import as_cli_error
    from fwscli.client.errors import ResponseError

    error = as_cli_error(ResponseError("inbound.GetServiceStatus", 502, "not FWS", b"<html>"))
    assert (error.code, error.operation, error.exit_code) == ("ResponseError", "inbound.GetServiceStatus", 255)


def test_a_file_that_cannot_be_written_is_named(embedded_fws, tmp_path):
    directory = tmp_path / "a-directory"
    directory.mkdir()
    result = embedded_fws("configure", "set", "region", "eu-west-1", env={"FWS_CONFIG_FILE": str(directory)})
    assert result.code == 253 and f"cannot read {directory}:" in result.err, result.err
    # The embedded service's first use, which saves the keys it provisions there: refused
    # before a merchant is made whose keys could not be kept.
    result = embedded_fws("items", "list", env={"FWS_SHARED_CREDENTIALS_FILE": str(directory)})
    assert result.code == 253 and f"cannot read {directory}:" in result.err, result.err
    assert not (Path(embedded_fws.env["XDG_DATA_HOME"]) / "fws").exists()


def test_interactive_keeps_what_enter_keeps(embedded_fws):
    fws = embedded_fws
    first = fws.ok("--profile", "work", "configure",
                   input="AKIDWORK00001111\nsecret-of-work-9999\n\nhttp://127.0.0.1:9/\nyaml\njson\n")
    assert "must be one of" in first.err  # "yaml" was asked again
    values = listing(fws, "--profile", "work", env={})
    assert values["access_key_id"]["Value"] == "****************1111"
    assert values["region"]["Source"] == "default"
    assert values["endpoint_url"]["Value"] == "http://127.0.0.1:9/"
    assert values["output"]["Value"] == "json"

    again = fws.ok("--profile", "work", "configure", input="\n\neu-central-1\n\n\n")
    assert "[****************1111]" in again.err and "[****************9999]" in again.err
    assert "secret-of-work" not in again.err
    after = listing(fws, "--profile", "work")
    assert after["region"]["Value"] == "eu-central-1"
    assert after["access_key_id"]["Value"] == "****************1111"
    assert fws.ok("--profile", "work", "configure", input="\n" * 5).err.endswith("unchanged\n")

    cron = fws("configure", input="")
    assert cron.code == 2 and "configure set" in cron.err


def test_a_configured_profile_reaches_a_live_server(embedded_fws, server, merchant):
    fws = embedded_fws
    fws.ok("--profile", "live", "configure", "set", "endpoint_url", server.url)
    fws.ok("--profile", "live", "configure", "set", "access_key_id", merchant.access_key_id)
    fws.ok("--profile", "live", "configure", "set", "secret_access_key", merchant.secret_access_key)
    fws.ok("--profile", "live", "items", "register", "VIA-PROFILE", "-o", "off")
    assert [row["MerchantSKU"] for row in fws.ok("--profile", "live", "items", "list", "-o", "json").json()] \
        == ["VIA-PROFILE"]
    # The default profile still talks to the embedded service, which has no such item.
    assert fws.ok("items", "list", "-o", "json").json() == []

    env_wins = listing(fws, "--profile", "live", env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9/"})
    assert env_wins["endpoint_url"]["Source"] == "env"
    assert env_wins["profile"]["Source"] == "flag"


def test_list_against_the_environment_of_a_live_server(remote_fws):
    values = listing(remote_fws)
    assert values["endpoint_url"]["Source"] == "env" and values["endpoint_url"]["Location"] == "FWS_ENDPOINT_URL"
    assert values["access_key_id"]["Location"] == "FWS_ACCESS_KEY_ID"
    assert values["secret_access_key"]["Value"].startswith("****************")


@pytest.mark.parametrize("variable, missing", [
    ("FWS_ACCESS_KEY_ID", "FWS_SECRET_ACCESS_KEY"), ("FWS_SECRET_ACCESS_KEY", "FWS_ACCESS_KEY_ID"),
])
def test_half_a_key_pair_in_the_environment_is_refused_not_completed_from_the_file(embedded_fws, variable,
                                                                                   missing):
    """The saved pair's own key id in the environment worked, signed with the file's secret;
    another key id failed at the service as a bad signature. Now: one line naming the
    missing variable, exit 253, nothing sent; `configure list` shows where the pair comes from."""
    fws = embedded_fws
    fws.ok("items", "register", "SKU-1", "-o", "off")  # provisions the profile's keys
    _, credentials = files(fws)
    saved = dict(line.split(" = ") for line in credentials.read_text().splitlines() if " = " in line)
    half = saved["access_key_id" if variable == "FWS_ACCESS_KEY_ID" else "secret_access_key"]
    refused = fws("items", "register", "SKU-2", "-o", "off", env={variable: half})
    assert refused.code == 253, refused.err
    assert refused.err == f"fws: error: {variable} is set but {missing} is not: set both, or neither " \
                          f"to use the profile's keys.\n"
    assert fws.ok("items", "list", "-o", "json", "--query", "[].MerchantSKU").json() == ["SKU-1"]

    shown = fws.ok("configure", "list", "-o", "json", env={variable: half})
    rows = {row["Name"]: row for row in shown.json()}
    assert (rows["access_key_id"]["Source"], rows["secret_access_key"]["Source"]) == \
        (("env", "unset") if variable == "FWS_ACCESS_KEY_ID" else ("unset", "env"))
    assert f"credentials: {variable} is set but {missing} is not" in shown.err
