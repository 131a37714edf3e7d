"""A DynamoDB table's items kept packed, one blob per partition, until first touched.

The saved world (localcloud/persistence.py) holds a table's items as one `PackedTable`:
every partition (hash key) pickled and zlib-compressed (a quarter of the size), the blobs
end to end in one bytes object, and beside them, in flat arrays rather than an object
per partition, what the restore and the queries need to know without opening one: where
each partition's blob is and how many items it holds, the table's item count by kind
(`entity`/`object`), every item that carries a TTL (its partition, its TTL, its kind),
and, per global secondary index, which partitions hold each index hash key (itself a
pickle, read at the first Query on an index). At load, moto's `Table.items` becomes a
`LazyItems`: the same mapping (hash key -> {range key -> Item}, or -> Item) whose still
packed partitions are a number (the partition's place in the PackedTable); a partition
becomes moto's `Item`s the first time moto reaches it (a GetItem, PutItem, UpdateItem,
DeleteItem, a transaction, a Query of that partition), so the server answers at once
however big the world is. A Query on an index opens only the partitions that hold the
asked index hash key; a Scan opens them all (the first time). A partition never opened
since the load is saved again by the next snapshot as the same blob, so a big, mostly
idle world's snapshot costs little.

The TTL sweep of a restore (items whose TTL passed while the cloud was down) reads the
TTL arrays: a partition whose every item expired is dropped there and then; one with
some expired items is marked, and those items are removed when it is opened, before
moto or anything else sees them; the counts leave them out at once.

Every access path moto's DynamoDB code uses is overridden (`__getitem__`, `get`, `pop`,
`setdefault`, `values`, `items`, ...); the keys, `in` and `len()` need no opening.
"""

from __future__ import annotations

import copy
import pickle
import threading
import zlib
from array import array
from collections import defaultdict
from itertools import compress
from collections.abc import Iterable
from typing import Any

_MISSING = object()
_SCOPE = threading.local()  # the LazyItems whose packed partitions a Query may skip
Meta = tuple[str | None, dict[str, str | None]]  # (TTL attribute or None, {GSI name: its hash attribute or None})


def _items_of(partition: Any) -> list[Any]:
    return list(partition.values()) if isinstance(partition, dict) else [partition]


def kind_of(item: Any) -> str:
    kind = item.attrs.get("entity") or item.attrs.get("object")
    return str(kind.value) if kind is not None and kind.type == "S" else "other"


def _ttl_of(item: Any, attr: str | None) -> float | None:
    if not attr:
        return None
    value = item.attrs.get(attr)
    if value is None or value.type != "N":
        return None
    try:
        return float(value.value)
    except (TypeError, ValueError):
        return None


def _gsi_key(item: Any, attr: str | None) -> tuple[str, Any] | None | bool:
    """The index hash key an item carries: (type, value); None if it carries none;
    False if a query cannot be matched to it by value (a number, or no single hash
    attribute): then its partition is opened for every query of that index."""
    if attr is None:
        return False
    value = item.attrs.get(attr)
    if value is None:
        return None
    if value.type in ("S", "B") and isinstance(value.value, (str, bytes)):
        return (value.type, value.value)
    return False


GSI = dict[str, tuple[dict[tuple[str, Any], array], array]]  # {index: ({index hash key: places}, places for any)}
MAX_LAYERS = 16  # a PackedTable extended this many times is made afresh (see LazyItems.__reduce_ex__)


class PackedTable:
    """A table's packed partitions (see the module docstring). Never changed once made:
    a snapshot makes a new one, reusing the blobs of the partitions never opened. Places
    whose partition was opened since (or dropped) are left dead in it (`live` is 0),
    and the partitions packed anew are added after them, until the dead outweigh the
    live: then it is made afresh."""

    __slots__ = ("keys", "data", "offsets", "counts", "ttl_pos", "ttl_val", "ttl_kind", "kind_names", "items",
                 "kinds", "gsi_blobs", "meta", "live", "_gsi", "_ttl_by_pos", "live_count")

    def __init__(self, keys: list[Any], data: Any, offsets: array, counts: array, ttl_pos: array, ttl_val: array,
                 ttl_kind: array, kind_names: list[str], items: int, kinds: dict[str, int], gsi_blobs: list[bytes],
                 meta: Meta, live: Any = None) -> None:
        self.keys = keys
        self.data = data
        self.offsets = offsets
        self.counts = counts
        self.ttl_pos, self.ttl_val, self.ttl_kind, self.kind_names = ttl_pos, ttl_val, ttl_kind, kind_names
        self.items = items  # items in the live partitions
        self.kinds = kinds  # of those, by kind
        self.gsi_blobs = gsi_blobs  # one GSI per layer (pickled)
        self.meta = meta
        self.live = bytearray(b"\x01" * len(keys)) if live is None else live  # 1 a place in use, 0 a dead one
        self.live_count = self.live.count(1)
        self._gsi: list[GSI] | None = None
        self._ttl_by_pos: dict[int, list[int]] | None = None

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        # protocol 5: the blobs out of the pickle (persistence.dumps puts them after it)
        data = pickle.PickleBuffer(self.data) if protocol >= 5 else bytes(self.data)
        return PackedTable, (self.keys, data, self.offsets, self.counts, self.ttl_pos, self.ttl_val, self.ttl_kind,
                             self.kind_names, self.items, self.kinds, self.gsi_blobs, self.meta, bytes(self.live))

    def extended(self, gone: Iterable[int], packer: _Packer, items: int, kinds: dict[str, int]) -> PackedTable:
        """This one with the places `gone` dead and `packer`'s partitions after the rest
        (packed from place len(self.keys) on); `items`/`kinds`: of the live ones kept."""
        live = bytearray(self.live)
        for p in gone:
            live[p] = 0
        live.extend(b"\x01" * len(packer.keys))
        base = self.offsets[-1]
        offsets = array("Q", self.offsets)
        offsets.extend(o + base for o in packer.offsets[1:])
        new = packer.done({})
        for name, n in kinds.items():
            new.kinds[name] = new.kinds.get(name, 0) + n
        return PackedTable(self.keys + packer.keys, b"".join([self.data, *packer.chunks]), offsets,
                           self.counts + packer.counts, self.ttl_pos + packer.ttl_pos, self.ttl_val + packer.ttl_val,
                           self.ttl_kind + packer.ttl_kind, packer.kind_names, items + packer.items,
                           {k: v for k, v in new.kinds.items() if v}, self.gsi_blobs + new.gsi_blobs, self.meta,
                           live)

    def blob(self, pos: int) -> memoryview:
        return memoryview(self.data)[self.offsets[pos]:self.offsets[pos + 1]]

    def open(self, pos: int) -> Any:
        return pickle.loads(zlib.decompress(self.blob(pos)))

    def gsi(self) -> list[GSI]:
        """Per layer: {index name: ({index hash key: places holding it}, places to open for any key)}"""
        if self._gsi is None:
            self._gsi = [pickle.loads(blob) for blob in self.gsi_blobs]
        return self._gsi

    def index_places(self, index_name: str, wanted: tuple[str, Any]) -> list[Any] | None:
        """The places that may hold this index hash key; None if the index is unknown."""
        out = []
        for layer in self.gsi():
            entry = layer.get(index_name)
            if entry is None:
                return None
            out.append(entry[0].get(wanted, ()))
            out.append(entry[1])
        return out

    def ttl_records(self, pos: int) -> list[int]:
        """The TTL records (indexes into ttl_pos/ttl_val/ttl_kind) of partition `pos`."""
        if self._ttl_by_pos is None:
            by: dict[int, list[int]] = {}
            for i, p in enumerate(self.ttl_pos):
                by.setdefault(p, []).append(i)
            self._ttl_by_pos = by
        return self._ttl_by_pos.get(pos, [])


class _Packer:
    """Builds a PackedTable: partitions added one by one, as objects or as blobs of a
    PackedTable they were loaded from."""

    def __init__(self, meta: Meta, dumps: Any, first: int = 0, kind_names: list[str] | None = None) -> None:
        self.meta = meta
        self.dumps = dumps
        self.first = first  # the place of the first partition added (after those of the PackedTable it extends)
        self.keys: list[Any] = []
        self.chunks: list[Any] = []
        self.offsets = array("Q", [0])
        self.counts = array("I")
        self.ttl_pos, self.ttl_val, self.ttl_kind = array("I"), array("d"), array("H")
        self.kind_names: list[str] = list(kind_names or [])
        self.kind_ids: dict[str, int] = {name: i for i, name in enumerate(self.kind_names)}
        self.items = 0
        self.kinds: dict[str, int] = {}
        self.gsi: dict[str, tuple[dict[tuple[str, Any], array], array]] = {
            name: ({}, array("I")) for name in meta[1]}

    def _kind_id(self, name: str) -> int:
        i = self.kind_ids.get(name)
        if i is None:
            i = self.kind_ids[name] = len(self.kind_names)
            self.kind_names.append(name)
        return i

    def _gsi_add(self, name: str, pos: int, key: tuple[str, Any] | bool | None) -> None:
        by_key, anywhere = self.gsi[name]
        if key is False:
            if not anywhere or anywhere[-1] != pos:
                anywhere.append(pos)
        elif key is not None:
            got = by_key.get(key)
            if got is None:
                by_key[key] = array("I", [pos])
            elif got[-1] != pos:
                got.append(pos)

    def _end(self, key: Any, blob: Any, count: int) -> None:
        self.keys.append(key)
        self.chunks.append(blob)
        self.offsets.append(self.offsets[-1] + len(blob))
        self.counts.append(count)
        self.items += count

    def add(self, key: Any, partition: Any) -> None:
        pos = self.first + len(self.keys)
        ttl_attr, gsis = self.meta
        items = _items_of(partition)
        for item in items:
            name = kind_of(item)
            self.kinds[name] = self.kinds.get(name, 0) + 1
            t = _ttl_of(item, ttl_attr)
            if t is not None:
                self.ttl_pos.append(pos)
                self.ttl_val.append(t)
                self.ttl_kind.append(self._kind_id(name))
            for index, attr in gsis.items():
                self._gsi_add(index, pos, _gsi_key(item, attr))
        self._end(key, zlib.compress(self.dumps(partition), 1), len(items))

    def reuse(self, key: Any, old: PackedTable, old_pos: int, gsi_of: dict[str, dict[int, Any]]) -> None:
        """A partition as it was loaded (its summary from `old`, which had the same TTL
        attribute; `gsi_of`: per index, old position -> its keys, or absent if `old`
        did not know the index)."""
        pos = len(self.keys)
        for r in old.ttl_records(old_pos):
            self.ttl_pos.append(pos)
            self.ttl_val.append(old.ttl_val[r])
            self.ttl_kind.append(self._kind_id(old.kind_names[old.ttl_kind[r]]))
        for index in self.meta[1]:
            of = gsi_of.get(index)
            if of is None:  # an index the old summary did not know: open for any of its queries
                self._gsi_add(index, pos, False)
                continue
            for k in of.get(old_pos, ()):
                self._gsi_add(index, pos, k)
        self._end(key, old.blob(old_pos), old.counts[old_pos])

    def done(self, kinds_of_reused: dict[str, int]) -> PackedTable:
        for name, n in kinds_of_reused.items():
            self.kinds[name] = self.kinds.get(name, 0) + n
        gsi_blobs = [pickle.dumps(self.gsi, protocol=pickle.HIGHEST_PROTOCOL)] if self.gsi else []
        return PackedTable(self.keys, b"".join(self.chunks), self.offsets, self.counts, self.ttl_pos, self.ttl_val,
                           self.ttl_kind, self.kind_names, self.items, {k: v for k, v in self.kinds.items() if v},
                           gsi_blobs, self.meta)


def _inverse_gsi(old: PackedTable) -> dict[str, dict[int, list[Any]]]:
    """Per index: old position -> the index keys it holds (False: open for any)."""
    out: dict[str, dict[int, list[Any]]] = {}
    for layer in old.gsi():
        for name, (by_key, anywhere) in layer.items():
            of = out.setdefault(name, {})
            for key, positions in by_key.items():
                for p in positions:
                    of.setdefault(p, []).append(key)
            for p in anywhere:
                of.setdefault(p, []).append(False)
    return out


def _rebuild(packed: PackedTable) -> LazyItems:
    patch_moto()  # whoever loads a world (the moto server, a test, the bench) gets scoped queries
    d = LazyItems()
    dict.update(d, compress(zip(packed.keys, range(len(packed.keys))), packed.live))
    d.index = packed
    d.packed = packed.live_count
    d.packed_items = packed.items
    d.packed_kinds = dict(packed.kinds)
    d.meta = packed.meta
    return d


class LazyItems(defaultdict):  # type: ignore[type-arg]
    """moto's `Table.items` (a defaultdict(dict)) whose values may still be packed: an
    int, the partition's place in `index`."""

    def __init__(self, *args: Any) -> None:
        super().__init__(dict, *args)
        self.index: PackedTable | None = None
        self.packed = 0  # partitions still packed
        self.packed_items = 0  # the items they hold (less those a TTL sweep removes when opened)
        self.packed_kinds: dict[str, int] = {}
        self.sweep: set[int] = set()  # packed partitions holding items whose TTL passed before `sweep_before`
        self.sweep_before = 0.0
        self.gone: set[int] = set()  # places of `index` no longer packed here (opened, or dropped)
        self.meta: Meta = (None, {})
        self.lock = threading.RLock()

    @classmethod
    def wrap(cls, items: dict[Any, Any]) -> LazyItems:
        d = cls()
        dict.update(d, items)
        return d

    # -- opening

    def _open(self, key: Any, value: Any) -> Any:
        if type(value) is not int:
            return value
        with self.lock:
            current = dict.get(self, key, _MISSING)
            if type(current) is not int or current != value:  # opened meanwhile
                return self[key]
            assert self.index is not None
            opened = self.index.open(value)
            if value in self.sweep:
                self.sweep.discard(value)
                opened = self._swept(opened)
            for item in _items_of(opened):
                name = kind_of(item)
                self.packed_kinds[name] = self.packed_kinds.get(name, 0) - 1
                self.packed_items -= 1
            dict.__setitem__(self, key, opened)
            self.packed -= 1
            self.gone.add(value)
            return opened

    def _swept(self, partition: Any) -> Any:
        """A partition without its items whose TTL passed before the restore (never a
        hash-only one: that was dropped whole)."""
        attr = self.index.meta[0] if self.index is not None else None
        if not isinstance(partition, dict):
            return partition
        for range_key, item in list(partition.items()):
            t = _ttl_of(item, attr)
            if t is not None and t < self.sweep_before:
                del partition[range_key]
        return partition

    def open_all(self) -> None:
        if self.packed:
            for key, value in list(dict.items(self)):
                if type(value) is int:
                    self._open(key, value)

    def open_positions(self, positions: Iterable[int]) -> int:
        """Open the partitions at these places of the PackedTable, if still packed."""
        n = 0
        if self.packed and self.index is not None:
            keys = self.index.keys
            for p in positions:
                key = keys[p]
                value = dict.get(self, key, _MISSING)
                if type(value) is int and value == p:
                    self._open(key, value)
                    n += 1
        return n

    def open_for_index(self, index_name: str, wanted: tuple[str, Any]) -> int:
        """Open the packed partitions that may hold items with this index hash key."""
        if not self.packed or self.index is None:
            return 0
        places = self.index.index_places(index_name, wanted)
        if places is None:  # an index the snapshot did not know
            before = self.packed
            self.open_all()
            return before
        return sum(self.open_positions(p) for p in places)

    def expire(self, now: float, attr: str) -> int | None:
        """The restore's TTL sweep of the packed partitions: items whose TTL (`attr`)
        passed before `now` are gone; their partition is dropped if they were all it
        held, else they are removed when it is opened. Counts them, opening nothing.
        None if the packed summaries are of another TTL attribute."""
        index = self.index
        if index is None or not self.packed:
            return 0
        if index.meta[0] != attr:
            return None
        expired: dict[int, list[int]] = {}
        for i, t in enumerate(index.ttl_val):
            if t < now:
                expired.setdefault(index.ttl_pos[i], []).append(i)
        removed = 0
        with self.lock:
            for pos, records in expired.items():
                key = index.keys[pos]
                current = dict.get(self, key, _MISSING)
                if type(current) is not int or current != pos or pos in self.sweep:
                    continue  # opened since the load: the caller sweeps the opened ones
                for r in records:
                    name = index.kind_names[index.ttl_kind[r]]
                    self.packed_kinds[name] = self.packed_kinds.get(name, 0) - 1
                self.packed_items -= len(records)
                removed += len(records)
                if len(records) >= index.counts[pos]:
                    dict.__delitem__(self, key)  # nothing left in it
                    self.packed -= 1
                    self.gone.add(pos)
                else:
                    self.sweep.add(pos)
            self.sweep_before = now
        return removed

    def opened_values(self) -> list[Any]:
        return [v for v in dict.values(self) if type(v) is not int]

    def packed_keys(self) -> list[Any]:
        return [k for k, v in dict.items(self) if type(v) is int]

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
        old = dict.get(self, key, None)
        if type(old) is int:
            self._open(key, old)  # its counts leave the packed ones
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        old = dict.get(self, key, None)
        if type(old) is int:
            self._open(key, old)
        dict.__delitem__(self, key)

    def pop(self, key: Any, *default: Any) -> Any:
        value = dict.get(self, key, _MISSING)
        if type(value) is int:
            self._open(key, value)
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[Any, Any]:
        key, value = dict.popitem(self)
        if type(value) is int:
            dict.__setitem__(self, key, value)
            self._open(key, value)
            value = dict.pop(self, key)
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
        self.index = None
        self.packed = self.packed_items = 0
        self.packed_kinds = {}
        self.sweep, self.gone = set(), set()

    def values(self) -> Any:  # type: ignore[override]
        if self.packed:
            if self._scoped():
                return self.opened_values()
            self.open_all()
        return dict.values(self)

    def items(self) -> Any:  # type: ignore[override]
        if self.packed:
            if self._scoped():
                return [(k, v) for k, v in dict.items(self) if type(v) is not int]
            self.open_all()
        return dict.items(self)

    def _same_packed(self, d: LazyItems) -> LazyItems:
        d.index, d.packed, d.packed_items, d.meta = self.index, self.packed, self.packed_items, self.meta
        d.packed_kinds, d.sweep, d.sweep_before = dict(self.packed_kinds), set(self.sweep), self.sweep_before
        d.gone = set(self.gone)
        return d

    def copy(self) -> LazyItems:
        return self._same_packed(LazyItems.wrap(self))  # dict.update: the packed places themselves

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyItems:
        d = LazyItems()
        for key, value in dict.items(self):
            dict.__setitem__(d, copy.deepcopy(key, memo), value if type(value) is int else copy.deepcopy(value, memo))
        return self._same_packed(d)

    def __eq__(self, other: object) -> bool:
        self.open_all()
        if isinstance(other, LazyItems):
            other.open_all()
        return dict.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    # -- what the restore and `make run` need, without opening

    def item_count(self, has_range_key: bool) -> int:
        n = self.packed_items
        if len(self) != self.packed:
            for value in dict.values(self):
                if type(value) is not int:
                    n += len(value) if has_range_key else 1
        return n

    def kind_counts(self) -> dict[str, int]:
        out = {k: v for k, v in self.packed_kinds.items() if v}
        if len(self) != self.packed:
            for value in dict.values(self):
                if type(value) is not int:
                    for item in _items_of(value):
                        name = kind_of(item)
                        out[name] = out.get(name, 0) + 1
        return out

    # -- the snapshot

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """The PackedTable of this table as it is now: the one it was loaded with, if
        nothing was opened; else that one extended with the partitions opened or added
        since (the opened ones' old places dead), if the dead do not outweigh the live;
        else one made afresh (the blobs of the partitions never opened reused)."""
        from localcloud.persistence import partition_dumps

        old = self.index
        if self.sweep:  # their expired items are gone only once opened: open them now
            self.open_positions(sorted(self.sweep))
        if old is not None and self.packed and old.meta[0] != self.meta[0]:
            self.open_all()  # another TTL attribute: every summary made again
        if old is not None and self.packed and old.meta == self.meta:
            unpacked = [(k, v) for k, v in dict.items(self) if type(v) is not int] if len(self) != self.packed else []
            if not unpacked and not self.gone:
                return _rebuild, (old,)  # never touched since the load: saved as it was loaded
            dead = len(old.keys) - old.live_count + len(self.gone)
            if dead <= self.packed and len(old.gsi_blobs) < MAX_LAYERS:
                packer = _Packer(self.meta, partition_dumps(), len(old.keys), old.kind_names)
                for key, value in unpacked:
                    packer.add(key, value)
                return _rebuild, (old.extended(self.gone, packer, self.packed_items, self.packed_kinds),)
        packer = _Packer(self.meta, partition_dumps())
        gsi_of = _inverse_gsi(old) if old is not None and self.packed else {}
        for key, value in dict.items(self):
            if type(value) is int:
                packer.reuse(key, old, value, gsi_of)  # type: ignore[arg-type]
            else:
                packer.add(key, value)
        return _rebuild, (packer.done(self.packed_kinds if self.packed else {}),)


def table_meta(table: Any) -> Meta:
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
            items.open_for_index(index_name, (value.type, value.value))
            return True
        return False
    except Exception:  # noqa: BLE001 - a malformed key: moto answers it as it always did
        return False


def patch_moto() -> None:
    """Queries open only the partitions they can match; a table's length counts the
    packed items without opening them. At moto's backend (DynamoDBBackend.query), whose
    signature no other patch of ours changes, around Table.query (which the speed-up
    partition_scoped_queries wraps). And a string or binary key's hash without moto's
    `cast_value` walk (the same value: cast_value is the value itself for S and B): a
    restore hashes every partition key of the world (0.9 of its 1.3 s for 10,000
    resources before)."""
    global _PATCHED
    if _PATCHED:
        return
    _PATCHED = True
    import inspect

    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original_hash = DynamoType.__hash__

    def dynamo_hash(self: Any) -> int:
        kind = self.type
        if kind == "S" or kind == "B":
            return hash((kind, self.value))  # == hash((self.type, self.cast_value))
        return original_hash(self)

    DynamoType.__hash__ = dynamo_hash  # type: ignore[method-assign]

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
