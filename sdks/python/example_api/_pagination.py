"""A page of a list, and auto-pagination over the cursors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from ._base import ApiObject, ApiResponse

T = TypeVar("T", bound=ApiObject)


class ListObject(Generic[T]):
    """One page: `data`, `has_more`, and `auto_paging_iter()` for every item of every page.

    Pages are fetched with the same filters (`created`, `status`, `type`, `expand`,
    `limit`...). A list started with `ending_before` walks backward (toward newer objects,
    each page's items yielded oldest first); otherwise forward with `starting_after`
    (newest first, the API's order)."""

    def __init__(
        self,
        data: list[T],
        has_more: bool,
        raw: dict[str, Any],
        response: ApiResponse | None,
        fetch: Callable[[dict[str, Any]], ListObject[T]],
        params: dict[str, Any],
    ) -> None:
        self.data = data
        self.has_more = has_more
        self.url: str | None = raw.get("url")
        self.total_count: int | None = raw.get("total_count")
        self.last_response = response
        self._raw = raw
        self._fetch = fetch
        self._params = params

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def to_dict(self) -> dict[str, Any]:
        return dict(self._raw)

    @property
    def backward(self) -> bool:
        return self._params.get("ending_before") is not None

    def next_page(self) -> ListObject[T] | None:
        """The page after this one in the walk's direction, or None at the end."""
        if not self.has_more or not self.data:
            return None
        params = dict(self._params)
        if self.backward:
            params.pop("starting_after", None)
            params["ending_before"] = self.data[0]["id"]  # the newest of this page
        else:
            params.pop("ending_before", None)
            params["starting_after"] = self.data[-1]["id"]
        return self._fetch(params)

    def auto_paging_iter(self) -> Iterator[T]:
        page: ListObject[T] | None = self
        while page is not None:
            yield from (reversed(page.data) if page.backward else page.data)
            page = page.next_page()
