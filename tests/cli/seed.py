"""Seeding for CLI tests: a Client in the test process that reaches exactly the service a
`Fws` runner reaches (the same embedded database and keys, or the same live server), so a
test can set up many rows quickly and check what is left on the service afterwards."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from fwscli.client.client import Client
from fwscli.client.session import Session

ADDRESS = {"Name": "Ada Warehouse", "AddressLine1": "1 Main St", "City": "Seattle",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}


@contextmanager
def direct_client(fws, monkeypatch) -> Iterator[Client]:
    """A Client resolved from the runner's environment (HOME, XDG_*, FWS_*)."""
    for name in [name for name in os.environ if name.startswith("FWS_")]:
        monkeypatch.delenv(name)
    for name, value in fws.env.items():
        monkeypatch.setenv(name, value)
    client = Client(Session.resolve(), sleep=lambda _: None)
    try:
        yield client
    finally:
        client.close()


def register(client: Client, skus: list[str]) -> None:
    client.call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": skus})


def put_shipment(client: Client, shipment_id: str, items: dict[str, int], *,
                 fc: str = "PHL1", name: str | None = None) -> None:
    client.call("inbound", "PutInboundShipment", {
        "ShipmentId": shipment_id, "ShipmentName": name or f"Shipment {shipment_id}",
        "DestinationFulfillmentCenter": fc, "ShipFromAddress": ADDRESS,
        "MerchantSKUQuantityItem": [{"MerchantSKU": sku, "Quantity": quantity}
                                    for sku, quantity in items.items()],
    })


def shipment_ids(client: Client) -> list[str]:
    """Every shipment on the service, whatever its status."""
    from fwscli.client.paginator import paginate

    return [row["ShipmentId"] for row in paginate(client, "inbound", "ListInboundShipments").rows()]
