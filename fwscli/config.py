"""Where fws keeps its files, and the profiles that say which service to talk to and how.

Two INI files, as the AWS CLI has them (DESIGN §4):

* the config file, `$XDG_CONFIG_HOME/fws/config` (moved by `FWS_CONFIG_FILE`):
  `[default]` and `[profile NAME]` sections holding the CONFIG_KEYS;
* the credentials file, `$XDG_CONFIG_HOME/fws/credentials` (moved by
  `FWS_SHARED_CREDENTIALS_FILE`): `[NAME]` sections holding the CREDENTIAL_KEYS.

A value comes from the first of: a command-line flag, an environment variable, the profile's
file section, the built-in default. The two keys are one pair from one source (as botocore's
credential chain has them). `resolve()` records where each value came from, so
`fws configure list` can say why fws talks to the endpoint it does.
"""

from __future__ import annotations

import configparser
import fcntl
import math
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping
from urllib.parse import urlsplit

from .digits import ascii_whole_number

DEFAULT_PROFILE = "default"
CONFIG_KEYS = ("endpoint_url", "region", "output", "retry_mode", "max_attempts",
               "connect_timeout", "read_timeout")
CREDENTIAL_KEYS = ("access_key_id", "secret_access_key")
RETRY_MODES = ("standard", "off")
DEFAULTS: dict[str, str] = {
    "region": "us-east-1",
    "retry_mode": "standard",
    "max_attempts": "3",
    "connect_timeout": "10",  # seconds; what the PHP libraries used (spec §1.2)
    "read_timeout": "60",
}
ENVIRONMENT: dict[str, str] = {
    "endpoint_url": "FWS_ENDPOINT_URL",
    "region": "FWS_REGION",
    "access_key_id": "FWS_ACCESS_KEY_ID",
    "secret_access_key": "FWS_SECRET_ACCESS_KEY",
}
PROFILE_ENV = "FWS_PROFILE"


class ConfigError(Exception):
    """The configuration or the credentials are unusable (the CLI exits 253)."""


# --- where the files are -----------------------------------------------------------------

def xdg_base(variable: str, *default: str) -> Path:
    """An XDG base directory: `$variable` when it is an absolute path, else ~/`default`.
    The XDG spec has a relative one ignored: taken from the working directory, a cron job
    and a shell read different files and databases."""
    value = os.environ.get(variable, "")
    if os.path.isabs(value):
        return Path(value)
    try:
        return Path.home().joinpath(*default)
    except RuntimeError:  # no HOME and no passwd entry: a container run with any user id
        raise ConfigError(f"No home directory (HOME is not set, and user id {os.getuid()} has "
                          f"no passwd entry): set HOME, or {variable}.") from None


def data_dir() -> Path:
    """`$XDG_DATA_HOME/fws`, by default `~/.local/share/fws`."""
    return xdg_base("XDG_DATA_HOME", ".local", "share") / "fws"


def default_database_url() -> str:
    """`FWS_DATABASE_URL`, else the embedded SQLite file in the data directory."""
    # Blank is unset (a file named "   " in the working directory was made).
    return os.environ.get("FWS_DATABASE_URL", "").strip() or f"sqlite:///{data_dir() / 'fws.db'}"


def config_dir() -> Path:
    """`$XDG_CONFIG_HOME/fws`, by default `~/.config/fws`."""
    return xdg_base("XDG_CONFIG_HOME", ".config") / "fws"


def config_file() -> Path:
    return Path(os.environ.get("FWS_CONFIG_FILE") or config_dir() / "config").expanduser()


def credentials_file() -> Path:
    return Path(os.environ.get("FWS_SHARED_CREDENTIALS_FILE") or config_dir() / "credentials").expanduser()


# --- reading -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """One resolved value and where it came from.

    source: "flag", "env:NAME", "config-file", "credentials-file", "default", or "unset";
    location: the file's path for the two file sources.
    """

    value: str | None
    source: str
    location: Path | None = None


@dataclass(frozen=True)
class Settings:
    """Every setting of the active profile, resolved, with its origin."""

    profile: Setting
    values: Mapping[str, Setting]

    def __getitem__(self, name: str) -> Setting:
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def value(self, name: str) -> str | None:
        return self.values[name].value

    @property
    def endpoint_url(self) -> str | None:
        return self.value("endpoint_url")

    @property
    def region(self) -> str:
        return self._checked("region")

    @property
    def output(self) -> str | None:
        return self.value("output")

    @property
    def retry_mode(self) -> str:
        return self._checked("retry_mode").lower()

    @property
    def max_attempts(self) -> int:
        return int(self._checked("max_attempts"))

    @property
    def connect_timeout(self) -> float:
        return self._seconds("connect_timeout")

    @property
    def read_timeout(self) -> float:
        return self._seconds("read_timeout")

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(access key id, secret), or None when neither is set anywhere."""
        key, secret = self["access_key_id"], self["secret_access_key"]
        if key.value is None and secret.value is None:
            return None
        if key.value is None or secret.value is None:
            present, missing = ("access_key_id", "secret_access_key") if key.value else \
                               ("secret_access_key", "access_key_id")
            source = self[present].source
            if source.startswith("env:"):
                raise ConfigError(f"{ENVIRONMENT[present]} is set but {ENVIRONMENT[missing]} is "
                                  f"not: set both, or neither to use the profile's keys.")
            raise ConfigError(f"{present} is set ({_describe(self[present])}) but {missing} is "
                              f"not: set both there, e.g. with `fws configure`.")
        return key.value, secret.value

    def _seconds(self, name: str) -> float:
        return float(self._checked(name))

    def _checked(self, name: str) -> str:
        """The setting's value (else its default), once its rule accepts it."""
        raw = (self.value(name) or DEFAULTS[name]).strip()
        problem = value_problem(name, raw)
        if problem is not None:
            raise self._invalid(name, problem)
        return raw

    def _invalid(self, name: str, reason: str) -> ConfigError:
        setting = self[name]
        return ConfigError(f"{name} = {setting.value!r} ({_describe(setting)}) is invalid: {reason}.")


def resolve(profile: str | None = None, flags: Mapping[str, str | None] | None = None) -> Settings:
    """The settings of `profile` (else `$FWS_PROFILE`, else "default").

    `flags` holds command-line values by key name (None: not given). A profile named
    explicitly that neither file defines is a ConfigError; "default" always exists.
    """
    flags = flags or {}
    if profile:
        chosen = Setting(profile, "flag")
    elif os.environ.get(PROFILE_ENV):
        chosen = Setting(os.environ[PROFILE_ENV], f"env:{PROFILE_ENV}")
    else:
        chosen = Setting(DEFAULT_PROFILE, "default")
    name = chosen.value or DEFAULT_PROFILE

    config_path, credentials_path = config_file(), credentials_file()
    config_section = _section(_read(config_path), _config_section_names(name),
                              config_path, CONFIG_KEYS + CREDENTIAL_KEYS)
    credentials_section = _section(_read(credentials_path), (name,), credentials_path,
                                   CREDENTIAL_KEYS)
    if config_section is None and credentials_section is None and name != DEFAULT_PROFILE:
        raise ConfigError(f"The profile {name!r} ({_describe(chosen)}) is not defined in "
                          f"{config_path} (as [profile {name}]) or {credentials_path} "
                          f"(as [{name}]).")

    # Credentials may also sit in the config file, as the AWS CLI allows; their own file wins.
    files: list[tuple[str, Path, Mapping[str, str]]] = [
        ("credentials-file", credentials_path, credentials_section or {}),
        ("config-file", config_path, config_section or {}),
    ]
    values = {key: _resolve_one(key, flags, files) for key in CONFIG_KEYS}
    values.update(_resolve_pair(flags, files))
    return Settings(profile=Setting(name, chosen.source), values=values)


def _resolve_one(key: str, flags: Mapping[str, str | None],
                 files: list[tuple[str, Path, Mapping[str, str]]]) -> Setting:
    if flags.get(key):
        return Setting(flags[key], "flag")
    variable = ENVIRONMENT.get(key)
    if variable and os.environ.get(variable):
        return Setting(os.environ[variable], f"env:{variable}")
    for source, path, section in files:
        if source == "credentials-file":
            continue  # the credentials file holds secrets only
        if section.get(key):
            return Setting(section[key], source, path)
    if key in DEFAULTS:
        return Setting(DEFAULTS[key], "default")
    return Setting(None, "unset")


def _resolve_pair(flags: Mapping[str, str | None],
                  files: list[tuple[str, Path, Mapping[str, str]]]) -> dict[str, Setting]:
    """The key id and its secret, both from the first source that holds either. Taken one by
    one, a key id from the environment would be signed with a file's secret: refused by the
    service as a bad signature, far from the cause. Half a pair stays half (Settings.credentials
    refuses it, naming the missing half)."""
    environment = {key: os.environ.get(ENVIRONMENT[key]) for key in CREDENTIAL_KEYS}
    sources: list[tuple[str, Path | None, Mapping[str, str | None]]] = [
        ("flag", None, flags), ("env", None, environment), *files]
    for source, path, found in sources:
        if not any(found.get(key) for key in CREDENTIAL_KEYS):
            continue
        pair = {}
        for key in CREDENTIAL_KEYS:
            where = f"env:{ENVIRONMENT[key]}" if source == "env" else source
            pair[key] = Setting(found[key], where, path) if found.get(key) else Setting(None, "unset")
        return pair
    return {key: Setting(None, "unset") for key in CREDENTIAL_KEYS}


def _config_section_names(profile: str) -> tuple[str, ...]:
    if profile == DEFAULT_PROFILE:
        return (DEFAULT_PROFILE, f"profile {DEFAULT_PROFILE}")
    return (f"profile {profile}",)


def _section(parser: configparser.ConfigParser, names: tuple[str, ...], path: Path,
             known: tuple[str, ...]) -> dict[str, str] | None:
    """The first of the sections `names` that the file has, checked to hold only `known`
    keys: one fws does not know is a typo (`endpoint-url`, AWS's `aws_access_key_id`)
    that, ignored, sent commands to the embedded service or left them without keys."""
    for name in names:
        if parser.has_section(name):
            section = {key: value.strip() for key, value in parser.items(name)}
            for key in section:
                if key not in known:
                    raise ConfigError(_unknown_key(path, name, key, section[key], known))
            return section
    return None


def _unknown_key(path: Path, section: str, key: str, value: str, known: tuple[str, ...]) -> str:
    import difflib

    where = f"{path} line {_line_of(path, section, key)}"
    # The value helps find a typo, but never a secret's: messages end up in logs.
    shown = f"{key} = {value!r}" if known == CONFIG_KEYS + CREDENTIAL_KEYS and \
        "secret" not in key else key
    if key in CONFIG_KEYS + CREDENTIAL_KEYS:  # a setting in the file it does not belong in
        return (f"{where}: {shown} in [{section}] is not read from this file: "
                f"{key} belongs in {config_file() if key in CONFIG_KEYS else credentials_file()}.")
    guess = difflib.get_close_matches(key.replace("-", "_"), known, n=1, cutoff=0.6)
    hint = f"did you mean {guess[0]}? " if guess else ""
    return (f"{where}: unknown setting {shown} in [{section}]: {hint}"
            f"the settings here are {', '.join(known)}.")


def _line_of(path: Path, section: str, key: str) -> int | str:
    """The line of `key` in `[section]` of `path` (configparser keeps no line numbers)."""
    current = None
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, ValueError):
        return "?"
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
        elif current == section and not line[:1].isspace():
            name = stripped.split("=", 1)[0].split(":", 1)[0].strip().lower()
            if name == key:
                return number
    return "?"


def _read(path: Path) -> configparser.ConfigParser:
    """The file's sections; none when it does not exist. One that exists but cannot be read
    (a directory, no permission) is an error: configparser.read skips it silently, and fws
    then went to the embedded service, or provisioned keys it could not save."""
    parser = _parser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return parser
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    data = data.removeprefix(b"\xef\xbb\xbf")  # Notepad starts a UTF-8 file with a BOM
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path} is not a valid INI file: line {line}: byte "
                          f"{data[error.start:error.start + 1]!r} is not UTF-8 text") from None
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as error:
        raise ConfigError(f"{path} is not a valid INI file: {_ini_problem(error)}") from None
    return parser


def read_profiles(path: Path) -> list[str]:
    """The section names of a config or credentials file (ConfigError if unreadable)."""
    return _read(path).sections()


def _ini_problem(error: configparser.Error) -> str:
    """configparser's complaint as the one line an error is: its own text spans lines and
    repeats the path."""
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno}: {error.line.strip()!r} is not under a [section] header"
    if isinstance(error, configparser.ParsingError):
        return f"line {error.errors[0][0]}: expected a [section] or NAME = VALUE"
    if isinstance(error, configparser.DuplicateOptionError):
        return f"line {error.lineno}: {error.option} is set twice in [{error.section}]"
    if isinstance(error, configparser.DuplicateSectionError):
        return f"line {error.lineno}: [{error.section}] is given twice"
    return " ".join(str(error).split())


def _parser() -> configparser.ConfigParser:
    # No interpolation: a secret may contain "%". No default section: configparser's
    # [DEFAULT] lends its keys to every section, so a [DEFAULT] (meant as [default]) gave
    # its keys to every profile while the default profile itself ignored them; here it is
    # a section like any other ("" can be no section's name).
    return configparser.ConfigParser(interpolation=None, default_section="")


def _describe(setting: Setting) -> str:
    if setting.location is not None:
        return f"from {setting.location}"
    return f"from {setting.source}"


# --- what each setting accepts ------------------------------------------------------------

MAX_ATTEMPTS = 100


def value_problem(key: str, value: str) -> str | None:
    """Why `value` cannot be setting `key`'s value, or None when it can (an empty value
    unsets it). The one rule of each setting, whether the value is being written (`fws
    configure`) or read (a flag, the environment, a file)."""
    value = value.strip()
    if _has_control(value):
        # A line break would be written as the file's next lines (`[profile x]`, another
        # key); urlsplit drops one without a word, so a URL checked nothing for it.
        return "it must not contain line breaks or other control characters"
    rule = _RULES.get(key)
    return rule(value) if value and rule is not None else None


def profile_problem(name: str) -> str | None:
    """Why `name` cannot be a profile's, or None: it is written as a section header."""
    if not name.strip():
        return "a profile needs a name"
    if _has_control(name):
        return "it must not contain line breaks or other control characters"
    return None


def _has_control(text: str) -> bool:
    return any(ord(character) < 32 or 127 <= ord(character) < 160 for character in text)


def endpoint_problem(url: str) -> str | None:
    """Why `url` cannot be an endpoint, or None."""
    if _has_control(url):  # urlsplit would drop a tab or line break without a word
        return "it must not contain line breaks or other control characters"
    try:
        parts = urlsplit(url)
        parts.port  # checked only when asked for: 'http://host:99999' would fail later
    except ValueError as error:  # a bad port, an unclosed IPv6 literal
        return f"it is not a usable URL ({error})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it must be an http:// or https:// URL with a host"
    if parts.query or parts.fragment:
        return "it must not have a query string or fragment"
    if parts.username is not None or parts.password is not None:
        # Never sent (requests signs with the keys given, not the URL's), and a password in
        # it was printed in every "Could not reach" and --debug line.
        return "it must not hold a user name or password: fws signs with the profile's keys"
    return None


def shown_value(key: str, value: str) -> str:
    """`value` as an error may show it: an endpoint's password masked."""
    if key == "endpoint_url":
        return re.sub(r"(?<=://)([^/@]*?):[^/@]*@", r"\1:****@", value)
    return value


def _region_problem(value: str) -> str | None:
    # It is signed into every request's credential scope and header, where a space, a slash
    # or a line break would break the signature or the header.
    if value.isascii() and value.replace("-", "").isalnum():
        return None
    return "it must be letters, digits and dashes, such as us-east-1"


def _retry_mode_problem(value: str) -> str | None:
    return None if value.lower() in RETRY_MODES else "it must be " + " or ".join(RETRY_MODES)


def _attempts_problem(value: str) -> str | None:
    attempts = ascii_whole_number(value, max_digits=9)
    if attempts is not None and 1 <= attempts <= MAX_ATTEMPTS:
        return None
    return f"it must be a whole number from 1 to {MAX_ATTEMPTS}"


MAX_SECONDS = 86400  # a day: past ~1e9, the socket's timeout overflowed (an unexpected 255)
_DECIMAL = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")


def _seconds_problem(value: str) -> str | None:
    # ASCII decimals only: float() also read "1_0", "١٠", "1e3" and "nan".
    seconds = float(value) if _DECIMAL.match(value) else math.nan
    if 0 < seconds <= MAX_SECONDS:
        return None
    return f"it must be a number of seconds above 0 and at most {MAX_SECONDS}"


_RULES: dict[str, Callable[[str], str | None]] = {
    "endpoint_url": endpoint_problem,
    "region": _region_problem,
    "retry_mode": _retry_mode_problem,
    "max_attempts": _attempts_problem,
    "connect_timeout": _seconds_problem,
    "read_timeout": _seconds_problem,
}


# --- writing -----------------------------------------------------------------------------

def set_value(profile: str, name: str, value: str) -> Path:
    """Write one setting of `profile` to the file it belongs in; returns that file."""
    return set_values(profile, {name: value})[0]


def set_values(profile: str, values: Mapping[str, str]) -> list[Path]:
    """Write settings of `profile`: secrets to the credentials file, the rest to the config
    file. Files are created with mode 0600 in a 0700 directory. Returns the files written."""
    problem = profile_problem(profile)
    if problem is not None:
        raise ConfigError(f"The profile name {profile!r} is invalid: {problem}.")
    unknown = sorted(set(values) - set(CONFIG_KEYS) - set(CREDENTIAL_KEYS))
    if unknown:
        raise ConfigError(f"Unknown setting {', '.join(unknown)}: the settings are "
                          f"{', '.join(CONFIG_KEYS + CREDENTIAL_KEYS)}.")
    written = []
    secrets = {key: value for key, value in values.items() if key in CREDENTIAL_KEYS}
    others = {key: value for key, value in values.items() if key in CONFIG_KEYS}
    if secrets:
        path = credentials_file()
        _update(path, (profile,), secrets)
        written.append(path)
    if others:
        path = config_file()
        _update(path, _config_section_names(profile), others)
        written.append(path)
    return written


@contextmanager
def credentials_locked() -> Iterator[None]:
    """An exclusive lock, across processes, on a file beside the credentials file: commands
    that each found no keys take turns to create them, and each reads the file again once
    its turn comes (the embedded service's first use)."""
    with _locked(credentials_file(), "lock"):
        yield


@contextmanager
def _locked(path: Path, suffix: str) -> Iterator[None]:
    """An exclusive lock, across processes and threads, on `.NAME.suffix` beside the file
    `path` is (or links to)."""
    path = Path(os.path.realpath(path))
    lock = path.with_name(f".{path.name}.{suffix}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # racing commands both make it
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror} (making its lock file "
                          f"{lock.name})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _update(path: Path, sections: tuple[str, ...], values: Mapping[str, str]) -> None:
    """Set `values` in the section of `path` that resolve() reads: the first of `sections`
    the file has (a new one beside it would hide it whole), else a new first one.

    Read, change and replace take turns with other writers (a lock of their own: the
    provisioning lock is held around this): two commands writing at once each replaced the
    file with their own reading plus their change, and the first one's change was lost
    (keys just provisioned, a profile just set)."""
    with _locked(path, "write-lock"):
        parser = _read(path)
        section = next((name for name in sections if parser.has_section(name)), sections[0])
        if not parser.has_section(section):
            parser.add_section(section)
        for key, value in values.items():
            parser.set(section, key, value)
        try:
            _write_private(path, parser)
        except OSError as error:  # its filename may be the temporary file's: name the one meant
            raise ConfigError(f"cannot write {path}: {error.strerror}") from None


def _write_private(path: Path, parser: configparser.ConfigParser) -> None:
    """Replace `path` atomically by a file only its owner can read."""
    path = Path(os.path.realpath(path))  # keep a symlinked file (dotfiles) a symlink
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    # mkstemp creates the file 0600, so the secret is never readable by others, even briefly.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            parser.write(stream)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
