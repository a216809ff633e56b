#!/usr/bin/env python3
"""Generate fws's shell completions, man pages and command reference from its command tree.

    python scripts/gen_cli_docs.py            # write completions/, man/, docs/reference.md
    python scripts/gen_cli_docs.py --check    # exit 1 and name the stale files

Everything comes from the Click command tree of the Typer app (`typer.main.get_command`):
commands, their help, options, arguments, defaults, ranges and environment variables. The
only knowledge kept here is what the tree cannot say: which option values come from a fixed
list in the code (VALUE_SOURCES) and the texts of fws(1)'s own sections, which name the
constants they describe. tests/docs/test_generated.py fails when a committed file differs
from what this script writes now, so a changed command is a regenerated file.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import click  # noqa: E402
import typer  # noqa: E402

GENERATED_BY = "scripts/gen_cli_docs.py"
PROG = "fws"


# --- what a value of an option or argument can be -------------------------------------------

@dataclass(frozen=True)
class Values:
    """How a shell completes a value: `kind` is one of
    flag (takes no value), text (anything: nothing to offer), choices, files,
    at-files (`@path`, e.g. `--to @address.json`), profiles (the config files' sections)."""

    kind: str
    choices: tuple[str, ...] = ()


FLAG, TEXT, FILES, AT_FILES, PROFILES = (Values("flag"), Values("text"), Values("files"),
                                         Values("at-files"), Values("profiles"))


def _choices(load: Callable[[], Iterable[str]]) -> Callable[[], Values]:
    return lambda: Values("choices", tuple(load()))


def _output_formats():
    from fwscli.cli.output import FORMATS
    return FORMATS


def _colors():
    from fwscli.cli.output import COLOR_CHOICES
    return COLOR_CHOICES


def _settings():
    from fwscli.config import CONFIG_KEYS, CREDENTIAL_KEYS
    return CREDENTIAL_KEYS + CONFIG_KEYS


def _enum(module: str, name: str):
    def load():
        from importlib import import_module
        return getattr(import_module(module), name)
    return load


def _warehouse_modes():
    from fwscli.service.app import WAREHOUSE_MODES
    return WAREHOUSE_MODES


# Values the commands check in their own code rather than with a click.Choice, by
# (command path prefix, option or argument name); the longest matching prefix wins.
# tests/docs/test_generated.py checks that every entry still names an existing parameter.
VALUE_SOURCES: dict[tuple[str, str], Callable[[], Values]] = {
    ("fws", "--profile"): lambda: PROFILES,
    ("fws", "--output"): _choices(_output_formats),
    ("fws", "--color"): _choices(_colors),
    ("fws", "--error-format"): _choices(lambda: ("text", "json")),  # checked in main.main
    ("fws outbound", "--speed"): _choices(_enum("fwscli.api.outbound", "SHIPPING_SPEEDS")),
    ("fws outbound", "--policy"): _choices(_enum("fwscli.api.outbound", "FULFILLMENT_POLICIES")),
    ("fws outbound", "--method"): _choices(_enum("fwscli.api.outbound", "FULFILLMENT_METHODS")),
    ("fws outbound wait", "--for"): _choices(_enum("fwscli.api.outbound", "ORDER_STATUSES")),
    ("fws inbound", "--label-prep"): _choices(_enum("fwscli.api.inbound", "LABEL_PREP_PREFERENCES")),
    ("fws inbound list", "--status"): _choices(_enum("fwscli.api.inbound", "SHIPMENT_STATUSES")),
    ("fws items register", "--condition"): _choices(_enum("fwscli.api.inbound", "REGISTRABLE_CONDITIONS")),
    ("fws server start", "--warehouse-mode"): _choices(_warehouse_modes),
    ("fws ops move-inbound", "status"): _choices(_enum("fwscli.api.operator", "OPERATOR_INBOUND_MOVES")),
    ("fws configure set", "name"): _choices(_settings),
    ("fws configure get", "name"): _choices(_settings),
}

_LOWER_ALTERNATIVES = re.compile(r"^[a-z0-9]+(\|[a-z0-9]+)+$")  # a metavar such as csv|jsonl


def values_of(path: str, param: click.Parameter) -> Values:
    if isinstance(param, click.Option) and param.is_flag:
        return FLAG
    names = list(param.opts) if isinstance(param, click.Option) else [param.name or ""]
    prefixes = sorted((prefix for prefix, name in VALUE_SOURCES if name in names
                       and (path == prefix or path.startswith(prefix + " "))), key=len)
    if prefixes:
        name = next(name for name in names if (prefixes[-1], name) in VALUE_SOURCES)
        return VALUE_SOURCES[(prefixes[-1], name)]()
    if isinstance(param.type, click.Choice):
        return Values("choices", tuple(str(choice) for choice in param.type.choices))
    if isinstance(param.type, (click.Path, click.File)):
        return FILES
    metavar = param.metavar or ""
    if _LOWER_ALTERNATIVES.match(metavar):
        return Values("choices", tuple(metavar.split("|")))
    if "FILE" in metavar:
        return AT_FILES if metavar.startswith("@") else FILES
    return TEXT


# --- the command tree, reduced to what the outputs need -------------------------------------

@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]          # every spelling: ('-o', '--output'), ('--throttle', '--no-throttle')
    metavar: str                    # '' for a flag
    help: str
    values: Values
    default: str | None = None
    envvar: tuple[str, ...] = ()
    multiple: bool = False
    required: bool = False
    range: str | None = None

    @property
    def long(self) -> str:
        return next((name for name in self.names if name.startswith("--")), self.names[0])


@dataclass(frozen=True)
class Argument:
    name: str
    metavar: str
    help: str
    required: bool
    variadic: bool
    values: Values

    @property
    def usage(self) -> str:
        text = self.metavar
        if self.variadic and not text.endswith("..."):
            text += "..."
        if not self.required and not text.startswith("["):
            text = f"[{text}]"
        return text


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]           # ('fws', 'outbound', 'create')
    help: str
    epilog: str
    options: tuple[Option, ...]
    arguments: tuple[Argument, ...]
    subcommands: tuple["Command", ...] = ()
    is_group: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def page(self) -> str:
        """The man page's name: fws, fws-outbound."""
        return "-".join(self.path[:2])

    @property
    def summary(self) -> str:
        return first_sentence(self.help)

    @property
    def usage(self) -> str:
        parts = [self.name]
        if self.options or self.path == (PROG,):
            parts.append("[OPTIONS]")
        if self.is_group:
            parts.append("COMMAND [ARGS]...")
        parts += [argument.usage for argument in self.arguments]
        return " ".join(parts)

    def walk(self) -> Iterable["Command"]:
        yield self
        for command in self.subcommands:
            yield from command.walk()


def global_options(root: Command) -> list[Option]:
    """The root's options that `fws` accepts anywhere on the line (it moves them in front)."""
    from fwscli.cli.common import GLOBAL_OPTIONS

    return [option for option in root.options if any(name in GLOBAL_OPTIONS for name in option.names)]


def load_tree() -> Command:
    from fwscli.cli.main import app

    root = typer.main.get_command(app)
    return _command(root, click.Context(root, info_name=PROG), (PROG,))


def _command(command: click.Command, ctx: click.Context, path: tuple[str, ...]) -> Command:
    name = " ".join(path)
    options, arguments = [], []
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        if isinstance(param, click.Option):
            options.append(_option(name, param, ctx))
        elif isinstance(param, click.Argument):
            arguments.append(Argument(
                name=param.name or "", metavar=param.metavar or (param.name or "").upper(),
                help=clean(getattr(param, "help", None) or ""), required=param.required,
                variadic=param.nargs == -1, values=values_of(name, param)))
    subcommands: list[Command] = []
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = click.Context(sub, parent=ctx, info_name=sub_name)
            subcommands.append(_command(sub, sub_ctx, path + (sub_name,)))
    return Command(path=path, help=clean(command.help or ""), epilog=clean(command.epilog or ""),
                   options=tuple(options), arguments=tuple(arguments),
                   subcommands=tuple(subcommands), is_group=isinstance(command, click.Group))


def _option(path: str, param: click.Option, ctx: click.Context) -> Option:
    values = values_of(path, param)
    names = tuple(param.opts) + tuple(param.secondary_opts)
    default = None
    if param.show_default is not False and param.default not in (None, (), [], False, ""):
        if param.is_flag and param.secondary_opts:
            default = param.opts[-1] if param.default else param.secondary_opts[-1]
        elif not param.is_flag and not callable(param.default):
            value = param.default
            default = str(int(value) if isinstance(value, float) and value.is_integer() else value)
    envvar = param.envvar if isinstance(param.envvar, (list, tuple)) else \
        ((param.envvar,) if param.envvar else ())
    return Option(names=names, metavar="" if values == FLAG else _metavar(param),
                  help=clean(param.help or ""), values=values, default=default,
                  envvar=tuple(envvar), multiple=param.multiple, required=param.required,
                  range=_range(param.type))


def _metavar(param: click.Option) -> str:
    if param.metavar:
        return param.metavar
    if isinstance(param.type, click.Choice):
        return "|".join(str(choice) for choice in param.type.choices)
    if isinstance(param.type, (click.types.IntParamType,)):
        return "N"
    if isinstance(param.type, (click.types.FloatParamType,)):
        return "NUMBER"
    return (param.name or "value").upper()


def _range(kind: click.ParamType) -> str | None:
    if not isinstance(kind, (click.IntRange, click.FloatRange)):
        return None
    low, high = kind.min, kind.max

    def number(value):
        return str(int(value) if isinstance(value, float) and value.is_integer() else value)

    if low is not None and high is not None:
        return f"{number(low)} to {number(high)}"
    if low is not None:
        return f"at least {number(low)}"
    return f"at most {number(high)}"


# --- text ------------------------------------------------------------------------------------

def clean(text: str) -> str:
    return textwrap.dedent(text).strip()


def paragraphs(text: str) -> list[str]:
    """Click's help paragraphs (blank-line separated), each joined into one line."""
    return [" ".join(line.strip() for line in block.splitlines())
            for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def first_sentence(text: str) -> str:
    first = paragraphs(text)[0] if text.strip() else ""
    match = re.match(r"(.+?\.)(\s|$)", first)
    return match.group(1) if match else first


def brief(text: str) -> str:
    """A description short enough for a completion menu."""
    sentence = first_sentence(text)
    if len(sentence) <= 72:
        return sentence
    return sentence[:69].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def option_details(option: Option) -> list[str]:
    details = []
    if option.required:
        details.append("Required.")
    if option.multiple and "repeatable" not in option.help.lower():
        details.append("Repeatable.")
    if option.values.kind == "choices" and not all(c in option.help for c in option.values.choices):
        details.append("One of: " + ", ".join(option.values.choices) + ".")
    if option.range:
        details.append(f"Range: {option.range}.")
    if option.default is not None:
        details.append(f"Default: {option.default}.")
    if option.envvar:
        details.append("Environment: " + ", ".join(option.envvar) + ".")
    return details


def option_label(option: Option) -> str:
    names = ", ".join(option.names)
    return f"{names} {option.metavar}" if option.metavar else names


# --- fws(1)'s own sections -------------------------------------------------------------------

def exit_statuses() -> list[tuple[str, str]]:
    from fwscli.cli import common as c

    return [
        (str(c.EXIT_OK), "Success."),
        (str(c.EXIT_PARTIAL), "Some rows of a batch (import) failed or were skipped."),
        (str(c.EXIT_USAGE), "The command line is wrong (unknown option, missing argument)."),
        (str(c.EXIT_WAIT_ENDED), "A wait (fws outbound wait, fws demo) ended in another final status."),
        (str(c.EXIT_WAIT_TIMEOUT), "A wait timed out."),
        (str(c.EXIT_INTERRUPTED), "Interrupted (Ctrl-C)."),
        (str(c.EXIT_BAD_PARAMETER), "A value was refused before anything was sent."),
        (str(c.EXIT_CONFIG), "Configuration or credentials: a bad profile or setting, keys refused."),
        (str(c.EXIT_SERVICE), "The service answered with an error."),
        (str(c.EXIT_OTHER), "Anything else, e.g. the endpoint cannot be reached."),
    ]


def environment() -> list[tuple[str, str]]:
    from fwscli.config import ENVIRONMENT, PROFILE_ENV

    described = {
        "endpoint_url": "Service URL, as --endpoint-url; unset: the embedded service.",
        "region": "Region requests are signed for, as --region.",
        "access_key_id": "Access key id; with FWS_SECRET_ACCESS_KEY, outranks the credentials file.",
        "secret_access_key": "Secret access key.",
    }
    rows = [(PROFILE_ENV, "Profile to use, as --profile.")]
    rows += [(variable, described[key]) for key, variable in ENVIRONMENT.items()]
    rows += [
        ("FWS_CONFIG_FILE", "Path of the config file."),
        ("FWS_SHARED_CREDENTIALS_FILE", "Path of the credentials file."),
        ("FWS_DATABASE_URL", "Database of the embedded service and of fws server (default: "
                             "the SQLite file in the data directory)."),
        ("FWS_ERROR_FORMAT", "text or json: the format of errors when --error-format is not given."),
        ("NO_COLOR", "Set: no colour unless --color on."),
        ("XDG_CONFIG_HOME", "Base of the config directory (default ~/.config)."),
        ("XDG_DATA_HOME", "Base of the data directory (default ~/.local/share)."),
        ("XDG_STATE_HOME", "Base of the import journal's directory (default ~/.local/state)."),
    ]
    return rows


FILES_SECTION = [
    ("$XDG_CONFIG_HOME/fws/config", "Profiles: [default] and [profile NAME] sections (mode 0600)."),
    ("$XDG_CONFIG_HOME/fws/credentials", "Keys: [NAME] sections (mode 0600)."),
    ("$XDG_DATA_HOME/fws/fws.db", "The embedded service's SQLite database."),
    ("$XDG_STATE_HOME/fws/journal/", "What each import has had confirmed, so a re-run sends nothing twice."),
]

EXAMPLES = [
    ("fws demo", "The whole lifecycle on the embedded service."),
    ("fws items register SKU-RED-MUG SKU-BLUE-MUG", "Register two items."),
    ("fws outbound create ORDER-1001 --to @address.json --item SKU-RED-MUG=2 --speed Standard",
     "Create an order."),
    ("fws outbound list -o json | jq -r '.[].MerchantFulfillmentOrderId'", "Orders, for a script."),
    ("fws status --quiet || alert", "In cron: exit 0 only when every service answers."),
    ("fws outbound import orders.csv --results results.csv", "Create orders from a file."),
]


# --- bash ------------------------------------------------------------------------------------

def _shell_words(words: Iterable[str]) -> str:
    return " ".join(words)


def _kind_word(values: Values) -> str:
    return f"choices:{' '.join(values.choices)}" if values.kind == "choices" else values.kind


def _tables(root: Command) -> list[str]:
    """The command tree as shell functions, in the syntax bash and zsh share."""
    subcommands, options, value_kinds, argument_kinds = [], [], [], []
    for command in root.walk():
        name = command.name
        if command.subcommands:
            subcommands.append(f'        "{name}") echo "{_shell_words(c.path[-1] for c in command.subcommands)}" ;;')
        names = [n for o in command.options for n in o.names]
        if command is not root:
            names += [n for o in global_options(root) for n in o.names]
        options.append(f'        "{name}") echo "{_shell_words(names + ["--help"])}" ;;')
        for option in command.options:
            if option.values.kind != "flag":
                pattern = "|".join(f'"{name} {n}"' for n in option.names)
                value_kinds.append(f"        {pattern}) echo \"{_kind_word(option.values)}\" ;;")
        # Fixed positions first: a variadic argument takes every position after them.
        for index, argument in enumerate(command.arguments):
            pattern = f'"{name} "*' if argument.variadic else f'"{name} {index}"'
            argument_kinds.append(f"        {pattern}) echo \"{_kind_word(argument.values)}\" ;;")
    global_kinds = [f'                {"|".join(o.names)}) echo "{_kind_word(o.values)}" ;;'
                    for o in global_options(root) if o.values.kind != "flag"]
    return [
        "_fws_subcommands() {",
        '    case "$1" in',
        *subcommands,
        "    esac",
        "}",
        "",
        "# Options valid after the command $1 (global options are valid anywhere).",
        "_fws_options() {",
        '    case "$1" in',
        *options,
        "    esac",
        "}",
        "",
        "# What the value of option $2 of command $1 is; nothing for a flag.",
        "_fws_value_kind() {",
        '    case "$1 $2" in',
        *value_kinds,
        "        *)",
        '            case "$2" in',
        *global_kinds,
        "            esac ;;",
        "    esac",
        "}",
        "",
        "# What positional argument $2 (from 0) of command $1 is.",
        "_fws_argument_kind() {",
        '    case "$1 $2" in',
        *argument_kinds,
        "    esac",
        "}",
    ]


# Profile names: [profile NAME] and [NAME] sections of the config and credentials files.
PROFILES_FUNCTION = [
    "_fws_profiles() {",
    '    local dir="${XDG_CONFIG_HOME:-$HOME/.config}/fws"',
    '    local config="${FWS_CONFIG_FILE:-$dir/config}" credentials="${FWS_SHARED_CREDENTIALS_FILE:-$dir/credentials}"',
    "    {",
    "        sed -n 's/^[[:space:]]*\\[profile[[:space:]][[:space:]]*\\([^]]*\\)\\].*/\\1/p' \"$config\"",
    "        sed -n 's/^[[:space:]]*\\[\\([^] ]*\\)\\].*/\\1/p' \"$config\" \"$credentials\"",
    "    } 2>/dev/null | sort -u",
    "}",
]


def render_bash(root: Command) -> str:
    lines = [
        f"# bash completion for fws. Generated by {GENERATED_BY} from the fws command tree: do not edit.",
        "# Use: source this file (e.g. from ~/.bashrc), or install it as",
        "# /usr/share/bash-completion/completions/fws.",
        "",
        *_tables(root),
        "",
        *PROFILES_FUNCTION,
        "",
        "_fws_complete_kind() {",
        '    local kind="$1" cur="$2" file',
        '    case "$kind" in',
        '        choices:*) COMPREPLY=($(compgen -W "${kind#choices:}" -- "$cur")) ;;',
        '        profiles) COMPREPLY=($(compgen -W "$(_fws_profiles)" -- "$cur")) ;;',
        "        files)",
        "            compopt -o filenames 2>/dev/null",
        '            mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;',
        "        at-files)",
        "            compopt -o nospace 2>/dev/null",
        '            if [[ $cur != @* ]]; then COMPREPLY=(@); return; fi',
        "            while IFS= read -r file; do",
        '                [[ -d $file ]] && file+=/',
        '                COMPREPLY+=("@$file")',
        '            done < <(compgen -f -- "${cur#@}") ;;',
        "    esac",
        "}",
        "",
        "_fws() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" option="" path="fws" word kind subs',
        "    local i=1 npos=0",
        "    COMPREPLY=()",
        "    # Walk the words before the cursor: subcommands, options and their values, arguments.",
        "    # bash splits --option=value into three words: --option, =, value.",
        "    while (( i < COMP_CWORD )); do",
        '        word="${COMP_WORDS[i]}"',
        '        if [[ $word == -?* ]]; then',
        '            if [[ -n $(_fws_value_kind "$path" "$word") ]]; then',
        '                if [[ ${COMP_WORDS[i+1]} == "=" ]]; then (( i += 2 )); else (( i += 1 )); fi',
        "            fi",
        '        elif [[ $word != "=" ]]; then',
        '            subs=" $(_fws_subcommands "$path") "',
        '            if (( npos == 0 )) && [[ $subs == *" $word "* ]]; then',
        '                path="$path $word"',
        "            else",
        "                (( npos += 1 ))",
        "            fi",
        "        fi",
        "        (( i += 1 ))",
        "    done",
        "",
        '    (( COMP_CWORD > 1 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    if [[ $cur == "=" && $prev == -?* ]]; then',
        '        option="$prev" cur=""',
        '    elif [[ $prev == "=" ]] && (( COMP_CWORD > 2 )); then',
        '        option="${COMP_WORDS[COMP_CWORD-2]}"',
        '    elif [[ $prev == -?* ]]; then',
        '        option="$prev"',
        "    fi",
        '    if [[ -n $option ]]; then',
        '        kind=$(_fws_value_kind "$path" "$option")',
        '        if [[ -n $kind ]]; then _fws_complete_kind "$kind" "$cur"; return 0; fi',
        "    fi",
        '    if [[ $cur == -* ]]; then',
        '        COMPREPLY=($(compgen -W "$(_fws_options "$path")" -- "$cur"))',
        "        return 0",
        "    fi",
        '    subs=$(_fws_subcommands "$path")',
        '    if [[ -n $subs ]] && (( npos == 0 )); then',
        '        COMPREPLY=($(compgen -W "$subs" -- "$cur"))',
        "        return 0",
        "    fi",
        '    _fws_complete_kind "$(_fws_argument_kind "$path" "$npos")" "$cur"',
        "    return 0",
        "}",
        "",
        "complete -F _fws fws",
        "",
    ]
    return "\n".join(lines)


# --- zsh -------------------------------------------------------------------------------------

def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_item(name: str, description: str) -> str:
    return _zsh_quote(f"{name.replace(':', chr(92) + ':')}:{description}")


def render_zsh(root: Command) -> str:
    described_subs, described_opts = [], []
    for command in root.walk():
        if command.subcommands:
            items = " ".join(_zsh_item(c.path[-1], brief(c.help)) for c in command.subcommands)
            described_subs.append(f'        "{command.name}") described=({items}) ;;')
        options = list(command.options) + (global_options(root) if command is not root else [])
        items = " ".join(_zsh_item(name, brief(o.help)) for o in options for name in o.names)
        items += " " + _zsh_item("--help", "Show the help and exit.")
        described_opts.append(f'        "{command.name}") described=({items}) ;;')
    lines = [
        "#compdef fws",
        f"# zsh completion for fws. Generated by {GENERATED_BY} from the fws command tree: do not edit.",
        "# Use: put this file, named _fws, in a directory of $fpath before compinit runs.",
        "",
        *_tables(root),
        "",
        "_fws_described_subcommands() {",
        '    case "$1" in',
        *described_subs,
        "        *) described=() ;;",
        "    esac",
        "}",
        "",
        "_fws_described_options() {",
        '    case "$1" in',
        *described_opts,
        "        *) described=() ;;",
        "    esac",
        "}",
        "",
        *PROFILES_FUNCTION,
        "",
        "_fws_complete_kind() {",
        '    case "$1" in',
        "        choices:*) compadd -- ${=${1#choices:}} ;;",
        '        profiles) compadd -- ${(f)"$(_fws_profiles)"} ;;',
        "        files) _files ;;",
        "        at-files) if compset -P '@'; then _files; else compadd -S '' -- @; fi ;;",
        "    esac",
        "}",
        "",
        "_fws() {",
        '    local cmdpath="fws" word kind option prev cur="${words[CURRENT]}"',
        "    local -i i=2 npos=0",
        "    local -a described",
        "    while (( i < CURRENT )); do",
        '        word="${words[i]}"',
        "        if [[ $word == -?* ]]; then",
        '            if [[ $word != *=* && -n $(_fws_value_kind "$cmdpath" "$word") ]]; then',
        "                (( i += 1 ))",
        "            fi",
        "        elif (( npos == 0 )) && [[ \" $(_fws_subcommands \"$cmdpath\") \" == *\" $word \"* ]]; then",
        '            cmdpath="$cmdpath $word"',
        "        else",
        "            (( npos += 1 ))",
        "        fi",
        "        (( i += 1 ))",
        "    done",
        "",
        '    if [[ $cur == -?*=* ]]; then',
        '        option="${cur%%=*}"',
        "        compset -P '*='",
        '        _fws_complete_kind "$(_fws_value_kind "$cmdpath" "$option")"',
        "        return",
        "    fi",
        '    prev="${words[CURRENT-1]}"',
        '    if (( CURRENT > 2 )) && [[ $prev == -?* ]]; then',
        '        kind=$(_fws_value_kind "$cmdpath" "$prev")',
        '        if [[ -n $kind ]]; then _fws_complete_kind "$kind"; return; fi',
        "    fi",
        "    if [[ $cur == -* ]]; then",
        '        _fws_described_options "$cmdpath"',
        "        _describe -t options option described",
        "        return",
        "    fi",
        '    _fws_described_subcommands "$cmdpath"',
        "    if (( ${#described} )) && (( npos == 0 )); then",
        "        _describe -t commands command described",
        "        return",
        "    fi",
        '    _fws_complete_kind "$(_fws_argument_kind "$cmdpath" "$npos")"',
        "}",
        "",
        'if [[ "${funcstack[1]}" == "_fws" ]]; then',
        '    _fws "$@"',
        "else",
        "    compdef _fws fws",
        "fi",
        "",
    ]
    return "\n".join(lines)


# --- fish ------------------------------------------------------------------------------------

def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_names(option: Option) -> str:
    parts = []
    for name in option.names:
        if name.startswith("--"):
            parts.append(f"-l {name[2:]}")
        else:
            parts.append(f"-s {name[1:]}")
    return " ".join(parts)


def _fish_values(values: Values) -> str:
    if values.kind == "flag":
        return ""
    if values.kind == "choices":
        return f"-x -a {_fish_quote(' '.join(values.choices))}"
    if values.kind == "files":
        return "-r -F"
    if values.kind == "at-files":
        return "-x -a '(__fws_at_files)'"
    if values.kind == "profiles":
        return "-x -a '(__fws_profiles)'"
    return "-x"


def render_fish(root: Command) -> str:
    takes_value, subcommands, completes = [], [], []
    for command in root.walk():
        name = command.name
        if command.subcommands:
            subcommands.append(f"        case {_fish_quote(name)}\n            printf '%s\\n' "
                               + " ".join(c.path[-1] for c in command.subcommands))
        value_names = [n for o in command.options if o.values.kind != "flag" for n in o.names]
        if value_names:
            takes_value.append(f"        case {_fish_quote(name)}\n            contains -- $argv[2] "
                               + " ".join(value_names) + "; and return 0")
        condition = f"__fws_path_is '{name}'"
        for sub in command.subcommands:
            completes.append(f'complete -c fws -n "{condition}" -a {sub.path[-1]} '
                             f"-d {_fish_quote(brief(sub.help))}")
        for option in command.options:
            anywhere = command is root and option in global_options(root)
            where = "" if anywhere else f'-n "{condition}" '
            values = _fish_values(option.values)
            completes.append(f"complete -c fws {where}{_fish_names(option)}"
                             f"{' ' + values if values else ''} -d {_fish_quote(brief(option.help))}")
        for index, argument in enumerate(command.arguments):
            if argument.values.kind in ("text", "flag"):
                continue
            position = f"{index}+" if argument.variadic else str(index)
            arg_condition = f"__fws_argument_is '{name}' {position}"
            values = _fish_values(argument.values).replace("-x ", "").replace("-r ", "")
            completes.append(f'complete -c fws -n "{arg_condition}" {values}')
    global_value_names = [n for o in global_options(root) if o.values.kind != "flag" for n in o.names]
    lines = [
        f"# fish completion for fws. Generated by {GENERATED_BY} from the fws command tree: do not edit.",
        "# Use: copy to ~/.config/fish/completions/fws.fish.",
        "",
        "function __fws_subcommands",
        "    switch $argv[1]",
        *subcommands,
        "    end",
        "end",
        "",
        "# Does option $argv[2] of command $argv[1] take a value? (Global options: anywhere.)",
        "function __fws_takes_value",
        "    contains -- $argv[2] " + " ".join(global_value_names) + "; and return 0",
        "    switch $argv[1]",
        *takes_value,
        "    end",
        "    return 1",
        "end",
        "",
        "# The command being completed and how many arguments it has so far: 'fws outbound create' 1",
        "function __fws_state",
        "    set -l tokens (commandline -opc)",
        "    set -l path fws",
        "    set -l npos 0",
        "    set -l skip 0",
        "    for token in $tokens[2..-1]",
        "        if test $skip = 1",
        "            set skip 0",
        "            continue",
        "        end",
        "        switch $token",
        "            case '-*=*'",
        "            case '-?*'",
        "                __fws_takes_value $path $token; and set skip 1",
        "            case '*'",
        "                if test $npos = 0; and contains -- $token (__fws_subcommands $path)",
        '                    set path "$path $token"',
        "                else",
        "                    set npos (math $npos + 1)",
        "                end",
        "        end",
        "    end",
        "    echo $path",
        "    echo $npos",
        "end",
        "",
        "function __fws_path_is",
        "    set -l state (__fws_state)",
        '    test "$state[1]" = "$argv[1]"',
        "end",
        "",
        "# __fws_argument_is 'fws configure set' 0 (or 0+: that argument and the ones after it)",
        "function __fws_argument_is",
        "    set -l state (__fws_state)",
        '    test "$state[1]" = "$argv[1]"; or return 1',
        "    string match -q -- '*+' $argv[2]",
        "    and test $state[2] -ge (string trim -r -c + -- $argv[2])",
        "    or test $state[2] = $argv[2]",
        "end",
        "",
        "function __fws_profiles",
        "    set -l dir (set -q XDG_CONFIG_HOME; and echo $XDG_CONFIG_HOME; or echo $HOME/.config)/fws",
        "    set -l config $dir/config",
        "    set -l credentials $dir/credentials",
        "    set -q FWS_CONFIG_FILE; and set config $FWS_CONFIG_FILE",
        "    set -q FWS_SHARED_CREDENTIALS_FILE; and set credentials $FWS_SHARED_CREDENTIALS_FILE",
        "    for file in $config $credentials",
        "        test -r $file; or continue",
        "        string replace -rf '^\\s*\\[profile\\s+([^\\]]+)\\].*' '$1' < $file",
        "        string replace -rf '^\\s*\\[([^\\] ]+)\\].*' '$1' < $file",
        "    end | sort -u",
        "end",
        "",
        "# @path values, e.g. --to @address.json",
        "function __fws_at_files",
        "    set -l token (commandline -ct | string replace -r '^-[^=]*=' '')",
        "    if not string match -q -- '@*' $token",
        "        echo @",
        "        return",
        "    end",
        "    for file in (__fish_complete_path (string sub -s 2 -- $token))",
        '        echo "@$file"',
        "    end",
        "end",
        "",
        "complete -c fws -f",
        "complete -c fws -l help -d 'Show the help and exit.'",
        *completes,
        "",
    ]
    return "\n".join(lines)


# --- man pages -------------------------------------------------------------------------------

def roff(text: str) -> str:
    """Text as roff: escapes, every '-' a real minus (options copy and paste), `code` bold."""
    out = []
    for char in text.replace("\\", "\\e"):
        if char == "-":
            out.append("\\-")
        elif ord(char) > 127:
            out.append(f"\\[u{ord(char):04X}]")
        else:
            out.append(char)
    result = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", "".join(out))
    return "\n".join("\\&" + line if line[:1] in (".", "'") else line for line in result.split("\n"))


def _roff_paragraphs(text: str) -> list[str]:
    lines = []
    for number, paragraph in enumerate(paragraphs(text)):
        if number:
            lines.append(".PP")
        lines.append(roff(paragraph))
    return lines


def _roff_option(option: Option) -> list[str]:
    names = ", ".join(f"\\fB{roff(name)}\\fR" for name in option.names)
    label = f"{names} \\fI{roff(option.metavar)}\\fR" if option.metavar else names
    text = " ".join(filter(None, [option.help] + option_details(option)))
    return [".TP", label, roff(text) if text else "\\&"]


def _roff_argument(argument: Argument) -> list[str]:
    text = argument.help or ""
    if argument.values.kind == "choices" and not all(c in text for c in argument.values.choices):
        text = (text + " One of: " + ", ".join(argument.values.choices) + ".").strip()
    return [".TP", f"\\fI{roff(argument.usage)}\\fR", roff(text) if text else "\\&"]


def _roff_command(command: Command, heading: str) -> list[str]:
    lines = [heading, *_roff_paragraphs(command.help)]
    lines += [".PP", f".B {roff(command.usage)}"]
    for argument in command.arguments:
        if argument.help or argument.values.kind == "choices":
            lines += _roff_argument(argument)
    for option in command.options:
        lines += _roff_option(option)
    if command.epilog:
        lines += [".PP", *_roff_paragraphs(command.epilog)]
    return lines


def _th(title: str, version: str) -> str:
    # .nh: no hyphenation, so option names and API member names stay whole.
    return f'.TH {roff(title.upper())} 1 "" "fws {version}" "fws manual"\n.nh'


def render_man_root(root: Command, version: str) -> str:
    description = [p for p in paragraphs(root.help) if not p.startswith("Exit codes:")]
    lines = [
        f".\\\" Generated by {GENERATED_BY} from the fws command tree: do not edit.",
        _th(PROG, version),
        ".SH NAME",
        f"fws \\- {roff(first_sentence(root.help).rstrip('.'))}",
        ".SH SYNOPSIS",
        ".B fws",
        "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        *_roff_paragraphs("\n\n".join(description)),
        ".PP",
        roff("With no configuration, fws talks to the embedded service: the real service code, "
             "in-process, on a SQLite file in the data directory; the first command creates a "
             "merchant and saves its keys. A profile's endpoint_url (or --endpoint-url) points it "
             "at a server run with `fws server start` instead."),
        ".PP",
        roff("Data goes to stdout, messages to stderr. The global options may be given anywhere "
             "on the command line."),
        ".SH GLOBAL OPTIONS",
    ]
    for option in root.options:
        lines += _roff_option(option)
    lines += [".TP", "\\fB\\-\\-help\\fR", "Show the help of fws or of a command, then exit."]
    lines += [".SH COMMANDS"]
    for command in root.subcommands:
        lines += [".TP", f"\\fB{roff(command.name)}\\fR", roff(command.summary)
                  + f" See \\fB{roff(command.page)}\\fR(1)."]
    lines += [".SH EXIT STATUS"]
    for code, meaning in exit_statuses():
        lines += [".TP", f"\\fB{code}\\fR", roff(meaning)]
    lines += [".SH ENVIRONMENT"]
    for name, meaning in environment():
        lines += [".TP", f"\\fB{roff(name)}\\fR", roff(meaning)]
    lines += [".SH FILES"]
    for name, meaning in FILES_SECTION:
        lines += [".TP", f"\\fI{roff(name)}\\fR", roff(meaning)]
    lines += [".SH EXAMPLES"]
    for number, (example, meaning) in enumerate(EXAMPLES):
        lines += ([".PP"] if number else []) + [roff(meaning), ".PP", ".RS", ".nf", roff(example), ".fi", ".RE"]
    lines += [".SH SEE ALSO", ", ".join(f"\\fB{roff(c.page)}\\fR(1)" for c in root.subcommands)]
    return "\n".join(lines) + "\n"


def render_man_page(command: Command, version: str) -> str:
    lines = [
        f".\\\" Generated by {GENERATED_BY} from the fws command tree: do not edit.",
        _th(command.page, version),
        ".SH NAME",
        f"{roff(command.page)} \\- {roff(command.summary.rstrip('.'))}",
        ".SH SYNOPSIS",
    ]
    if command.is_group:
        for sub in command.subcommands:
            lines += [f".B {roff(sub.usage)}", ".br"]
        lines.pop()
        lines += [".SH DESCRIPTION", *_roff_paragraphs(command.help)]
        if command.options:
            lines += [".SH OPTIONS"]
            for option in command.options:
                lines += _roff_option(option)
        lines += [".SH COMMANDS"]
        for sub in command.subcommands:
            lines += _roff_command(sub, f'.SS "{roff(sub.name)}"')
    else:
        lines += [f".B {roff(command.usage)}", ".SH DESCRIPTION", *_roff_paragraphs(command.help)]
        if command.arguments or command.options:
            lines += [".SH OPTIONS"]
            for argument in command.arguments:
                lines += _roff_argument(argument)
            for option in command.options:
                lines += _roff_option(option)
        if command.epilog:
            lines += [".PP", *_roff_paragraphs(command.epilog)]
    lines += [
        ".SH GLOBAL OPTIONS",
        roff("--profile, --endpoint-url, --region, -o/--output, --query, --color, --debug and "
             "--error-format may be given anywhere on the command line; see") + " \\fBfws\\fR(1).",
        ".SH EXIT STATUS",
        roff("As for every fws command: see") + " \\fBfws\\fR(1).",
        ".SH SEE ALSO",
        "\\fBfws\\fR(1)",
    ]
    return "\n".join(lines) + "\n"


# --- the command reference (Markdown) ----------------------------------------------------------

def md(text: str) -> str:
    """Help text as Markdown: `<` escaped outside `code` (it would open an HTML tag)."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(part if part.startswith("`") else part.replace("<", "&lt;") for part in parts)


def _anchor(command: Command) -> str:
    return command.name.replace(" ", "-")


def _md_option(option: Option) -> str:
    label = f"`{option_label(option)}`"
    text = " ".join(filter(None, [md(option.help)] + [md(d) for d in option_details(option)]))
    return f"* {label} — {text}" if text else f"* {label}"


def _md_command(command: Command, level: str) -> list[str]:
    lines = [f"{level} {command.name}", "", "```", command.usage, "```", ""]
    lines += [md(p) + "\n" for p in paragraphs(command.help)]
    if command.arguments:
        for argument in command.arguments:
            text = argument.help
            if argument.values.kind == "choices" and not all(c in text for c in argument.values.choices):
                text = (text + " One of: " + ", ".join(argument.values.choices) + ".").strip()
            lines.append(f"* `{argument.usage}`" + (f" — {md(text)}" if text else ""))
    for option in command.options:
        lines.append(_md_option(option))
    if command.arguments or command.options:
        lines.append("")
    if command.epilog:
        lines += [md(p) + "\n" for p in paragraphs(command.epilog)]
    return lines


def render_reference(root: Command, version: str) -> str:
    lines = [
        "# Command reference",
        "",
        f"<!-- Generated by {GENERATED_BY} from the fws command tree: do not edit. -->",
        "",
        f"fws {version}. Every command also takes `--help`. The same text is in the man pages "
        "(`man fws`, `man fws-outbound`, … from [`man/`](../man/)) and in `fws COMMAND --help`.",
        "",
    ]
    for command in root.subcommands:
        lines.append(f"* [{command.name}](#{_anchor(command)}) — {md(command.summary)}")
    lines += ["", "## Global options", "",
              "Valid anywhere on the command line, before or after the command.", ""]
    lines += [_md_option(option) for option in root.options]
    lines += ["", "Exit codes: see [exit-codes.md](exit-codes.md).", ""]
    for command in root.subcommands:
        if command.is_group:
            lines += [f"## {command.name}", "", *[md(p) + "\n" for p in paragraphs(command.help)]]
            lines += [", ".join(f"[{sub.path[-1]}](#{_anchor(sub)})" for sub in command.subcommands), ""]
            for option in command.options:
                lines.append(_md_option(option))
            for sub in command.subcommands:
                lines += _md_command(sub, "###")
        else:
            lines += _md_command(command, "##")
    return "\n".join(lines).rstrip() + "\n"


# --- files -----------------------------------------------------------------------------------

def generate(root: Command | None = None) -> dict[str, str]:
    """Every generated file's path (relative to the repository) and text."""
    from fwscli import __version__ as version

    root = root or load_tree()
    files = {
        "completions/fws.bash": render_bash(root),
        "completions/_fws": render_zsh(root),
        "completions/fws.fish": render_fish(root),
        "man/fws.1": render_man_root(root, version),
        "docs/reference.md": render_reference(root, version),
    }
    for command in root.subcommands:
        files[f"man/{command.page}.1"] = render_man_page(command, version)
    return files


def stale(files: dict[str, str], root_dir: Path = ROOT) -> list[str]:
    """Generated files whose committed text differs, and man pages no command has any more."""
    differing = [path for path, text in files.items()
                 if not (root_dir / path).exists() or (root_dir / path).read_text(encoding="utf-8") != text]
    extra = [str(path.relative_to(root_dir)) for path in sorted((root_dir / "man").glob("*.1"))
             if str(path.relative_to(root_dir)) not in files]
    return differing + extra


def write(files: dict[str, str], root_dir: Path = ROOT) -> None:
    for path, text in files.items():
        target = root_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for path in sorted((root_dir / "man").glob("*.1")):
        if str(path.relative_to(root_dir)) not in files:
            path.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 naming the files that are out of date")
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        out_of_date = stale(files)
        for path in out_of_date:
            print(f"out of date: {path}", file=sys.stderr)
        if out_of_date:
            print(f"run: python {GENERATED_BY}", file=sys.stderr)
        return 1 if out_of_date else 0
    write(files)
    for path in files:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
