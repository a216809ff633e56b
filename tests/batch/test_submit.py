"""The submitter's one-step sections: a Ctrl-C arriving inside one waits for its end, so an
answered request is never out of the in-flight set and out of the journal at once."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from fwscli.batch.stopping import interrupts_deferred as _interrupts_deferred


def test_a_ctrl_c_inside_the_section_is_raised_when_it_ends():
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with _interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("after the signal")  # still runs: the interrupt waits
        steps.append("after the section")     # never runs: it is raised at the section's end
    assert steps == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_no_ctrl_c_no_interrupt_and_the_handler_is_restored():
    with _interrupts_deferred():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_outside_the_main_thread_the_section_runs_as_it_is():
    # Signals reach the main thread only, and only it may set handlers.
    ran = []
    thread = threading.Thread(target=lambda: ran.append(_run_section()))
    thread.start()
    thread.join()
    assert ran == ["ran"]


def _run_section() -> str:
    with _interrupts_deferred():
        return "ran"


def test_a_sigterm_inside_the_section_is_acted_on_when_it_ends():
    from fwscli.batch.stopping import Terminated, sigterm_interrupts

    steps = []
    with pytest.raises(Terminated):
        with sigterm_interrupts():
            with _interrupts_deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                steps.append("after the signal")
            steps.append("after the section")
    assert steps == ["after the signal"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


# --- a run stopped part-way: every row still has its line ------------------------------------

class FakeKind:
    """One request per unit; what the submitter asks of a Kind."""

    service = "outbound"

    def batches(self, units):
        from fwscli.batch.kinds import Batch

        for unit in units:
            yield Batch("CreateFulfillmentOrder", {}, [unit.key])


class FakeClient:
    def __init__(self, fail_from: int | None = None, error: Exception | None = None):
        self.calls = 0
        self.fail_from = fail_from
        self.error = error
        self.lock = threading.Lock()

    def call(self, service, action, request):
        with self.lock:
            self.calls += 1
            failing = self.fail_from is not None and self.calls >= self.fail_from
        if failing:
            raise self.error
        return {}


class FakeIds:
    def last(self) -> str:
        return "rid"


class FakeJournal:
    def __init__(self, confirmed=()):
        self.done = {key: "rid-before" for key in confirmed}

    def confirmed(self, key):
        return self.done.get(key)

    def confirm(self, keys, request_id):
        self.done.update(dict.fromkeys(keys, request_id))


def staged(count: int):
    from fwscli.batch.kinds import StagedUnit

    # Two rows a unit, on lines 2n and 2n + 1.
    return [StagedUnit(f"U{n}", {}, [], [2 * n, 2 * n + 1]) for n in range(1, count + 1)]


def outcomes_of(path):
    import csv

    with open(path, encoding="utf-8") as file:
        return {int(row["Row"]): row["Outcome"] for row in csv.DictReader(file)}


def run_submitter(tmp_path, client, units_after, journal=None):
    from fwscli.batch.results import Results
    from fwscli.batch.submit import Submitter

    results = Results(str(tmp_path / "results.csv"), "Key")
    submitter = Submitter(FakeKind(), client, FakeIds(), journal or FakeJournal(), results,
                          concurrency=2, stop=threading.Event())
    try:
        submitter.run(units_after)
    finally:
        results.close()
    return outcomes_of(tmp_path / "results.csv")


def test_an_interrupt_inside_the_units_query_still_gives_every_row_its_line(tmp_path):
    """The first query's generator ends with the interrupt raised inside it: the rest of
    the units comes from a new one, after the last unit taken."""
    units = staged(20)
    queries = []

    def units_after(line):
        queries.append(line)
        for unit in units:
            if unit.rows[0] > line:
                if len(queries) == 1 and unit.key == "U8":
                    raise KeyboardInterrupt
                yield unit

    journal, client = FakeJournal(confirmed=["U3", "U15"]), FakeClient()
    with pytest.raises(KeyboardInterrupt):
        run_submitter(tmp_path, client, units_after, journal)
    outcomes = outcomes_of(tmp_path / "results.csv")
    assert sorted(outcomes) == list(range(2, 42))  # every row, once
    assert queries == [0, 14]  # again after U7, on lines 14 and 15
    by_unit = {f"U{n}": outcomes[2 * n] for n in range(1, 21)}
    assert by_unit["U3"] == by_unit["U15"] == "done-before"
    # U1-U7 were sent, or were still queued (cancelled: not sent); the rest never taken.
    assert {by_unit[f"U{n}"] for n in (1, 2, 4, 5, 6, 7)} <= {"ok", "not-sent"}
    assert list(by_unit.values()).count("ok") == client.calls
    assert {by_unit[f"U{n}"] for n in range(8, 21) if n != 15} == {"not-sent"}


@pytest.mark.parametrize("error, lost", [
    (None, "unconfirmed"),            # a read timeout: it may have been done
    ("refused", "not-sent"),          # no connection was made
])
def test_the_endpoint_gone_mid_way_lost_is_unconfirmed_and_the_rest_not_sent(tmp_path, error, lost):
    from fwscli.client.errors import EndpointUnreachable

    units = staged(30)
    unreachable = EndpointUnreachable("http://x/", 3, "gone", maybe_sent=error is None)
    with pytest.raises(EndpointUnreachable):
        run_submitter(tmp_path, FakeClient(fail_from=11, error=unreachable),
                      lambda line: (unit for unit in units if unit.rows[0] > line))
    outcomes = outcomes_of(tmp_path / "results.csv")
    assert sorted(outcomes) == list(range(2, 62))
    counted = {outcome: list(outcomes.values()).count(outcome) for outcome in set(outcomes.values())}
    assert counted["ok"] == 20 and counted.get(lost, 0) >= 2 and set(counted) <= {"ok", lost, "not-sent"}
