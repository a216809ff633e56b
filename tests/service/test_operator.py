"""The operator service over real HTTP: only operator keys may call it, merchants see none
of its data, and it keeps the accounts and the simulation clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fwscli.api import OPERATOR, SERVICES
from fwscli.api.errors import ApiError
from fwscli.service.app import FwsApp
from fwscli.warehouse import clock

from ..http import LiveServer, SignedClient
from .samples import order, register, shipment

EXERCISED: set[str] = set()


@pytest.fixture
def app(db):
    service = FwsApp(db)
    # Found keys are cached 5 s per process (service/keys.py): a revoked key stops working
    # within that time. These tests look at what the database says, at once.
    service.keys.ttl = 0
    return service


@pytest.fixture
def ops(operator_client):
    """operator_client.call for the operator service, recording what was called."""

    def invoke(action: str, **request):
        EXERCISED.add(action)
        return operator_client.call("operator", action, request)

    return invoke


def refused(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- who may call ----------------------------------------------------------------------

@pytest.mark.parametrize("operation", OPERATOR.operations, ids=lambda op: op.name)
def test_merchant_keys_are_refused_before_anything_is_read(client, operation):
    # No parameters at all: the refusal comes before any of them is looked at.
    reply = client.raw("operator", operation.name, [])
    assert reply.status == 403, reply.text
    assert b"<Code>AccessDenied</Code>" in reply.body
    assert b"merchant keys cannot call it" in reply.body


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_operator_keys_are_refused_by_the_merchant_services(operator_client, service):
    reply = operator_client.raw(service, "GetServiceStatus", [])
    assert reply.status == 403 and b"<Code>AccessDenied</Code>" in reply.body


@pytest.mark.parametrize("scheme", ["v0", "v1", "v2", "v4-presigned"])
def test_operator_requests_are_signed_with_sigv4_in_the_header_only(ops, server, operator, merchant, scheme):
    # A SigV0 signature covers only Action and Timestamp: whoever saw one signed
    # CreateAccessKey could send it for any MerchantId and read the new secret key.
    from urllib.parse import urlencode

    import requests
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from ..legacy_signer import sign_v0, sign_v1, sign_v2

    params = [("Action", "CreateAccessKey"), ("Version", OPERATOR.version), ("Role", "merchant"),
              ("MerchantId", str(merchant.merchant_id))]
    key, secret = operator.access_key_id, operator.secret_access_key
    if scheme == "v4-presigned":
        request = AWSRequest(method="GET", url=server.url, params=params)
        SigV4QueryAuth(Credentials(key, secret), "fws", "us-east-1", expires=300).add_auth(request)
        reply = requests.get(request.prepare().url, timeout=10)
    else:
        signed = {"v0": lambda: sign_v0(params, key, secret), "v1": lambda: sign_v1(params, key, secret),
                  "v2": lambda: sign_v2(params, key, secret, "127.0.0.1")}[scheme]()
        reply = requests.post(server.url, data=urlencode(signed), timeout=10, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.status_code == 403, reply.text
    assert "<Code>AccessDenied</Code>" in reply.text and "SigV4 in the Authorization header" in reply.text
    assert "SecretAccessKey" not in reply.text
    keys = ops("ListAccessKeys", MerchantId=merchant.merchant_id)["AccessKeyInfo"]
    assert [k["AccessKeyId"] for k in keys] == [merchant.access_key_id]
    # The merchant services still take every legacy scheme (test_auth.py).


def test_service_status_and_routing_by_path(ops, operator_client):
    assert ops("GetServiceStatus")["Status"].endswith(f"service available [Version: {OPERATOR.version}]")
    assert operator_client.last_reply.body.startswith(
        f'<?xml version="1.0"?>\n<ns1:GetServiceStatusResponse xmlns:ns1="{OPERATOR.namespace}">'.encode())


def test_merchants_see_nothing_of_what_operators_did_for_another_merchant(
        ops, client, other_client, merchant, other_merchant):
    register(client, "SKU-1")
    register(other_client, "SKU-1")  # the same SKU name, another merchant's item
    ops("AdjustInventory", MerchantId=merchant.merchant_id, MerchantSKU="SKU-1",
        FulfillmentCenterId="PHL1", Quantity=9, Reason="found in a count")
    client.call("inbound", "PutInboundShipment", shipment("FBA-MINE", ("SKU-1", 3)))
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-MINE", "ShipmentStatus": "Cancelled"})
    ops("ReceiveInboundShipmentItems", MerchantId=merchant.merchant_id, ShipmentId="FBA-MINE", ReceiveAll=True)

    def supply(who):
        return who.call("inventory", "GetInventorySupply", {"MerchantSKU": ["SKU-1"]})["MerchantSKUSupply"][0]

    assert supply(client)["InStockSupplyQuantity"] == 9
    assert supply(other_client)["InStockSupplyQuantity"] == 0
    since = "2000-01-01T00:00:00Z"
    assert other_client.call("inventory", "ListUpdatedInventorySupply",
                             {"QueryStartDateTime": since})["MerchantSKUSupply"] == []
    for action, request in (("GetInventoryBalances", {"MerchantId": merchant.merchant_id, "MerchantSKU": "SKU-1"}),
                            ("ListMerchants", {}), ("ListAccessKeys", {})):
        assert refused(other_client.call, "operator", action, request).code == "AccessDenied"
    # An operator names the merchant; the other merchant's id does not reach this one's data.
    error = refused(ops, "ReceiveInboundShipmentItems", MerchantId=other_merchant.merchant_id,
                    ShipmentId="FBA-MINE", ReceiveAll=True)
    assert error.message.endswith("Reason: shipment not found.")
    assert ops("GetInventoryBalances", MerchantId=other_merchant.merchant_id,
               MerchantSKU="SKU-1")["InventoryBalance"] == []


def test_an_unknown_merchant_is_named(ops):
    error = refused(ops, "GetInventoryBalances", MerchantId=999, MerchantSKU="SKU-1")
    assert error.code == "InvalidParameterValue" and "MerchantId" in error.message
    # ListAccessKeys answered an empty list, as for a merchant without keys.
    error = refused(ops, "ListAccessKeys", MerchantId=999)
    assert error.code == "InvalidParameterValue" and error.message.endswith("Reason: no merchant has this id.")


# --- accounts --------------------------------------------------------------------------

def test_create_list_rotate_and_revoke_keys(ops, operator_client, server):
    created = ops("CreateMerchant", Name="Acme Goods")
    key = created["AccessKey"]
    assert (key["Role"], key["MerchantId"]) == ("merchant", created["MerchantId"])
    acme = SignedClient(server.url, key["AccessKeyId"], key["SecretAccessKey"])
    register(acme, "ACME-1")  # the new key works at once

    second = ops("CreateAccessKey", Role="merchant", MerchantId=created["MerchantId"])["AccessKey"]
    merchants = {m["Name"]: m for m in ops("ListMerchants")["Merchant"]}
    assert merchants["Acme Goods"]["ActiveKeyCount"] == 2
    assert merchants["Acme Goods"]["MerchantId"] == created["MerchantId"]
    keys = ops("ListAccessKeys", MerchantId=created["MerchantId"])["AccessKeyInfo"]
    assert {k["AccessKeyId"] for k in keys} == {key["AccessKeyId"], second["AccessKeyId"]}
    ops("ListAccessKeys")
    assert b"SecretAccessKey" not in operator_client.last_reply.body

    rotated = ops("RotateAccessKey", AccessKeyId=key["AccessKeyId"])
    assert rotated["RevokedAccessKeyId"] == key["AccessKeyId"]
    new = rotated["AccessKey"]
    assert (new["Role"], new["MerchantId"]) == ("merchant", created["MerchantId"])
    assert refused(acme.call, "inbound", "ListAllFulfillmentItems", {}).code == "InvalidClientTokenId"
    renewed = SignedClient(server.url, new["AccessKeyId"], new["SecretAccessKey"])
    assert [i["MerchantSKU"] for i in renewed.call("inbound", "ListAllFulfillmentItems")["FulfillmentItem"]] \
        == ["ACME-1"]  # the same merchant's data
    assert refused(ops, "RotateAccessKey", AccessKeyId=key["AccessKeyId"]).message.endswith("the key is revoked.")

    ops("RevokeAccessKey", AccessKeyId=second["AccessKeyId"])
    ops("RevokeAccessKey", AccessKeyId=second["AccessKeyId"])  # again: harmless
    revoked = {k["AccessKeyId"]: k for k in ops("ListAccessKeys", MerchantId=created["MerchantId"])["AccessKeyInfo"]}
    assert revoked[second["AccessKeyId"]].get("RevokedDateTime")
    assert not revoked[new["AccessKeyId"]].get("RevokedDateTime")


def test_the_last_operator_key_cannot_be_revoked(ops, server, operator):
    error = refused(ops, "RevokeAccessKey", AccessKeyId=operator.access_key_id)
    assert "last active operator key" in error.message
    spare = ops("CreateAccessKey", Role="operator")["AccessKey"]
    assert (spare["Role"], spare.get("MerchantId")) == ("operator", None)
    ops("RevokeAccessKey", AccessKeyId=operator.access_key_id)  # another one is left now
    staff = SignedClient(server.url, spare["AccessKeyId"], spare["SecretAccessKey"])
    assert staff.call("operator", "GetSimulationClock")["WarehouseMode"] == "auto"


@pytest.mark.parametrize("request_, culprit", [
    ({"Role": "merchant"}, "MerchantId"),
    ({"Role": "operator", "MerchantId": 1}, "MerchantId"),
])
def test_key_roles_and_owners_go_together(ops, request_, culprit):
    error = refused(ops, "CreateAccessKey", **request_)
    assert error.code == "InvalidParameterCombination" and culprit in error.message


def test_unknown_keys_are_named(ops):
    for action in ("RotateAccessKey", "RevokeAccessKey"):
        error = refused(ops, action, AccessKeyId="AKFMNOSUCHKEY0000000")
        assert error.message.endswith("Reason: no such access key.")


# --- inbound ---------------------------------------------------------------------------

def test_a_merchant_cancels_a_shipment_the_warehouse_is_receiving(ops, client, merchant):
    """The WSDL: after Shipped only Cancelled, and units that arrive later are sidelined."""
    register(client, "SKU-1", "SKU-2")
    client.call("inbound", "PutInboundShipment", shipment("FBA-LATE", ("SKU-1", 5), ("SKU-2", 2)))
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-LATE", "ShipmentStatus": "Shipped"})
    mine = {"MerchantId": merchant.merchant_id, "ShipmentId": "FBA-LATE"}
    ops("MoveInboundShipment", **mine, ShipmentStatus="CheckedIn")
    ops("ReceiveInboundShipmentItems", **mine, Item=[{"MerchantSKU": "SKU-1", "Quantity": 3}])
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-LATE", "ShipmentStatus": "Cancelled"})
    supply = {row["MerchantSKU"]: (row["InStockSupplyQuantity"], row["TotalSupplyQuantity"])
              for row in client.call("inventory", "GetInventorySupply",
                                     {"MerchantSKU": ["SKU-1", "SKU-2"]})["MerchantSKUSupply"]}
    assert supply == {"SKU-1": (3, 3), "SKU-2": (0, 0)}
    state = ops("ReceiveInboundShipmentItems", **mine, ReceiveAll=True)
    assert state["ShipmentStatus"] == "Cancelled"
    assert [(row["MerchantSKU"], row["QuantityReceived"], row["ProblemQuantity"])
            for row in state["ReceivedItem"]] == [("SKU-1", 3, 2), ("SKU-2", 0, 2)]


# --- stock and the clock ---------------------------------------------------------------

def test_adjustments_need_available_stock_and_a_known_center(ops, client, merchant):
    register(client, "SKU-1")
    mine = {"MerchantId": merchant.merchant_id, "MerchantSKU": "SKU-1"}
    balance = ops("AdjustInventory", **mine, FulfillmentCenterId="PHL1", Quantity=5, Reason="count")["InventoryBalance"]
    assert (balance["InStockQuantity"], balance["AvailableQuantity"]) == (5, 5)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-1", 4)))
    assert ops("GetInventoryBalances", **mine)["InventoryBalance"][0]["ReservedQuantity"] == 4
    error = refused(ops, "AdjustInventory", **mine, FulfillmentCenterId="PHL1", Quantity=-2, Reason="damaged")
    assert "only 1 Sellable units are available at PHL1" in error.message
    balance = ops("AdjustInventory", **mine, FulfillmentCenterId="PHL1", Quantity=-1, Reason="damaged")["InventoryBalance"]
    assert (balance["InStockQuantity"], balance["ReservedQuantity"], balance["AvailableQuantity"]) == (4, 4, 0)
    for bad, culprit in (({"FulfillmentCenterId": "NOPE", "Quantity": 1}, "FulfillmentCenterId"),
                         ({"FulfillmentCenterId": "PHL1", "Quantity": 0}, "Quantity")):
        assert culprit in refused(ops, "AdjustInventory", **mine, **bad, Reason="x").message
    assert "MerchantSKU" in refused(ops, "GetInventoryBalances", MerchantId=merchant.merchant_id,
                                    MerchantSKU="GHOST").message


def test_an_adjustment_may_not_take_stock_past_the_schemas_int(ops, client, merchant):
    register(client, "SKU-1")
    mine = {"MerchantId": merchant.merchant_id, "MerchantSKU": "SKU-1", "FulfillmentCenterId": "PHL1"}
    most = 2**31 - 1  # xs:int, InStockQuantity's type
    ops("AdjustInventory", **mine, Quantity=most - 1, Reason="count")
    error = refused(ops, "AdjustInventory", **mine, Quantity=2, Reason="count")
    assert (error.status, error.code) == (400, "InvalidParameterValue")
    assert f"PHL1 would hold more than {most} Sellable units" in error.message
    balance = ops("AdjustInventory", **mine, Quantity=1, Reason="count")["InventoryBalance"]
    assert balance["InStockQuantity"] == most


def test_taking_out_the_schemas_least_int_is_refused_as_any_shortfall(ops, client, merchant):
    # -2147483648 is a valid xs:int, but 2147483648 units are more than any balance holds:
    # PostgreSQL answered 500 (integer out of range) where SQLite said what is available.
    register(client, "SKU-1")
    mine = {"MerchantId": merchant.merchant_id, "MerchantSKU": "SKU-1", "FulfillmentCenterId": "PHL1"}
    ops("AdjustInventory", **mine, Quantity=5, Reason="count")
    error = refused(ops, "AdjustInventory", **mine, Quantity=-(2**31), Reason="count")
    assert (error.status, error.code) == (400, "InvalidParameterValue")
    assert "only 5 Sellable units are available at PHL1" in error.message
    assert ops("GetInventoryBalances", MerchantId=merchant.merchant_id,
               MerchantSKU="SKU-1")["InventoryBalance"][0]["InStockQuantity"] == 5


def test_the_clock_moves_forward_for_every_process(ops, db, client, merchant, operator):
    start = ops("GetSimulationClock")
    assert (start["OffsetSeconds"], start["WarehouseMode"]) == (0, "auto")
    register(client, "SKU-1")
    ops("AdjustInventory", MerchantId=merchant.merchant_id, MerchantSKU="SKU-1", FulfillmentCenterId="PHL1",
        Quantity=1, Reason="count")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-1", 1)))

    moved = ops("AdvanceSimulationClock", Seconds=3600)
    assert moved["OffsetSeconds"] == 3600 and moved["TransitionsApplied"] >= 2  # picked, shipped
    got = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    # Another server on the same database runs on the same simulated time.
    with db.read() as conn:
        assert clock.offset(conn) == timedelta(hours=1)
    with LiveServer(FwsApp(db)) as second:
        staff = SignedClient(second.url, operator.access_key_id, operator.secret_access_key)
        assert staff.call("operator", "GetSimulationClock")["OffsetSeconds"] == 3600
    assert "parameter Seconds is invalid" in refused(ops, "AdvanceSimulationClock", Seconds=0).message


def test_the_clock_stops_short_of_the_calendars_end(ops, client):
    # Each advance is at most 2**31 - 1 s (68 years); some 117 of them took the simulated
    # time past year 9999, and from then on every request failed (500), this one included.
    for _ in range(130):
        try:
            ops("AdvanceSimulationClock", Seconds=2**31 - 1)
        except ApiError as error:
            assert (error.status, error.code) == (400, "InvalidParameterValue"), error.message
            assert "parameter Seconds is invalid" in error.message
            break
    else:
        pytest.fail("the clock was never refused")
    assert ops("GetSimulationClock")["OffsetSeconds"] <= clock.MAX_OFFSET.total_seconds()
    assert "service available" in client.call("outbound", "GetServiceStatus")["Status"]
    client.call("inbound", "ListAllFulfillmentItems")


def test_every_operator_operation_was_exercised():
    """Runs last in this module: together with test_lifecycle's, every operation was called."""
    lifecycle = {"MoveInboundShipment", "PickFulfillmentOrder", "ShipFulfillmentOrder", "FailFulfillmentShipment"}
    missing = {op.name for op in OPERATOR.operations} - EXERCISED - lifecycle - {"GetServiceStatus"}
    assert not missing, sorted(missing)
