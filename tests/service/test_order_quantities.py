"""An order's lines of one SKU draw on one stock: their quantities may not add up past the
schema's xs:int, the type of every quantity (as on the inbound side)."""

from __future__ import annotations

import pytest

from fwscli.api.errors import ApiError

from .samples import order, register

MOST = 2**31 - 1  # xs:int


@pytest.mark.parametrize("policy", ["FillOrKill", "FillAll", "FillAllAvailable"])
def test_lines_of_one_sku_may_not_add_up_past_the_schemas_int(client, policy):
    register(client, "SKU-1", "SKU-2")
    with pytest.raises(ApiError) as refused:
        client.call("outbound", "CreateFulfillmentOrder", order(
            "ORDER-1", ("SKU-1", MOST), ("SKU-2", MOST), ("SKU-1", 1), FulfillmentPolicy=policy))
    assert refused.value.code == "InvalidParameterValue" and refused.value.status == 400
    assert refused.value.message == (
        f"Value 1 for parameter Item.3.Quantity is invalid. "
        f"Reason: the quantities of SKU SKU-1 add up to more than {MOST}.")
    with pytest.raises(ApiError, match="requested order not found"):
        client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})
    # Up to the limit, the lines of one SKU are an order like any other.
    client.call("outbound", "CreateFulfillmentOrder", order(
        "ORDER-2", ("SKU-1", MOST - 1), ("SKU-1", 1), FulfillmentPolicy=policy))
    got = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-2"})
    assert [line["Quantity"] for line in got["FulfillmentOrderItem"]] == [MOST - 1, 1]
