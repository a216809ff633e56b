"""Throttling: token buckets in the database, per merchant and operation class, exact under
racing processes, answered 503 RequestThrottled with Retry-After."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from fwscli.api import SERVICES_BY_NAME
from fwscli.api.errors import RequestThrottled
from fwscli.service.app import FwsApp
from fwscli.service.limits import DEFAULT_LIMITS, Limit
from fwscli.service.throttle import Throttle, operation_class
from fwscli.store.database import Database
from fwscli.warehouse.context import Caller
from fwscli.wire.xml import read_error

from ..conftest import NOW
from ..http import LiveServer, SignedClient

OUTBOUND = SERVICES_BY_NAME["outbound"]
READ_OP = OUTBOUND.operation("GetFulfillmentOrder")
WRITE_OP = OUTBOUND.operation("CreateFulfillmentOrder")
LIMITS = {"read": Limit(rate=2, burst=3), "write": Limit(rate=1, burst=2)}


def caller(merchant) -> Caller:
    return Caller(merchant.access_key_id, "merchant", merchant.merchant_id)


def allowed(throttle: Throttle, who: Caller, operation, now=NOW) -> bool:
    try:
        throttle.take(who, operation, now)
    except RequestThrottled:
        return False
    return True


def test_classes_come_from_the_model():
    assert operation_class(READ_OP) == "read"
    assert operation_class(WRITE_OP) == "write"
    assert operation_class(OUTBOUND.operation("ListAllFulfillmentOrdersByNextToken")) == "read"
    assert DEFAULT_LIMITS["read"].rate > DEFAULT_LIMITS["write"].rate


def test_a_burst_then_the_restore_rate(db, merchant):
    throttle = Throttle(db, LIMITS)
    who = caller(merchant)
    assert [allowed(throttle, who, READ_OP) for _ in range(4)] == [True, True, True, False]
    # Two tokens a second: half a second later exactly one is back.
    later = NOW + timedelta(seconds=0.5)
    assert [allowed(throttle, who, READ_OP, later) for _ in range(2)] == [True, False]
    # A long pause fills the bucket up to its burst, never beyond.
    much_later = NOW + timedelta(hours=1)
    assert [allowed(throttle, who, READ_OP, much_later) for _ in range(4)] == [True, True, True, False]


def test_classes_and_merchants_have_their_own_buckets(db, merchant, other_merchant):
    throttle = Throttle(db, LIMITS)
    who, other = caller(merchant), caller(other_merchant)
    assert [allowed(throttle, who, WRITE_OP) for _ in range(3)] == [True, True, False]
    assert allowed(throttle, who, READ_OP)
    assert allowed(throttle, other, WRITE_OP)
    # Every key of a merchant shares its bucket.
    assert not allowed(throttle, Caller("AKFMANOTHERKEY", "merchant", merchant.merchant_id), WRITE_OP)


def test_the_error_says_when_to_come_back(db, merchant):
    throttle = Throttle(db, {"read": Limit(rate=0.25, burst=1), "write": LIMITS["write"]})
    who = caller(merchant)
    throttle.take(who, READ_OP, NOW)
    with pytest.raises(RequestThrottled) as raised:
        throttle.take(who, READ_OP, NOW + timedelta(seconds=1))
    error = raised.value
    assert error.status == 503
    assert error.headers == {"Retry-After": "3"}
    assert "at most 0.25 per second in bursts of 1" in error.message


def test_a_smaller_burst_than_before_never_owes_more_than_an_empty_bucket(db, merchant):
    # A bucket emptied under a burst of 800 (8/s) is 100 s from full. Restarted with a
    # burst of 40 (or beside a server that has it), that was read as 760 tokens owed: the
    # merchant was refused for 95 s, told to retry in 95, where an empty bucket of the new
    # size has a token back in an eighth of a second.
    who = caller(merchant)
    big = Throttle(db, {"read": Limit(rate=8, burst=800), "write": LIMITS["write"]})
    assert all(allowed(big, who, READ_OP) for _ in range(800))
    small = Throttle(db, {"read": Limit(rate=8, burst=40), "write": LIMITS["write"]})
    with pytest.raises(RequestThrottled) as raised:
        small.take(who, READ_OP, NOW)
    assert raised.value.headers == {"Retry-After": "1"}
    later = NOW + timedelta(seconds=0.125)
    assert [allowed(small, who, READ_OP, later) for _ in range(2)] == [True, False]


def test_racing_processes_share_one_bucket_exactly(db, merchant):
    """Eight threads on two engines (two 'servers') draw 40 times from a bucket of 10 at one
    instant: exactly 10 succeed."""
    second = Database(db.url, schema=db.schema)
    throttles = [Throttle(db, LIMITS | {"write": Limit(rate=0.001, burst=10)}),
                 Throttle(second, LIMITS | {"write": Limit(rate=0.001, burst=10)})]
    who = caller(merchant)
    results: list[bool] = []
    start = threading.Barrier(8)

    def draw(throttle: Throttle) -> None:
        start.wait()
        for _ in range(5):
            results.append(allowed(throttle, who, WRITE_OP))

    threads = [threading.Thread(target=draw, args=(throttles[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.dispose()
    assert len(results) == 40
    assert results.count(True) == 10


def test_a_throttled_request_is_answered_503_with_retry_after(db, merchant):
    app = FwsApp(db, throttle=Throttle(db, {"read": Limit(rate=0.5, burst=2),
                                            "write": LIMITS["write"]}))
    with LiveServer(app) as server:
        client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
        replies = [client.raw("outbound", "GetServiceStatus", []) for _ in range(3)]
    assert [reply.status for reply in replies] == [200, 200, 503]
    throttled = replies[2]
    assert throttled.headers["Retry-After"] in ("1", "2")
    error = read_error(throttled.body)
    assert error.code == "RequestThrottled"
    assert error.request_id == throttled.headers["x-amzn-RequestId"]


def test_no_throttle_means_unthrottled(app, client):
    assert app.throttle is None
    for _ in range(200):
        client.call("outbound", "GetServiceStatus")


def test_a_bucket_the_database_cannot_reach_is_unavailable_to_retry_over_both_bindings(db, merchant, caplog):
    # The shared bucket is a write per request: while PostgreSQL does not answer it fails
    # first, and must say ServiceUnavailable, not InternalError, on the Query API (503) and
    # SOAP (HTTP 500 as every fault, spec §13).
    if db.is_sqlite:
        pytest.skip("a database server to lose: PostgreSQL")
    from werkzeug.test import Client

    from fwscli.wire.timestamps import format_timestamp

    from ..production import free_port
    from ..soap.envelopes import envelope, read_fault

    gone = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/fws")  # nothing listens
    app = FwsApp(db, throttle=Throttle(gone, LIMITS))
    try:
        with LiveServer(app) as server:
            reply = SignedClient(server.url, merchant.access_key_id,
                                 merchant.secret_access_key).raw("outbound", "GetServiceStatus", [])
        soap = Client(app).post("/", data=envelope(
            OUTBOUND, "GetServiceStatus", "", key=merchant.access_key_id,
            secret=merchant.secret_access_key, timestamp=format_timestamp(app.clock())),
            headers={"Content-Type": "application/soap+xml; charset=utf-8"})
    finally:
        gone.dispose()
    assert reply.status == 503 and reply.headers["Retry-After"] == "1"
    assert read_error(reply.body).code == "ServiceUnavailable"
    assert soap.status_code == 500 and soap.headers["Retry-After"] == "1"
    assert read_fault(soap.get_data()).code == "aws:Server.ServiceUnavailable"
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_a_request_that_fails_to_decode_takes_its_token_over_both_bindings(db, merchant):
    # Decoding a megabyte request costs up to a second; one that fails at its last parameter
    # took no token, so a merchant could keep the service decoding, throttled never.
    from werkzeug.test import Client

    from fwscli.wire.timestamps import format_timestamp

    from ..soap.envelopes import envelope, read_fault

    app = FwsApp(db, throttle=Throttle(db, {"read": Limit(rate=0.01, burst=2),
                                            "write": Limit(rate=0.01, burst=2)}))
    invalid = [("MerchantFulfillmentOrderId", "x" * 5000)]  # longer than any id may be
    with LiveServer(app) as server:
        client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
        replies = [client.raw("outbound", "GetFulfillmentOrder", invalid) for _ in range(3)]
    assert [reply.status for reply in replies] == [400, 400, 503], replies[-1].text
    assert read_error(replies[0].body).code == "InvalidParameterValue"
    assert read_error(replies[2].body).code == "RequestThrottled"

    def soap_call():
        return Client(app).post("/", data=envelope(
            OUTBOUND, "CancelFulfillmentOrder", "<MerchantFulfillmentOrderId>" + "x" * 5000
            + "</MerchantFulfillmentOrderId>", key=merchant.access_key_id,
            secret=merchant.secret_access_key, timestamp=format_timestamp(app.clock())),
            headers={"Content-Type": "application/soap+xml; charset=utf-8"})

    faults = [read_fault(soap_call().get_data()).code for _ in range(3)]
    assert faults == ["aws:Client.InvalidParameterValue"] * 2 + ["aws:Server.RequestThrottled"]
