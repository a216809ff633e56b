"""`fws demo` through the real entry point, and the waiting it shares with `fws outbound wait`.

Whether the order completes within the test's short --timeout depends on the warehouse mode
of the service, so the end-to-end tests accept each documented ending and check that the
demo says which one it was.
"""

from __future__ import annotations

import pytest

from fwscli.cli import common, demo, outbound

STEPS = ("==> Registering 2 items", "==> Planning an inbound shipment", "marked Shipped",
         "==> Waiting up to", "in stock:", "==> Previewing an order", "==> Creating order",
         "==> Following order")


def check_run(result) -> dict:
    assert result.code in (0, common.EXIT_WAIT_ENDED, common.EXIT_WAIT_TIMEOUT), result.err
    for text in STEPS:
        assert text in result.err
    detail = result.json()
    status = detail["FulfillmentOrder"]["FulfillmentOrderStatus"]
    if result.code == 0:
        assert status == "Complete" and "Done: order" in result.err
    elif result.code == common.EXIT_WAIT_TIMEOUT:
        assert f"is {status}, waiting for" in result.err
    else:
        assert f"ended {status}" in result.err
    return detail


def test_demo_needs_no_configuration_and_runs_again_with_fresh_data(embedded_fws):
    first = embedded_fws("demo", "--timeout", "2", "--interval", "0.2", "-o", "json")
    assert "created a merchant" in first.err and "on the embedded service" in first.err
    second = embedded_fws("demo", "--timeout", "2", "--interval", "0.2", "-o", "json")
    orders = [check_run(run)["FulfillmentOrder"]["MerchantFulfillmentOrderId"] for run in (first, second)]
    assert orders[0] != orders[1] and all(order.startswith("DEMO-") for order in orders)
    skus = {row["MerchantSKU"] for row in embedded_fws.ok("items", "list", "-o", "json").json()}
    assert len(skus) == 4  # two fresh SKUs per run
    assert len(embedded_fws.ok("outbound", "list", "-o", "json").json()) == 2


def test_demo_against_a_live_server(remote_fws):
    result = remote_fws("demo", "--timeout", "1", "--interval", "0.2", "-o", "json")
    detail = check_run(result)
    assert "on http://127.0.0.1:" in result.err
    assert detail["FulfillmentOrderItem"][0]["Quantity"] == demo.ORDERED["MUG"]


def test_demo_help_documents_its_exit_codes(embedded_fws):
    text = embedded_fws.ok("demo", "--help").out
    assert "124" in text and "3 it ended otherwise" in text


@pytest.mark.parametrize("current, awaited, expected", [
    ("Received", "Received", True),
    ("Processing", "Planning", True),      # moved past it between two polls
    ("Planning", "Processing", False),
    ("Complete", "Processing", True),      # shipped: it went through Processing
    ("CompletePartialled", "Planning", True),
    ("Unfulfillable", "Processing", False),
    ("Cancelled", "Planning", False),
    ("Cancelled", "Complete", False),
    ("Complete", "CompletePartialled", False),
    ("Complete", "Complete", True),
])
def test_what_counts_as_reached(current, awaited, expected):
    assert outbound.reached(current, awaited) is expected


def test_poll_until_reports_each_change_and_stops(monkeypatch):
    monkeypatch.setattr(outbound.time, "sleep", lambda seconds: None)
    answers = iter(["Received", "Received", "Planning", "Processing", "Complete", "Complete"])
    seen = []
    value, status = outbound.poll_until(lambda: next(answers), lambda value: value, outbound.is_final,
                                        timeout=60, interval=1, on_change=seen.append)
    assert (value, status) == ("Complete", "Complete")
    assert seen == ["Received", "Planning", "Processing", "Complete"]

    stuck = outbound.poll_until(lambda: "Received", lambda value: value, outbound.is_final,
                                timeout=0, interval=1, on_change=lambda status: None)
    assert stuck == ("Received", "Received")


def test_the_demo_ending_sets_the_exit_code():
    shipped = {"FulfillmentShipment": [{"FulfillmentShipmentPackage": [
        {"PackageNumber": 1, "CarrierCode": "UPS", "TrackingNumber": "1Z999"}]}]}
    demo.finish("D-1", "Complete", shipped, received=True, timeout=5)  # exit 0: nothing raised
    with pytest.raises(common.CliError) as ended:
        demo.finish("D-1", "Unfulfillable", {"FulfillmentShipment": []}, received=False, timeout=5)
    assert ended.value.exit_code == common.EXIT_WAIT_ENDED and "not been received" in ended.value.message
    with pytest.raises(common.CliError) as waiting:
        demo.finish("D-1", "Planning", {"FulfillmentShipment": []}, received=True, timeout=5)
    assert waiting.value.exit_code == common.EXIT_WAIT_TIMEOUT
    assert "waiting for the warehouse to start picking" in waiting.value.message
