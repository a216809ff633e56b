"""The simulation settings: modes, and the delays' syntax (`--warehouse-delays`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fwscli.warehouse.simulation import Delays, Simulation


def test_named_delays_change_and_the_others_keep_their_defaults():
    delays = Delays.parse("pick=5m, ship=2h,receive=45s,plan=10")
    assert (delays.pick, delays.ship, delays.receive, delays.plan) == (
        timedelta(minutes=5), timedelta(hours=2), timedelta(seconds=45), timedelta(seconds=10))
    assert delays.deliver == Delays().deliver


@pytest.mark.parametrize("text", ["pack=1m", "pick=soon", "pick", "pick=-1s", "pick=1d"])
def test_bad_delays_are_refused_naming_the_steps(text):
    with pytest.raises(ValueError) as caught:
        Delays.parse(text)
    assert text.split(",")[0] in str(caught.value) and "in_transit" in str(caught.value)


@pytest.mark.parametrize("text", ["pick=99999999999999h", "ship=80000000h"])
def test_delays_past_any_computable_time_are_refused(text):
    # The first overflowed timedelta (exit 255 "unexpected failure"); the second parsed, and
    # then every step 9,000 years on failed (year 9999 is the last a time can have).
    with pytest.raises(ValueError, match="at most"):
        Delays.parse(text)
    assert Delays.parse("ship=8760000h").ship == timedelta(days=365_000)  # 1000 years: allowed


def test_a_zero_replan_delay_is_refused():
    # A FillAll order short of stock would be due again the moment it looked: a tick
    # without a step limit (the scheduler's, a clock advance) would never end.
    with pytest.raises(ValueError, match="replan"):
        Delays.parse("replan=0s")
    assert Delays.parse("replan=1s").replan == timedelta(seconds=1)


def test_manual_mode_leaves_physical_steps_to_operators():
    at = Delays().pick  # any time-like value works for the arithmetic
    manual, auto = Simulation("manual"), Simulation("auto")
    assert manual.physical("pick", at) is None and auto.physical("pick", at) == at + Delays().pick
    assert manual.system("replan", at) == auto.system("replan", at) == at + Delays().replan
    with pytest.raises(ValueError, match="warehouse mode"):
        Simulation("sometimes")
