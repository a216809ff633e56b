"""Profiles: file locations, precedence flag > env > file > default with each value's
source, credentials, validation, and writing private files."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from fwscli import config
from fwscli.config import ConfigError, resolve, set_value, set_values
from fwscli.client.session import Session


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def config_file(home) -> Path:
    return home / "config" / "fws" / "config"


@pytest.fixture
def credentials_file(home) -> Path:
    return home / "config" / "fws" / "credentials"


def test_files_live_under_xdg_config_home(config_file, credentials_file):
    assert config.config_file() == config_file
    assert config.credentials_file() == credentials_file


def test_without_xdg_config_home_files_live_in_dot_config(home, monkeypatch):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config.config_file() == home / ".config" / "fws" / "config"


def test_a_relative_xdg_directory_is_ignored(home, tmp_path, monkeypatch):
    """As the XDG spec says: read from the working directory, cron and a shell had
    different profiles and databases."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", "rel-config")
    monkeypatch.setenv("XDG_DATA_HOME", "rel-data")
    assert config.config_file() == home / ".config" / "fws" / "config"
    assert config.default_database_url() == f"sqlite:///{home / '.local' / 'share' / 'fws' / 'fws.db'}"


def test_environment_moves_both_files(tmp_path, monkeypatch):
    monkeypatch.setenv("FWS_CONFIG_FILE", str(tmp_path / "elsewhere.ini"))
    monkeypatch.setenv("FWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "keys.ini"))
    write(tmp_path / "elsewhere.ini", "[default]\nregion = eu-west-1\n")
    write(tmp_path / "keys.ini", "[default]\naccess_key_id = AK\nsecret_access_key = S\n")
    settings = resolve()
    assert settings.region == "eu-west-1"
    assert settings["region"].location == tmp_path / "elsewhere.ini"
    assert settings.credentials == ("AK", "S")
    set_value("default", "secret_access_key", "S2")
    assert "S2" in (tmp_path / "keys.ini").read_text()


def test_defaults_with_no_files():
    settings = resolve()
    assert settings.profile.value == "default" and settings.profile.source == "default"
    assert settings["region"].value == "us-east-1" and settings["region"].source == "default"
    assert settings["endpoint_url"].value is None and settings["endpoint_url"].source == "unset"
    assert settings.credentials is None
    session = Session.from_settings(settings)
    assert session.embedded and session.region == "us-east-1"
    assert (session.retry_mode, session.max_attempts) == ("standard", 3)
    assert (session.connect_timeout, session.read_timeout) == (10.0, 60.0)


def test_precedence_flag_over_env_over_file_over_default(config_file, monkeypatch):
    write(config_file, "[default]\nregion = file-region\nendpoint_url = http://file:1/\n"
                       "output = csv\n")
    monkeypatch.setenv("FWS_REGION", "env-region")
    monkeypatch.setenv("FWS_ENDPOINT_URL", "http://env:2/")
    settings = resolve(flags={"region": "flag-region", "endpoint_url": None})
    assert (settings["region"].value, settings["region"].source) == ("flag-region", "flag")
    assert (settings["endpoint_url"].value, settings["endpoint_url"].source) == \
        ("http://env:2/", "env:FWS_ENDPOINT_URL")
    assert (settings["output"].value, settings["output"].source) == ("csv", "config-file")
    assert settings["output"].location == config_file
    assert (settings["max_attempts"].value, settings["max_attempts"].source) == ("3", "default")


def test_named_profile_reads_both_files(config_file, credentials_file):
    write(config_file, "[default]\nregion = r-default\n\n[profile dev]\nregion = r-dev\n"
                       "endpoint_url = http://dev:8080/\nretry_mode = off\nmax_attempts = 7\n"
                       "connect_timeout = 2.5\nread_timeout = 30\n")
    write(credentials_file, "[default]\naccess_key_id = AKDEFAULT\nsecret_access_key = s1\n\n"
                            "[dev]\naccess_key_id = AKDEV\nsecret_access_key = s2\n")
    settings = resolve("dev")
    assert settings.profile.value == "dev" and settings.profile.source == "flag"
    assert settings["access_key_id"].source == "credentials-file"
    assert settings["access_key_id"].location == credentials_file
    session = Session.from_settings(settings)
    assert session.profile == "dev"
    assert session.endpoint_url == "http://dev:8080/" and session.region == "r-dev"
    assert session.credentials.access_key_id == "AKDEV"
    assert session.credentials.secret_access_key == "s2"
    assert (session.retry_mode, session.max_attempts, session.attempts) == ("off", 7, 1)
    assert (session.connect_timeout, session.read_timeout) == (2.5, 30.0)


def test_fws_profile_selects_the_profile(config_file, monkeypatch):
    write(config_file, "[profile staging]\nregion = eu-central-1\n")
    monkeypatch.setenv("FWS_PROFILE", "staging")
    settings = resolve()
    assert settings.profile.value == "staging" and settings.profile.source == "env:FWS_PROFILE"
    assert settings.region == "eu-central-1"
    # The flag beats the environment.
    assert resolve("default").region == "us-east-1"


@pytest.mark.parametrize("how", ["flag", "env"])
def test_unknown_profile_named_explicitly_is_an_error(how, config_file, monkeypatch):
    write(config_file, "[profile real]\nregion = x\n[ghost]\nregion = y\n")
    if how == "env":
        monkeypatch.setenv("FWS_PROFILE", "ghost")
    with pytest.raises(ConfigError) as caught:
        resolve("ghost" if how == "flag" else None)
    message = str(caught.value)
    assert "'ghost'" in message and str(config_file) in message and "[profile ghost]" in message
    assert ("FWS_PROFILE" in message) == (how == "env")


def test_the_default_profile_always_exists():
    assert resolve("default").profile.value == "default"


def test_credentials_from_the_environment_beat_the_file(credentials_file, monkeypatch):
    write(credentials_file, "[default]\naccess_key_id = AKFILE\nsecret_access_key = file\n")
    monkeypatch.setenv("FWS_ACCESS_KEY_ID", "AKENV")
    monkeypatch.setenv("FWS_SECRET_ACCESS_KEY", "env")
    settings = resolve()
    assert settings.credentials == ("AKENV", "env")
    assert settings["secret_access_key"].source == "env:FWS_SECRET_ACCESS_KEY"


def test_credentials_in_the_config_file_are_read_too(config_file):
    write(config_file, "[default]\naccess_key_id = AK\nsecret_access_key = S\n")
    settings = resolve()
    assert settings.credentials == ("AK", "S")
    assert settings["access_key_id"].source == "config-file"


def test_half_a_key_pair_is_an_error(monkeypatch):
    monkeypatch.setenv("FWS_ACCESS_KEY_ID", "AKONLY")
    with pytest.raises(ConfigError, match="^FWS_ACCESS_KEY_ID is set but FWS_SECRET_ACCESS_KEY is not"):
        Session.resolve()


@pytest.mark.parametrize("variable, missing", [
    ("FWS_ACCESS_KEY_ID", "FWS_SECRET_ACCESS_KEY"), ("FWS_SECRET_ACCESS_KEY", "FWS_ACCESS_KEY_ID"),
])
def test_half_a_pair_in_the_environment_is_never_completed_from_a_file(variable, missing, credentials_file,
                                                                       monkeypatch):
    """As botocore's credential chain: the keys come as a pair from one source. The other half
    in the file would be another key's: a request signed with it is refused far from the cause."""
    write(credentials_file, "[default]\naccess_key_id = AKFILE\nsecret_access_key = file\n")
    monkeypatch.setenv(variable, "from-env")
    settings = resolve()
    assert settings[variable.removeprefix("FWS_").lower()].source == f"env:{variable}"
    assert settings[missing.removeprefix("FWS_").lower()].source == "unset"
    with pytest.raises(ConfigError) as caught:
        Session.from_settings(settings)
    message = str(caught.value)
    assert message.startswith(f"{variable} is set but {missing} is not") and "\n" not in message
    assert "from-env" not in message and "file" not in message.split(":")[0]


def test_the_pair_comes_from_one_file(config_file, credentials_file):
    write(credentials_file, "[default]\naccess_key_id = AKCREDS\n")
    write(config_file, "[default]\naccess_key_id = AKCONFIG\nsecret_access_key = config\n")
    with pytest.raises(ConfigError, match=f"access_key_id is set \\(from {credentials_file}\\) but "
                                          f"secret_access_key is not"):
        resolve().credentials
    write(credentials_file, "[other]\naccess_key_id = AKOTHER\nsecret_access_key = other\n")
    settings = resolve()
    assert settings.credentials == ("AKCONFIG", "config")
    assert {settings[key].source for key in config.CREDENTIAL_KEYS} == {"config-file"}


def test_secret_is_not_in_the_session_repr(monkeypatch):
    monkeypatch.setenv("FWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("FWS_SECRET_ACCESS_KEY", "very-secret")
    assert "very-secret" not in repr(Session.resolve())


@pytest.mark.parametrize("name, value", [
    ("max_attempts", "0"), ("max_attempts", "three"), ("retry_mode", "adaptive"),
    ("connect_timeout", "-1"), ("read_timeout", "soon"), ("read_timeout", "inf"),
    ("read_timeout", "1e10"), ("connect_timeout", "86401"), ("read_timeout", "1_0"),
    ("read_timeout", "١٠"), ("read_timeout", "0"), ("read_timeout", "nan"),
    ("max_attempts", "9" * 5000),  # past int()'s limit: a ConfigError, not a ValueError
    ("region", "us-east-1/x"),  # signed into the credential scope, which "/" delimits
])
def test_invalid_values_name_their_file(name, value, config_file):
    write(config_file, f"[default]\n{name} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        Session.resolve()
    assert name in str(caught.value) and str(config_file) in str(caught.value)


def test_malformed_file_is_a_config_error(config_file):
    write(config_file, "region = no section header\n")
    with pytest.raises(ConfigError, match="not a valid INI file"):
        resolve()


def test_set_value_sends_secrets_to_the_credentials_file(config_file, credentials_file):
    assert set_value("default", "region", "eu-west-1") == config_file
    assert set_value("default", "secret_access_key", "s%cret") == credentials_file
    set_value("dev", "endpoint_url", "http://localhost:8080/")
    set_value("dev", "access_key_id", "AKDEV")
    assert "secret" not in config_file.read_text()
    assert "[profile dev]" in config_file.read_text()
    assert "[dev]" in credentials_file.read_text()
    assert resolve()["secret_access_key"].value == "s%cret"  # no interpolation
    assert resolve("dev").endpoint_url == "http://localhost:8080/"


def test_written_files_are_private(config_file, credentials_file):
    set_values("default", {"access_key_id": "AK", "secret_access_key": "S", "region": "r"})
    assert mode(credentials_file) == 0o600
    assert mode(config_file) == 0o600
    assert mode(credentials_file.parent) == 0o700


def test_rewriting_a_readable_file_makes_it_private_and_keeps_other_profiles(credentials_file):
    write(credentials_file, "[other]\naccess_key_id = AKOTHER\nsecret_access_key = o\n")
    credentials_file.chmod(0o644)
    set_values("default", {"access_key_id": "AK", "secret_access_key": "S"})
    assert mode(credentials_file) == 0o600
    assert resolve("other").credentials == ("AKOTHER", "o")
    assert resolve().credentials == ("AK", "S")
    # No temporary file left behind; the writers' lock stays, empty, as lock files do.
    assert [p.name for p in credentials_file.parent.iterdir() if p.name.startswith(".")] == \
        [".credentials.write-lock"]


def test_a_symlinked_file_stays_a_symlink(tmp_path, credentials_file):
    target = write(tmp_path / "dotfiles" / "credentials", "")
    credentials_file.parent.mkdir(parents=True)
    credentials_file.symlink_to(target)
    set_value("default", "access_key_id", "AK")
    assert credentials_file.is_symlink() and "AK" in target.read_text()


def test_unknown_setting_is_refused():
    with pytest.raises(ConfigError, match="Unknown setting colour"):
        set_value("default", "colour", "blue")


@pytest.mark.parametrize("text, message", [
    ("[default]\nregion = eu-west-1\nmax-attempts = 5\n",
     "line 3: unknown setting max-attempts = '5' in [default]: did you mean max_attempts?"),
    ("[profile work]\n\n  \n[default]\nbogus = 1\n", "line 5: unknown setting bogus = '1'"),
])
def test_an_unknown_setting_of_the_profile_is_refused_with_its_line(config_file, text, message):
    write(config_file, text)
    with pytest.raises(ConfigError) as caught:
        resolve()
    assert f"{config_file} {message}" in str(caught.value)


def test_an_unknown_setting_of_another_profile_is_not_this_ones_problem(config_file, credentials_file):
    write(config_file, "[profile other]\nendpoint-url = http://x/\n[default]\nregion = eu-west-1\n")
    write(credentials_file, "[other]\naws_secret_access_key = s3cret\n")
    assert resolve().region == "eu-west-1"
    with pytest.raises(ConfigError) as caught:
        resolve("other")
    assert "endpoint-url" in str(caught.value)
    write(config_file, "")
    with pytest.raises(ConfigError) as caught:
        resolve("other")
    assert "aws_secret_access_key in [other]" in str(caught.value) and "s3cret" not in str(caught.value)


def test_a_capital_default_section_lends_nothing_to_the_profiles(config_file, credentials_file):
    write(config_file, "[DEFAULT]\nendpoint_url = http://x/\n[profile work]\nregion = eu-west-1\n")
    write(credentials_file, "[DEFAULT]\naccess_key_id = AK\nsecret_access_key = S\n[work]\n")
    settings = resolve("work")
    assert settings.endpoint_url is None and settings.credentials is None


def test_a_file_that_cannot_be_read_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FWS_SHARED_CREDENTIALS_FILE", str(tmp_path))
    with pytest.raises(ConfigError, match=f"cannot read {tmp_path}: Is a directory"):
        resolve()


def test_writers_at_once_lose_nothing(config_file, credentials_file):
    """Each writer read the file, changed it and replaced it: two at once, and the first
    one's change was gone (keys just provisioned, a profile just set)."""
    from concurrent.futures import ThreadPoolExecutor

    def put(n: int) -> None:
        set_values(f"p{n}", {"region": f"r-{n}", "access_key_id": f"AK{n}", "secret_access_key": f"S{n}"})

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(48)))
    assert [resolve(f"p{n}").region for n in range(48)] == [f"r-{n}" for n in range(48)]
    assert [resolve(f"p{n}").credentials for n in range(48)] == [(f"AK{n}", f"S{n}") for n in range(48)]
    assert mode(config_file) == mode(credentials_file) == 0o600


def test_writing_refuses_what_would_break_the_file(config_file):
    with pytest.raises(ConfigError, match=re.escape("profile name 'a\\nb' is invalid")):
        set_value("a\nb", "region", "eu-west-1")
    assert config.value_problem("endpoint_url", "http://x/\n[default]") is not None
    assert config.value_problem("region", "eu-west-1\r") is None  # surrounding space: stripped
    assert not config_file.exists()


def test_no_home_directory_is_a_config_error_naming_the_way_out(monkeypatch):
    """A container run with a user id that has no passwd entry and no HOME: Path.home()
    raised RuntimeError, 'unexpected failure' (255)."""
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    with pytest.raises(ConfigError, match="No home directory .*: set HOME, or XDG_CONFIG_HOME"):
        resolve()
    monkeypatch.setenv("XDG_CONFIG_HOME", "/somewhere")
    assert config.config_file() == Path("/somewhere/fws/config")
    monkeypatch.delenv("XDG_DATA_HOME")
    with pytest.raises(ConfigError, match="set HOME, or XDG_DATA_HOME"):
        config.default_database_url()
