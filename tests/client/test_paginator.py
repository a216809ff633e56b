"""The paginator: every row once, lazily; max_items with exact resumption; broken paging
stopped instead of looped."""

from __future__ import annotations

import base64
import json

import pytest

from fwscli.client.errors import PaginationError, ServiceError, StartingTokenError
from fwscli.client.paginator import Position, decode_token, encode_token, paginate, request_key

SKUS = [f"SKU-{n:02d}" for n in range(25)]


@pytest.fixture
def client(remote):
    client = remote()
    client.call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": SKUS})
    return client


def skus(rows) -> list[str]:
    return [row["MerchantSKU"] for row in rows]


class Recorder:
    """Wraps a client and records the actions called."""

    def __init__(self, client):
        self.client = client
        self.actions: list[str] = []

    def call(self, service, action, request=None):
        self.actions.append(action)
        return self.client.call(service, action, request)


class Scripted:
    """A fake client answering list calls from a script of pages."""

    def __init__(self, pages):
        self.pages = list(pages)
        self.requests: list[tuple[str, dict]] = []

    def call(self, service, action, request=None):
        self.requests.append((action, dict(request or {})))
        rows, has_next, token = self.pages.pop(0)
        return {"NextToken": token, "HasNext": has_next,
                "FulfillmentItem": [{"MerchantSKU": sku} for sku in rows]}


def test_every_row_once_in_pages_of_two(client):
    recorder = Recorder(client)
    pages = list(paginate(recorder, "inbound", "ListAllFulfillmentItems", page_size=2))
    assert [len(page["FulfillmentItem"]) for page in pages] == [2] * 12 + [1]
    assert skus(row for page in pages for row in page["FulfillmentItem"]) == SKUS
    assert recorder.actions == ["ListAllFulfillmentItems"] + ["ListAllFulfillmentItemsByNextToken"] * 12


def test_rows_are_fetched_lazily(client):
    recorder = Recorder(client)
    rows = paginate(recorder, "inbound", "ListAllFulfillmentItems", page_size=2).rows()
    assert skus([next(rows), next(rows), next(rows)]) == SKUS[:3]
    assert len(recorder.actions) == 2


@pytest.mark.parametrize("max_items", [1, 2, 5, 7, 24])
def test_max_items_then_starting_token_resumes_exactly(client, max_items):
    seen: list[str] = []
    token = None
    for _ in range(30):
        pager = paginate(client, "inbound", "ListAllFulfillmentItems", page_size=2,
                         max_items=max_items, starting_token=token)
        chunk = skus(pager.rows())
        assert len(chunk) == min(max_items, len(SKUS) - len(seen))
        seen += chunk
        token = pager.resume_token
        if token is None:
            break
    assert seen == SKUS


def test_resuming_with_another_page_size_skips_across_pages(client):
    first = paginate(client, "inbound", "ListAllFulfillmentItems", page_size=10, max_items=7)
    assert skus(first.rows()) == SKUS[:7]
    position = decode_token(first.resume_token, "ListAllFulfillmentItems")
    assert (position.next_token, position.skip, len(position.seen)) == (None, 0, 7)
    rest = paginate(client, "inbound", "ListAllFulfillmentItems", page_size=3,
                    starting_token=first.resume_token)
    assert skus(rest.rows()) == SKUS[7:]
    assert rest.resume_token is None


def test_a_token_that_skips_by_count_still_resumes(client):
    """The tokens fws printed before they named the rows given: "drop the first N rows"."""
    token = encode_token("ListAllFulfillmentItems", Position(None, 7))
    rest = paginate(client, "inbound", "ListAllFulfillmentItems", page_size=3, starting_token=token)
    assert skus(rest.rows()) == SKUS[7:]


def test_rows_that_leave_the_list_before_a_resume_do_not_hide_the_next_ones():
    """A row given before the cut is gone when the walk resumes (a shipment no longer
    Working): counting rows would drop the one that took its place."""
    first = paginate(Scripted([(["A", "B", "C"], False, "")]), "inbound", "ListAllFulfillmentItems",
                     max_items=1)
    assert skus(first.rows()) == ["A"]
    rest = paginate(Scripted([(["B", "C"], False, "")]), "inbound", "ListAllFulfillmentItems",
                    starting_token=first.resume_token)
    assert skus(rest.rows()) == ["B", "C"]


def test_a_resumed_walk_cut_again_keeps_every_row_given():
    """Rows an earlier walk gave that come after the next cut stay skipped after it too."""
    first = paginate(Scripted([(["A", "B", "C", "D"], False, "")]), "inbound",
                     "ListAllFulfillmentItems", max_items=2)
    assert skus(first.rows()) == ["A", "B"]
    # Meanwhile A left the list, and X came in before B.
    second = paginate(Scripted([(["X", "B", "C", "D"], False, "")]), "inbound",
                      "ListAllFulfillmentItems", max_items=1, starting_token=first.resume_token)
    assert skus(second.rows()) == ["X"]
    third = paginate(Scripted([(["X", "B", "C", "D"], False, "")]), "inbound",
                     "ListAllFulfillmentItems", starting_token=second.resume_token)
    assert skus(third.rows()) == ["C", "D"]


def test_max_items_covering_the_list_leaves_no_token(client):
    for max_items in (25, 100):
        pager = paginate(client, "inbound", "ListAllFulfillmentItems", page_size=5, max_items=max_items)
        assert skus(pager.rows()) == SKUS and pager.resume_token is None


def test_cut_at_a_page_end_resumes_from_the_service_token(client):
    pager = paginate(client, "inbound", "ListAllFulfillmentItems", page_size=5, max_items=10)
    assert len(list(pager.rows())) == 10
    position = decode_token(pager.resume_token, "ListAllFulfillmentItems")
    assert position.next_token and position.skip == 0


def test_a_raw_service_token_is_accepted(client):
    page = client.call("inbound", "ListAllFulfillmentItems", {"MaxCount": 20})
    rest = paginate(client, "inbound", "ListAllFulfillmentItems", starting_token=page["NextToken"])
    assert skus(rest.rows()) == SKUS[20:]


def test_the_page_size_goes_in_the_model_member():
    fake = Scripted([(["A"], False, "")])
    list(paginate(fake, "inbound", "ListAllFulfillmentItems", {"IncludeInactive": True}, page_size=9))
    assert fake.requests == [("ListAllFulfillmentItems", {"IncludeInactive": True, "MaxCount": 9})]


def test_a_page_size_above_the_ceiling_is_sent_as_the_ceiling():
    fake = Scripted([(["A"], False, "")])
    list(paginate(fake, "inbound", "ListAllFulfillmentItems", page_size=2**40))
    assert fake.requests == [("ListAllFulfillmentItems", {"MaxCount": 1000})]


def test_an_empty_list_is_one_empty_page():
    fake = Scripted([([], False, "")])
    pager = paginate(fake, "inbound", "ListAllFulfillmentItems")
    assert [page["FulfillmentItem"] for page in pager] == [[]] and pager.resume_token is None


def test_a_repeated_token_stops_the_walk():
    fake = Scripted([(["A"], True, "T1"), (["B"], True, "T2"), (["C"], True, "T1"), (["D"], True, "T3")])
    rows = []
    with pytest.raises(PaginationError, match="NextToken T1.* a second time"):
        for row in paginate(fake, "inbound", "ListAllFulfillmentItems").rows():
            rows.append(row["MerchantSKU"])
    assert rows == ["A", "B", "C"]


def test_has_next_without_a_token_stops_the_walk():
    with pytest.raises(PaginationError, match="sent no NextToken"):
        list(paginate(Scripted([(["A"], True, "")]), "inbound", "ListAllFulfillmentItems"))


def test_resume_token_after_a_failed_page_points_after_the_last_page():
    fake = Scripted([(["A", "B"], True, "T1"), (["C"], True, "T1")])
    pager = paginate(fake, "inbound", "ListAllFulfillmentItems")
    with pytest.raises(PaginationError):
        list(pager)
    assert decode_token(pager.resume_token, "ListAllFulfillmentItems") == Position("T1", 0)


def test_token_of_another_list_is_refused():
    token = encode_token("ListAllFulfillmentOrders", Position("X", 1))
    with pytest.raises(PaginationError, match="continues ListAllFulfillmentOrders, not ListAllFulfillmentItems"):
        paginate(Scripted([]), "inbound", "ListAllFulfillmentItems", starting_token=token)


class Refusing(Scripted):
    """Refuses the NextToken of its `refused` call (0: the first), as the service refuses
    a malformed, expired or another list's token."""

    def __init__(self, pages, refused: int):
        super().__init__(pages)
        self.refused = refused

    def call(self, service, action, request=None):
        if len(self.requests) == self.refused:
            self.requests.append((action, dict(request or {})))
            raise ServiceError(f"{service}.{action}", "InvalidParameterValue",
                               "Value X for parameter NextToken is invalid.", "rid-1", 400, True)
        return super().call(service, action, request)


@pytest.mark.parametrize("starting_token", ["garbage", encode_token("ListAllFulfillmentItems", Position("X", 1))])
def test_a_starting_token_the_service_refuses_is_a_bad_starting_token(starting_token):
    """The ByNextToken call takes the token alone: its refusal is the caller's token's
    (exit 252 in the CLI), not a failure of the service (254), and says which call refused."""
    with pytest.raises(StartingTokenError, match="refused by inbound.ListAllFulfillmentItemsByNextToken") as caught:
        list(paginate(Refusing([], 0), "inbound", "ListAllFulfillmentItems", starting_token=starting_token))
    assert starting_token[:20] in str(caught.value)
    assert (caught.value.operation, caught.value.request_id) == ("inbound.ListAllFulfillmentItemsByNextToken", "rid-1")


def test_a_later_page_refused_is_the_services_error_not_the_starting_tokens():
    for starting_token in (None, "T0"):
        fake = Refusing([(["A"], True, "T1")], 1)
        with pytest.raises(ServiceError) as caught:
            list(paginate(fake, "inbound", "ListAllFulfillmentItems", starting_token=starting_token))
        assert not isinstance(caught.value, PaginationError)


def test_a_token_is_refused_for_a_listing_with_other_filters():
    """A token names a place in one listing: given with other filters, the service's NextToken
    would go on with the first listing's rows (it keeps its own filters), and a cut inside a
    page would drop rows of the new listing that match those the first one gave."""
    active = {"IncludeInactive": False}
    pager = paginate(Scripted([(["A", "B"], True, "T1")]), "inbound", "ListAllFulfillmentItems", active,
                     max_items=1)
    assert skus(pager.rows()) == ["A"]
    with pytest.raises(StartingTokenError, match="other filters"):
        paginate(Scripted([]), "inbound", "ListAllFulfillmentItems", {"IncludeInactive": True},
                 starting_token=pager.resume_token)
    # The page size may change.
    resumed = paginate(Scripted([(["A", "B"], False, "")]), "inbound", "ListAllFulfillmentItems", active,
                       page_size=7, starting_token=pager.resume_token)
    assert skus(resumed.rows()) == ["B"]
    # The same filters in another order are the same; unset members are no filter.
    assert request_key({"ShipmentStatus": ["Working", "Closed"]}, "MaxCount") == \
        request_key({"ShipmentStatus": ["Closed", "Working"], "MaxCount": 3, "CreatedAfter": None}, "MaxCount")
    # A token printed before tokens named their filters is taken for any.
    old = encode_token("ListAllFulfillmentItems", Position(None, 1))
    paginate(Scripted([]), "inbound", "ListAllFulfillmentItems", {"IncludeInactive": True}, starting_token=old)


@pytest.mark.parametrize("payload", [b"not json", b'{"op": "ListAllFulfillmentItems"}',
                                     b'{"op": "ListAllFulfillmentItems", "next": 5, "skip": 0}',
                                     b'{"op": "ListAllFulfillmentItems", "next": null, "skip": -1}',
                                     b'{"op": "ListAllFulfillmentItems", "next": null, "skip": 0, "seen": 7}',
                                     b'{"op": "ListAllFulfillmentItems", "next": null, "skip": 0, "seen": "AAAA"}',
                                     b'{"op": "ListAllFulfillmentItems", "next": null, "skip": 0, "seen": "*"}'])
def test_damaged_tokens_are_refused(payload):
    token = "fws1." + base64.urlsafe_b64encode(payload).decode().rstrip("=")
    with pytest.raises(PaginationError, match="damaged"):
        paginate(Scripted([]), "inbound", "ListAllFulfillmentItems", starting_token=token)


def test_token_format_is_documented_json():
    token = encode_token("ListAllFulfillmentItems", Position("abc", 3))
    payload = token.removeprefix("fws1.")
    assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) == \
        {"op": "ListAllFulfillmentItems", "next": "abc", "skip": 3}


def test_only_list_operations_page():
    with pytest.raises(ValueError, match="not a list operation"):
        paginate(Scripted([]), "inbound", "GetServiceStatus")
    with pytest.raises(ValueError, match="not a list operation"):
        paginate(Scripted([]), "inbound", "ListAllFulfillmentItemsByNextToken")
    with pytest.raises(ValueError, match="max_items must be at least 1"):
        paginate(Scripted([]), "inbound", "ListAllFulfillmentItems", max_items=0)


def test_a_walk_collects_garbage_less_often_and_restores_the_threshold():
    import gc

    from fwscli.client.paginator import WALK_GC_THRESHOLD

    before = gc.get_threshold()
    seen = []

    class Watching(Scripted):
        def call(self, service, action, request=None):
            seen.append(gc.get_threshold()[0])
            return super().call(service, action, request)

    outer = paginate(Watching([(["A"], True, "t1"), (["B"], False, "")]), "inbound",
                     "ListAllFulfillmentItems")
    inner = paginate(Watching([(["C"], False, "")]), "inbound", "ListAllFulfillmentItems")
    walk = iter(outer)
    next(walk)
    assert [page["FulfillmentItem"] for page in inner] == [[{"MerchantSKU": "C"}]]
    assert gc.get_threshold()[0] == max(before[0], WALK_GC_THRESHOLD)  # the outer walk is on
    list(walk)
    assert seen == [max(before[0], WALK_GC_THRESHOLD)] * 3
    assert gc.get_threshold() == before
    # An abandoned walk gives the threshold back too.
    walk = iter(paginate(Scripted([(["A"], True, "t1")]), "inbound", "ListAllFulfillmentItems"))
    next(walk)
    walk.close()
    assert gc.get_threshold() == before
