"""How long `fws` takes to start, against the floor of starting Python at all.

Runs, interleaved so that a busy machine slows every command alike:
  python -c pass     the interpreter's own start-up (the floor)
  fws --help         the entry module and the Click/Typer tree, nothing else
  fws status         one embedded command: SQLAlchemy, the service, three signed calls
in a home of its own (the embedded database is created, and the merchant provisioned, by a
warm-up run that is not counted). Prints the median and the fastest run of each, in ms.

Bytecode is cached, as in an installed fws (pip compiles it at install time): the children get
PYTHONPYCACHEPREFIX in the temporary directory and never PYTHONDONTWRITEBYTECODE, which
some sandboxes set. `--no-bytecode-cache` measures that case instead (every module of fws
compiled from source on every run).

Targets: `fws --help` <= 80 ms; one embedded command <= 300 ms.

`--instructions` counts each command's instructions instead, once, under `valgrind
--tool=callgrind` (hash randomisation off): the same count whatever else the machine does,
to compare two trees (run each tree's script with PYTHONPATH set to it) on a day when
wall-clock figures move with the machine. The counts are of the whole process, start to exit.

    .venv/bin/python bench/startup.py [--runs 15] [--no-bytecode-cache] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FWS = str(Path(sys.executable).with_name("fws"))
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "fws --help": [FWS, "--help"],
    "fws status (embedded)": [FWS, "status", "-o", "off"],
}
TARGETS_MS = {"fws --help": 80, "fws status (embedded)": 300}


def isolated_env(home: Path, bytecode_cache: bool) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("FWS_") and name != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), NO_COLOR="1")
    if bytecode_cache:
        env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run. CPU time (user + system, from wait4) barely moves when
    other work shares the machine; wall time is what a person waits."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """The instructions one run of `argv` executes, counted by callgrind."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
                         env={**env, "PYTHONHASHSEED": "0"}, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run of {' '.join(argv)} failed:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="compile every module from source on every run")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under valgrind instead of timing")
    options = parser.parse_args()
    runs = options.runs
    with tempfile.TemporaryDirectory() as home:
        env = isolated_env(Path(home), bytecode_cache=not options.no_bytecode_cache)
        for argv in COMMANDS.values():  # warm-up: database, keys, the OS's file cache
            run_once(argv, env)
        if options.instructions:
            for name, argv in COMMANDS.items():
                # The fws script run by this interpreter, as its #! line would.
                command = [sys.executable, *argv] if argv[0] == FWS else argv
                print(f"{name:<24}{instructions(command, env):>16,} instructions", flush=True)
            return
        walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
        cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
        names = list(COMMANDS)
        for round_number in range(runs):
            # Rotate the order each round so no command always follows the same one.
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                wall, cpu = run_once(COMMANDS[name], env)
                walls[name].append(wall)
                cpus[name].append(cpu)

    floor = statistics.median(walls["python -c pass"])
    cache = "no bytecode cache" if options.no_bytecode_cache else "bytecode cached"
    print(f"{runs} runs each, interleaved, {cache}; load average {os.getloadavg()[0]:.1f} (ms)")
    print(f"{'command':<24}{'median':>8}{'fastest':>9}{'- floor':>9}{'CPU':>8}  target (median)")
    for name in COMMANDS:
        median = statistics.median(walls[name])
        target = TARGETS_MS.get(name)
        verdict = "" if target is None else f"<= {target}: {'ok' if median <= target else 'MISSED'}"
        print(f"{name:<24}{median:>8.1f}{min(walls[name]):>9.1f}{median - floor:>9.1f}"
              f"{statistics.median(cpus[name]):>8.1f}  {verdict}")


if __name__ == "__main__":
    main()
