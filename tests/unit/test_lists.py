"""core/lists.py in-process: the sort-key range of a created filter and a cursor, and
one page of a partition (every list endpoint pages through these).

The end-to-end pagination tests run the same code in the local cloud's processes; these
run it in the test's own, where `make mutate` can change it (docs/reliability.md)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from resource_api.core import db, ids, lists
from resource_api.core.errors import ApiError

P = "res"
LOWEST, HIGHEST = ids.ALPHABET[0] * ids.RANDOM_CHARS, ids.ALPHABET[-1] * ids.RANDOM_CHARS


@dataclass
class Created:
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


def at(ms: int, rand: str = "m" * ids.RANDOM_CHARS) -> str:
    return f"{P}_{ids.time_part(ms)}{rand}"


def inside(value: str, rng: tuple[str, str]) -> bool:
    return rng[0] <= value <= rng[1]


def test_step_gives_the_neighbouring_id_with_carries():
    assert lists.step("res_0001", +1) == "res_0002"
    assert lists.step("res_0002", -1) == "res_0001"
    assert lists.step("res_000z", +1) == "res_0010"  # z + 1 carries
    assert lists.step("res_0010", -1) == "res_000z"  # 0 - 1 borrows
    assert lists.step("res_0zzz", +1) == "res_1000"
    assert lists.step("res_1000", -1) == "res_0zzz"
    for value in (at(1_700_000_000_123), at(5, LOWEST), at(2**40, HIGHEST)):
        before, after = lists.step(value, -1), lists.step(value, +1)
        assert before < value < after
        assert lists.step(before, +1) == value and lists.step(after, -1) == value
        assert len(before) == len(after) == len(value)


def test_no_filter_spans_every_id_of_the_prefix_and_no_other():
    rng = lists.bounds(P)
    assert inside(at(0, LOWEST), rng) and inside(at(2**50 - 1, HIGHEST), rng)
    assert not inside("req_" + ids.time_part(10) + "m" * ids.RANDOM_CHARS, rng)
    assert not inside("rez_" + ids.time_part(10) + "m" * ids.RANDOM_CHARS, rng)


@pytest.mark.parametrize(
    ("created", "first_in", "last_in"),
    [
        (Created(gte=1000), 1000 * 1000, None),
        (Created(gt=1000), 1001 * 1000, None),
        (Created(lte=1000), None, 1000 * 1000 + 999),
        (Created(lt=1000), None, 999 * 1000 + 999),
        (Created(gte=1000, lte=1000), 1000 * 1000, 1000 * 1000 + 999),
        (Created(gt=999, lt=1001), 1000 * 1000, 1000 * 1000 + 999),
        (Created(gte=900, gt=1000), 1001 * 1000, None),  # the narrower of two starts
        (Created(lte=1100, lt=1000), None, 999 * 1000 + 999),  # the narrower of two ends
    ],
)
def test_created_filters_cut_at_whole_seconds_inclusive_or_not(created, first_in, last_in):
    rng = lists.bounds(P, created)
    if first_in is not None:
        assert inside(at(first_in, LOWEST), rng), "the first millisecond in is listed"
        assert inside(at(first_in, HIGHEST), rng)
        assert not inside(at(first_in - 1, HIGHEST), rng), "the last millisecond before is not"
    if last_in is not None:
        assert inside(at(last_in, HIGHEST), rng), "the last millisecond in is listed"
        assert inside(at(last_in, LOWEST), rng)
        assert not inside(at(last_in + 1, LOWEST), rng), "the first millisecond after is not"


def test_a_created_range_that_ends_before_it_starts_is_empty():
    low, high = lists.bounds(P, Created(gte=2000, lte=1000))
    assert low > high


def test_a_cursor_excludes_its_own_object_and_keeps_its_neighbours():
    cursor = at(1_000_000)
    low, high = lists.bounds(P, starting_after=cursor)
    assert high == lists.step(cursor, -1) and not inside(cursor, (low, high))
    assert inside(lists.step(cursor, -1), (low, high))
    low, high = lists.bounds(P, ending_before=cursor)
    assert low == lists.step(cursor, +1) and not inside(cursor, (low, high))
    assert inside(lists.step(cursor, +1), (low, high))
    # with a created filter, the narrower bound wins on each side
    low, high = lists.bounds(P, Created(gte=999, lte=1001), starting_after=cursor)
    assert (low, high) == (ids.lower_bound(P, 999), lists.step(cursor, -1))
    low, high = lists.bounds(P, Created(gte=999, lte=1001), ending_before=cursor)
    assert low == lists.step(cursor, +1) and not inside(at(1002 * 1000, LOWEST), (low, high))


def test_starting_after_and_ending_before_together_are_refused_naming_ending_before():
    with pytest.raises(ApiError) as err:
        lists.bounds(P, starting_after=at(1), ending_before=at(2))
    assert err.value.code == "parameters_exclusive" and err.value.param == "ending_before"


def test_the_retention_floor_drops_what_was_created_before_it():
    rng = lists.bounds(P, not_before_s=500)
    assert inside(at(500 * 1000, LOWEST), rng) and not inside(at(500 * 1000 - 1, HIGHEST), rng)
    rng = lists.bounds(P, Created(gte=100), not_before_s=500)  # the later of the two
    assert not inside(at(499 * 1000), rng)
    rng = lists.bounds(P, Created(gte=600), not_before_s=500)
    assert not inside(at(550 * 1000), rng) and inside(at(600 * 1000), rng)


# --- pages of a real partition (in-process moto) ------------------------------------------


PART = "acct_lists#test#RES"


@pytest.fixture
def seven(aws):
    made = [at(1_000_000 + i * 1000) for i in range(7)]
    for value in made:
        db.client().put_item(TableName=db.table(), Item=db.to_item({"pk": PART, "sk": value, "n": made.index(value)}))
    db.client().put_item(TableName=db.table(), Item=db.to_item({"pk": "acct_other#test#RES", "sk": at(1_000_500)}))
    return made


def _page(limit: int, **cursor: str | None) -> tuple[list[str], bool]:
    low, high = lists.bounds(P, **cursor)
    items, more = lists.page(lists.partition_query(PART), low=low, high=high, limit=limit,
                             ending_before=cursor.get("ending_before"))
    return [i["sk"] for i in items], more


def test_pages_walk_newest_first_to_the_end_each_object_once(seven):
    seen, cursor, pages = [], None, 0
    while True:
        got, more = _page(3, starting_after=cursor)
        pages += 1
        assert got == sorted(got, reverse=True)
        seen += got
        if not more:
            break
        cursor = got[-1]
    assert seen == sorted(seven, reverse=True) and pages == 3  # 3 + 3 + 1


def test_has_more_is_false_when_the_page_takes_exactly_what_is_left(seven):
    got, more = _page(7)
    assert len(got) == 7 and not more
    got, more = _page(6)
    assert len(got) == 6 and more


def test_ending_before_walks_back_toward_newer_objects_newest_first_on_each_page(seven):
    oldest = min(seven)
    got, more = _page(2, ending_before=oldest)
    assert got == sorted(seven)[1:3][::-1] and more  # the two just after it, newest first
    got, more = _page(10, ending_before=got[0])
    assert got == sorted(seven)[3:][::-1] and not more


def test_an_empty_range_answers_no_page_without_asking_the_table():
    def query(*_):
        raise AssertionError("an empty range must not query")

    assert lists.page(query, low="res_1", high="res_0", limit=10, ending_before=None) == ([], False)
    assert lists.page(lambda *a: [{"sk": "x"}], low="res_1", high="res_1", limit=10, ending_before=None) == (
        [{"sk": "x"}], False)


def test_a_page_is_one_strongly_consistent_query_of_one_item_more_than_it_shows(seven):
    """What moto cannot show: DynamoDB's default read may miss a write of the last
    second (a list right after a create must show it), and each item read is paid for."""
    sent: list[dict] = []
    events = db.client().meta.events
    hook = lambda params, **_: sent.append(dict(params))  # noqa: E731
    events.register("provide-client-params.dynamodb.Query", hook)
    try:
        got, more = _page(3)
    finally:
        events.unregister("provide-client-params.dynamodb.Query", hook)
    assert len(got) == 3 and more
    assert len(sent) == 1
    assert sent[0]["ConsistentRead"] is True and sent[0]["Limit"] == 4
