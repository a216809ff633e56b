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
