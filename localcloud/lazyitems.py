"""A DynamoDB table's items kept packed, one blob per partition, until first touched.

The saved world (localcloud/persistence.py) holds a table's items as one pickled blob
per partition (hash key, zlib-compressed: a quarter of the size), with what the restore and the queries need to know without
opening it: how many items, how many of each kind (`entity`/`object`), the earliest TTL,
and, per global secondary index, the index hash keys its items carry. At load, moto's
`Table.items` becomes a `LazyItems`: the same mapping (hash key -> {range key -> Item},
or -> Item), whose packed partitions become moto's `Item`s the first time moto reaches
them (a GetItem, PutItem, UpdateItem, DeleteItem, a transaction, a Query of that
partition), so the server answers at once however big the world is. A Query on an index
opens only the partitions whose summary holds the asked index hash key; a Scan opens
them all (the first time). A partition never opened since the load is saved again by
the next snapshot as the same blob, so a big, mostly idle world's snapshot costs little.

Every access path moto's DynamoDB code uses is overridden (`__getitem__`, `get`, `pop`,
`setdefault`, `values`, `items`, ...); the keys, `in` and `len()` need no opening.
"""

from __future__ import annotations

import copy
import pickle
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

_MISSING = object()
_SCOPE = threading.local()  # the LazyItems whose packed partitions a Query may skip


class Packed:
    """One partition, pickled, with its summary."""

    __slots__ = ("blob", "count", "kinds", "ttl_attr", "min_ttl", "gsi")

    def __init__(self, blob: bytes, count: int, kinds: dict[str, int], ttl_attr: str | None,
                 min_ttl: float | None, gsi: dict[str, frozenset[tuple[str, Any]] | None]) -> None:
        self.blob = blob
        self.count = count
        self.kinds = kinds
        self.ttl_attr = ttl_attr
        self.min_ttl = min_ttl
        self.gsi = gsi

    def __reduce__(self) -> tuple[Any, ...]:
        return Packed, (self.blob, self.count, self.kinds, self.ttl_attr, self.min_ttl, self.gsi)

    def open(self) -> Any:
        return pickle.loads(zlib.decompress(self.blob))

    def may_hold(self, index_name: str, value: tuple[str, Any]) -> bool:
        keys = self.gsi.get(index_name, None)
        return keys is None or value in keys


def _items_of(partition: Any) -> list[Any]:
    return list(partition.values()) if isinstance(partition, dict) else [partition]


def kind_of(item: Any) -> str:
    kind = item.attrs.get("entity") or item.attrs.get("object")
    return str(kind.value) if kind is not None and kind.type == "S" else "other"


def pack(partition: Any, meta: tuple[str | None, dict[str, str | None]], dumps: Any) -> Packed:
    """`meta`: (the table's TTL attribute or None, {GSI name: its hash attribute, or None
    if it has several})."""
    ttl_attr, gsis = meta
    items = _items_of(partition)
    kinds: dict[str, int] = {}
    min_ttl: float | None = None
    gsi: dict[str, set[tuple[str, Any]] | None] = {name: set() for name in gsis}
    for item in items:
        attrs = item.attrs
        name = kind_of(item)
        kinds[name] = kinds.get(name, 0) + 1
        if ttl_attr:
            value = attrs.get(ttl_attr)
            if value is not None and value.type == "N":
                try:
                    t = float(value.value)
                except (TypeError, ValueError):
                    t = None
                if t is not None and (min_ttl is None or t < min_ttl):
                    min_ttl = t
        for index, attr in gsis.items():
            keys = gsi[index]
            if keys is None:
                continue
            if attr is None:
                gsi[index] = None
                continue
            value = attrs.get(attr)
            if value is None:
                continue
            if value.type in ("S", "B") and isinstance(value.value, (str, bytes)):
                keys.add((value.type, value.value))
            else:
                gsi[index] = None  # a number compares by value: open it for every query of this index
    return Packed(zlib.compress(dumps(partition), 1), len(items), kinds, ttl_attr, min_ttl,
                  {k: (None if v is None else frozenset(v)) for k, v in gsi.items()})


def _rebuild(keys: list[Any], packs: list[Packed], meta: Any) -> LazyItems:
    patch_moto()  # whoever loads a world (the moto server, a test, the bench) gets scoped queries
    d = LazyItems()
    dict.update(d, zip(keys, packs))
    d.packed = len(packs)
    d.meta = meta
    return d


class LazyItems(defaultdict):  # type: ignore[type-arg]
    """moto's `Table.items` (a defaultdict(dict)) whose values may still be packed."""

    def __init__(self, *args: Any) -> None:
        super().__init__(dict, *args)
        self.packed = 0
        self.meta: tuple[str | None, dict[str, str | None]] = (None, {})
        self.lock = threading.RLock()

    @classmethod
    def wrap(cls, items: dict[Any, Any]) -> LazyItems:
        d = cls()
        dict.update(d, items)
        return d

    # -- opening

    def _open(self, key: Any, value: Any) -> Any:
        if not isinstance(value, Packed):
            return value
        with self.lock:
            current = dict.get(self, key, _MISSING)
            if current is not value:  # opened meanwhile
                return self[key]
            opened = value.open()
            dict.__setitem__(self, key, opened)
            self.packed -= 1
            return opened

    def open_all(self) -> None:
        if self.packed:
            for key, value in list(dict.items(self)):
                if isinstance(value, Packed):
                    self._open(key, value)

    def open_where(self, predicate: Any) -> int:
        """Open the packed partitions whose Packed `predicate` holds; how many."""
        n = 0
        if self.packed:
            for key, value in list(dict.items(self)):
                if isinstance(value, Packed) and predicate(value):
                    self._open(key, value)
                    n += 1
        return n

    def opened_values(self) -> list[Any]:
        return [v for v in dict.values(self) if not isinstance(v, Packed)]

    def _scoped(self) -> bool:
        return getattr(_SCOPE, "items", None) is self

    class _Scope:
        def __init__(self, items: LazyItems) -> None:
            self.items = items

        def __enter__(self) -> None:
            self.before = getattr(_SCOPE, "items", None)
            _SCOPE.items = self.items

        def __exit__(self, *exc: Any) -> None:
            _SCOPE.items = self.before

    def scope(self) -> LazyItems._Scope:
        """Within it, values()/items() leave out the partitions still packed (a Query that
        opened every partition it can match)."""
        return LazyItems._Scope(self)

    # -- the mapping

    def __getitem__(self, key: Any) -> Any:
        return self._open(key, dict.__getitem__(self, key))  # a missing key: defaultdict's __missing__

    def get(self, key: Any, default: Any = None) -> Any:
        value = dict.get(self, key, _MISSING)
        return default if value is _MISSING else self._open(key, value)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(dict.get(self, key, None), Packed):
            self.packed -= 1
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        if isinstance(dict.get(self, key, None), Packed):
            self.packed -= 1
        dict.__delitem__(self, key)

    def pop(self, key: Any, *default: Any) -> Any:
        value = dict.pop(self, key, *default)
        if isinstance(value, Packed):
            self.packed -= 1
            return value.open()
        return value

    def popitem(self) -> tuple[Any, Any]:
        key, value = dict.popitem(self)
        if isinstance(value, Packed):
            self.packed -= 1
            value = value.open()
        return key, value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        dict.__setitem__(self, key, default)
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        dict.clear(self)
        self.packed = 0

    def values(self) -> Any:  # type: ignore[override]
        if self.packed:
            if self._scoped():
                return self.opened_values()
            self.open_all()
        return dict.values(self)

    def items(self) -> Any:  # type: ignore[override]
        if self.packed:
            if self._scoped():
                return [(k, v) for k, v in dict.items(self) if not isinstance(v, Packed)]
            self.open_all()
        return dict.items(self)

    def copy(self) -> LazyItems:
        d = LazyItems.wrap(self)  # dict.update: the Packed values themselves, shared (never changed)
        d.packed, d.meta = self.packed, self.meta
        return d

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyItems:
        d = LazyItems()
        for key, value in dict.items(self):
            dict.__setitem__(d, copy.deepcopy(key, memo), value if isinstance(value, Packed) else copy.deepcopy(value, memo))
        d.packed, d.meta = self.packed, self.meta
        return d

    def __eq__(self, other: object) -> bool:
        self.open_all()
        if isinstance(other, LazyItems):
            other.open_all()
        return dict.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    # -- what the restore and `make run` need, without opening

    def item_count(self, has_range_key: bool) -> int:
        n = 0
        for value in dict.values(self):
            if isinstance(value, Packed):
                n += value.count
            else:
                n += len(value) if has_range_key else 1
        return n

    def kind_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for value in dict.values(self):
            if isinstance(value, Packed):
                for name, n in value.kinds.items():
                    out[name] = out.get(name, 0) + n
            else:
                for item in _items_of(value):
                    name = kind_of(item)
                    out[name] = out.get(name, 0) + 1
        return out

    # -- the snapshot

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        from localcloud.persistence import partition_dumps

        dumps = partition_dumps()
        keys, packs = [], []
        for key, value in dict.items(self):
            keys.append(key)
            packs.append(value if isinstance(value, Packed) else pack(value, self.meta, dumps))
        return _rebuild, (keys, packs, self.meta)


def table_meta(table: Any) -> tuple[str | None, dict[str, str | None]]:
    ttl = getattr(table, "ttl", None) or {}
    ttl_attr = ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None
    gsis: dict[str, str | None] = {}
    for index in getattr(table, "global_indexes", None) or []:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        gsis[index.name] = hashes[0] if len(hashes) == 1 else None
    return ttl_attr, gsis


def prepare(table: Any) -> None:
    """Before a snapshot: the table's items as a LazyItems, with the table's current
    TTL attribute and indexes for the summaries."""
    if not isinstance(table.items, LazyItems):
        table.items = LazyItems.wrap(table.items)
    table.items.meta = table_meta(table)


# ------------------------------------------------------------------ moto's side

_PATCHED = False


def _hash_condition(index: Any, hash_key: Any, conditions: Iterable[Any] | None) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    if len(hashes) != 1:
        return None
    for name, value in conditions or []:
        if name == hashes[0]:
            return DynamoType(value)
    return DynamoType(hash_key) if hash_key else None


def _open_for_query(table: Any, items: LazyItems, arguments: dict[str, Any]) -> bool:
    """Open the partitions a Query can match; False if it cannot tell (then moto opens
    them all)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    index_name = arguments.get("index_name")
    hash_key = arguments.get("hash_key_dict")
    conditions = arguments.get("hash_key_conditions") or (arguments.get("filter_kwargs") or {}).get(
        "hash_key_conditions")
    try:
        if not index_name:
            if not hash_key:
                return False
            items.get(DynamoType(hash_key))  # opens that partition, if packed
            return True
        index = next((i for i in table.all_indexes() if i.name == index_name), None)
        value = None if index is None else _hash_condition(index, hash_key, conditions)
        if value is None:
            return False
        if index in (table.indexes or []):  # a local index: the table's own partition
            items.get(value)
            return True
        if value.type in ("S", "B") and isinstance(value.value, (str, bytes)):
            wanted = (value.type, value.value)
            items.open_where(lambda p: p.may_hold(index_name, wanted))
            return True
        return False
    except Exception:  # noqa: BLE001 - a malformed key: moto answers it as it always did
        return False


def patch_moto() -> None:
    """Queries open only the partitions they can match; a table's length counts the
    packed items without opening them. At moto's backend (DynamoDBBackend.query), whose
    signature no other patch of ours changes, around Table.query (which the speed-up
    partition_scoped_queries wraps)."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True
    import inspect

    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original_query = DynamoDBBackend.query
    signature = inspect.signature(original_query)
    knows = {"table_name", "hash_key_dict", "index_name"} <= set(signature.parameters)
    original_len = Table.__len__

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not knows:  # another moto: every partition is opened, as moto walks them all
            return original_query(self, *args, **kwargs)
        try:
            arguments = signature.bind(self, *args, **kwargs).arguments
        except TypeError:
            return original_query(self, *args, **kwargs)
        table = self.tables.get(arguments["table_name"])
        items = getattr(table, "items", None)
        if not isinstance(items, LazyItems) or not items.packed:
            return original_query(self, *args, **kwargs)
        if not _open_for_query(table, items, arguments):
            return original_query(self, *args, **kwargs)  # moto walks (and opens) every partition
        with items.scope():
            return original_query(self, *args, **kwargs)

    def length(self: Any) -> int:
        if isinstance(self.items, LazyItems):
            return self.items.item_count(bool(self.range_key_attr))
        return original_len(self)

    DynamoDBBackend.query = query  # type: ignore[method-assign]
    Table.__len__ = length  # type: ignore[method-assign]

