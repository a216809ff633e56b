"""DisplayableOrderDateTime is the merchant's own order date, printed on the packing slip:
it reads back as it was sent (the same instant, in the same UTC offset), over the Query API
and SOAP, in GetFulfillmentOrder and ListAllFulfillmentOrders alike."""

from __future__ import annotations

import pytest

from fwscli.api.errors import ApiError

from ..wsdl import assert_valid_if_available as assert_valid
from .samples import order, register


def _dates(client, order_id: str) -> tuple[str, str]:
    """The order's date as GetFulfillmentOrder and as ListAllFulfillmentOrders give it."""
    got = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": order_id})
    assert_valid("outbound", client.last_reply.body)
    listed = client.call("outbound", "ListAllFulfillmentOrders", {})["FulfillmentOrder"]
    (row,) = [row for row in listed if row["MerchantFulfillmentOrderId"] == order_id]
    return got["FulfillmentOrder"]["DisplayableOrderDateTime"], row["DisplayableOrderDateTime"]


@pytest.mark.parametrize("sent, read", [
    ("2026-11-27T12:00:00-08:00", "2026-11-27T12:00:00-08:00"),
    ("2026-11-28T01:30:00+05:30", "2026-11-28T01:30:00+05:30"),
    ("2026-11-27T12:29:50.123-0800", "2026-11-27T12:29:50-08:00"),  # the profile: whole seconds
    ("2026-11-27T20:00:00Z", "2026-11-27T20:00:00Z"),
    ("2026-11-27T20:00:00+00:00", "2026-11-27T20:00:00Z"),
    ("2026-11-27T20:00:00", "2026-11-27T20:00:00Z"),  # no zone: UTC
])
def test_the_order_date_reads_back_in_the_offset_it_was_sent_in(client, sent, read):
    register(client, "SKU-1")
    client.call("outbound", "CreateFulfillmentOrder",
                order("ORDER-1", ("SKU-1", 1), DisplayableOrderDateTime=sent))
    assert _dates(client, "ORDER-1") == (read, read)


def test_a_repeat_is_the_same_date_in_the_same_offset(client):
    register(client, "SKU-1")
    request = order("ORDER-1", ("SKU-1", 1), DisplayableOrderDateTime="2026-11-27T12:00:00-08:00")
    client.call("outbound", "CreateFulfillmentOrder", request)
    client.call("outbound", "CreateFulfillmentOrder", request)  # a retry: harmless
    # The same instant in another offset prints another date on the packing slip.
    with pytest.raises(ApiError) as refused:
        client.call("outbound", "CreateFulfillmentOrder",
                    {**request, "DisplayableOrderDateTime": "2026-11-27T20:00:00Z"})
    assert refused.value.code == "InvalidParameterValue"
    assert "already used by a different order" in refused.value.message
    assert _dates(client, "ORDER-1") == ("2026-11-27T12:00:00-08:00",) * 2


def test_an_order_date_that_is_not_a_date_of_years_1_to_9999_in_utc_is_refused(client):
    register(client, "SKU-1")
    for sent in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"):
        with pytest.raises(ApiError) as refused:
            client.call("outbound", "CreateFulfillmentOrder",
                        order("ORDER-1", ("SKU-1", 1), DisplayableOrderDateTime=sent))
        assert refused.value.code == "InvalidParameterValue"
        assert "DisplayableOrderDateTime" in refused.value.message
