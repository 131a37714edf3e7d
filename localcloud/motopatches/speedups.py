"""Speed-ups for the local moto server (localcloud/motoserver.py): none of them changes
what any request answers. Each is a cache of something moto recomputes on every request,
or a shorter route to the same bytes, written against the internals of the moto version
pinned in requirements-dev.txt; they apply on that version only (registry.py), and
tests/localcloud/test_motopatches.py checks, one speed-up at a time, that moto answers
the same with it as without.

Measured before (docs/performance.md, "Local throughput"): the moto server spent 50 to
150 ms of CPU per API request. Most of it went to

- Step Functions (every create starts a provisioning execution): parsing the state
  machine's ASL with ANTLR and building its evaluation components at every execution
  start, building a jsonpath_ng parser
  (PLY's yacc tables, rebuilt each time) for every JSONPath the execution evaluates,
  and a new boto3 client (and connection) for every SDK task;
- DynamoDB responses: moto's model-driven serializer looks every member of every
  AttributeValue up through six alias providers (about ten lookups per attribute), so
  an item's cost grew with its attributes;
- per-request bookkeeping: the backend of a request found by listing moto's package
  directory (about 150 stat calls, twice per request), and the handler's method names
  found with inspect.getmembers, on every request.

Each function here is registered (in the order they apply) with what it patches; a
function only patches, the registry decides whether it runs.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from enum import Enum
from typing import Any

from . import registry
from .registry import speedup


# --- per-request bookkeeping ---------------------------------------------------------


@speedup("moto.backends:list_of_moto_modules", session="server")
def cache_moto_module_list() -> None:
    """moto.backends.list_of_moto_modules() lists moto's package directory (os.listdir
    plus an isdir per entry) each time it is asked; the dispatcher asks twice per
    request. The installed package does not change while the server runs."""
    import moto.backends as backends

    original = backends.list_of_moto_modules
    modules = tuple(original())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    backends.list_of_moto_modules = list_of_moto_modules  # type: ignore[assignment]


@speedup("moto.core.responses:method_names_from_class", session="dynamodb")
def cache_handler_method_names() -> None:
    """BaseResponse.call_action runs inspect.getmembers over the handler class on every
    request to see whether the action is one of its methods. Classes do not grow
    methods while the server runs; the answer is kept per class."""
    import moto.core.responses as responses

    original = responses.method_names_from_class
    cached = functools.lru_cache(maxsize=None)(original)

    def method_names_from_class(clazz: object) -> list[str]:
        return cached(clazz)

    responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]


@speedup(
    "moto.moto_api._internal.moto_random:MotoRandom.get_random_string",
    "random:Random._randbelow_with_getrandbits",
    session="dynamodb",
)
def cheaper_random_strings() -> None:
    """Every response carries a request id of 52 random letters and digits
    (gen_amzn_requestid_long), drawn by MotoRandom.get_random_string with one
    Random.choice per character, each a method call, a length, a _randbelow and its
    rejection loop. Here the same draws are made in one loop: for a pool of n characters
    getrandbits(n.bit_length()) again until it is below n, which is exactly what
    Random.choice does (Random._randbelow_with_getrandbits, the method of any Random
    whose getrandbits is its own), so the generator's state moves the same way and a
    seeded moto (`/moto-api/seed`) draws the same ids. Falls back to moto's method if
    MotoRandom ever gets another _randbelow."""
    import random as random_module
    import string

    from moto.moto_api._internal.moto_random import MotoRandom

    original = MotoRandom.get_random_string
    with_digits = string.ascii_letters + string.digits

    def get_random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        if type(self)._randbelow is not random_module.Random._randbelow_with_getrandbits or type(length) is not int:
            return original(self, length, include_digits, lower_case)
        pool = with_digits if include_digits else string.ascii_letters
        n = len(pool)
        k = n.bit_length()
        draw = self.getrandbits
        chars = []
        for _ in range(length):
            r = draw(k)
            while r >= n:
                r = draw(k)
            chars.append(pool[r])
        random_str = "".join(chars)
        return random_str.lower() if lower_case else random_str

    MotoRandom.get_random_string = get_random_string  # type: ignore[method-assign]


@speedup(
    "moto.moto_server.werkzeug_app:DomainDispatcherApplication.get_application",
    "moto.moto_server.werkzeug_app:BackendRequest",
    "moto.core.utils:convert_to_flask_response",
    "moto.core.request:normalize_request",
    "moto.moto_api:recorder._record_request",
    "flask:Response",
    session="server",
)
def direct_dynamodb_route() -> None:
    """DynamoDB requests go straight to moto's handler (motoserver.direct_view), not
    through the dispatcher's service inference and Flask (request context, URL routing,
    after-request hooks), whose outcome for these requests is always the same view and
    one CORS header. Nothing to patch: motoserver.Serialized takes that route when this
    is applied."""


@speedup(
    "moto.core.responses:BaseResponse.setup_class",
    "moto.core.responses:BaseResponse.parse_parameters",
    "moto.core.responses:BaseResponse.get_region_from_url",
    "moto.core.responses:BaseResponse.get_current_account",
    "moto.core.responses:_decode_dict",
    "moto.core.responses:get_service_model",
    "moto.core.responses:PROTOCOL_PARSERS",
    "moto.core.responses:http_date",
    "moto.core.responses:utcnow",
    "moto.core.parse:JSONParser",
    "moto.core.request:determine_request_protocol",
    "moto.iam.models:mark_account_as_visited",
    "moto.moto_api:recorder._user_enabled",
    "moto.utilities.utils:get_partition",
    "werkzeug.datastructures:ImmutableMultiDict",
    session="wire",
)
def lean_json_requests() -> None:
    """DynamoDB's, SQS's and Step Functions' JSON requests are set up for moto's handler
    with less machinery (motoserver.lean_json_view): no form parsing of a JSON body, the
    URL and path kept per host and path instead of rebuilt through werkzeug, no header
    dict unless moto reads it, the body parsed by moto's own JSON request parser; the
    same attributes, the same values, moto's own code for everything that decides an
    answer. Nothing to patch: motoserver.Serialized takes that route when this is
    applied (and the direct route is)."""


@speedup(
    "moto.moto_server.werkzeug_app:MotoRequestHandler",
    "werkzeug.serving:WSGIRequestHandler.make_environ",
    "werkzeug.debug.tbtools:DebugTraceback",
    "http.server:BaseHTTPRequestHandler.flush_headers",
    session="server",
)
def keep_alive_connections() -> None:
    """HTTP/1.1 keep-alive (motoserver.KeepAliveRequestHandler): werkzeug's dev server
    answers every request with `Connection: close`, so each AWS call of the local cloud
    cost a TCP connect, a server thread and a new urllib3 connection. Nothing to patch:
    motoserver.main serves with that handler when this is applied."""


# --- DynamoDB responses ----------------------------------------------------------------

_SERVICES_WITH_ATTRIBUTE_VALUES = frozenset({"dynamodb", "dynamodbstreams"})


def _string(value: Any) -> Any:
    # moto's JSON serializer for a string shape: Enum -> its value; str() unless empty-ish
    if isinstance(value, Enum):
        value = value.value
    return str(value) if value not in [None, {}, []] else value


@speedup(
    "moto.core.serialize:BaseJSONSerializer._serialize_type_structure",
    "moto.core.serialize:BaseJSONSerializer._serialize_type_map",
    "moto.core.serialize:BaseJSONSerializer._base64",
    "moto.core.serialize:BaseJSONSerializer.get_serialized_name",
    session="dynamodb",
)
def fast_attribute_value_serializer() -> None:
    """Serialize DynamoDB's AttributeValue structures directly.

    moto's JSON serializer walks the botocore shape of an AttributeValue for every
    attribute of every item: for each of its ten members (S, N, B, SS, NS, BS, M, L,
    NULL, BOOL) it asks six alias providers where the value might be, so a 20-attribute
    item cost about 200 lookups. An AttributeValue in a response is a dict with exactly
    one of those keys, so this writes that one member as moto's own type serializers
    would (strings via str(), blobs base64-encoded by moto's own helper, booleans as
    they are, maps and lists recursively) and hands anything else (two keys, an unknown
    key, a None, an empty map key) to moto's serializer unchanged. The output is the
    same JSON (tests/localcloud/test_motopatches.py compares both)."""
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure

    def convert(self: Any, value: Any, shape: Any) -> tuple[bool, Any]:
        """(True, the serialized AttributeValue) or (False, None) to fall back."""
        if type(value) is not dict or len(value) != 1:
            return False, None
        (kind, inner), = value.items()
        if inner is None:
            return False, None
        if kind in ("S", "N"):
            return True, {kind: _string(inner)}
        if kind in ("BOOL", "NULL"):
            return True, {kind: inner}
        if kind in ("SS", "NS"):
            if not isinstance(inner, list):
                return False, None
            return True, {kind: [_string(v) for v in inner]}
        if kind == "B":
            return True, {kind: self._base64(inner)}
        if kind == "BS":
            if not isinstance(inner, list) or any(v is None for v in inner):
                return False, None
            return True, {kind: [self._base64(v) for v in inner]}
        if kind == "M":
            if not isinstance(inner, dict):
                return False, None
            out = {}
            for name, member in inner.items():
                if member is None:
                    continue  # moto's map serializer leaves a None member out
                if not name:
                    return False, None
                ok, converted = convert(self, member, shape)
                if not ok:
                    return False, None
                out[name] = converted
            return True, {kind: out}
        if kind == "L":
            if not isinstance(inner, list):
                return False, None
            items = []
            for member in inner:
                if member is None:
                    items.append(None)  # moto's list serializer keeps a None as it is
                    continue
                ok, converted = convert(self, member, shape)
                if not ok:
                    return False, None
                items.append(converted)
            return True, {kind: items}
        return False, None

    def _serialize_type_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if (
            key
            and shape.name == "AttributeValue"
            and self.service_model.service_name in _SERVICES_WITH_ATTRIBUTE_VALUES
        ):
            ok, converted = convert(self, value, shape)
            if ok:
                serialized[self.get_serialized_name(shape, key)] = converted
                return
        original(self, serialized, value, shape, key)

    original_map = BaseJSONSerializer._serialize_type_map

    def _serialize_type_map(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        # an Item: each member written as _serialize would (through the structure
        # serializer above) without its dispatch, the others by _serialize itself
        value_shape = shape.value
        if (
            type(value) is not dict
            or value_shape.name != "AttributeValue"
            or self.service_model.service_name not in _SERVICES_WITH_ATTRIBUTE_VALUES
        ):
            return original_map(self, serialized, value, shape, key)
        map_obj = self.MAP_TYPE()
        self._default_serialize(serialized, map_obj, shape, key)
        for sub_key, sub_value in value.items():
            if sub_key:
                ok, converted = convert(self, sub_value, value_shape)
                if ok:
                    map_obj[self.get_serialized_name(value_shape, sub_key)] = converted
                    continue
            self._serialize(map_obj, sub_value, value_shape, sub_key)

    _serialize_type_structure.original = original  # type: ignore[attr-defined]
    BaseJSONSerializer._serialize_type_structure = _serialize_type_structure  # type: ignore[method-assign]
    BaseJSONSerializer._serialize_type_map = _serialize_type_map  # type: ignore[method-assign]


@speedup(
    "moto.core.serialize:BaseJSONSerializer.get_value",
    "moto.core.serialize:AttributePickerContext",
    "moto.core.serialize:XFormedAttributePicker.get_possible_keys",
    session="dynamodb",
)
def cache_member_lookups() -> None:
    """moto's serializer finds each member of each structure in the result through its
    value picker: six alias providers, each asked whether it has an alias for the
    member, most of them creating objects on the way, plus an xform_name() of each
    alias. For a plain dict (what DynamoDB's and most JSON results are made of) the
    candidates depend only on the member's shape, its parent structure and its name,
    never on the dict's content (no Meta, a class named `dict`), so they are kept per
    (service, parent structure, member shape, member name) and tried in the same
    order. Other objects, and pickers with response transformers, go the usual way."""
    from moto.core.serialize import AttributePickerContext, BaseJSONSerializer, XFormedAttributePicker

    original = BaseJSONSerializer.get_value
    candidates: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        if type(value) is not dict or type(picker) is not XFormedAttributePicker or picker.response_transformers:
            return original(self, value, key, shape)
        parent = getattr(shape, "parent", None)
        cache_key = (self.service_model.service_name, getattr(parent, "name", None), shape.name, key)
        keys = candidates.get(cache_key)
        if keys is None:
            context = AttributePickerContext(
                obj=value, key=key, shape=shape, operation_model=self.operation_model,
                service_model=self.operation_model.service_model, key_path=".".join(self.path),
            )
            keys = candidates[cache_key] = tuple(picker.get_possible_keys(context))
        for candidate in keys:
            if candidate in value:
                return value[candidate]
        return None

    BaseJSONSerializer.get_value = get_value  # type: ignore[method-assign]


_ATTRIBUTE_VALUE_MEMBERS = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")


@speedup(
    "moto.core.parse:BaseJSONParser._parse_structure",
    "moto.core.parse:BaseJSONParser._parse_map",
    "moto.core.parse:JSONParser",
    "moto.core.parse:RequestParser._parse_shape",
    session="wire",  # raw bodies: odd AttributeValues the SDKs would not send reach the parser
)
def fast_attribute_value_parser() -> None:
    """Parse DynamoDB's AttributeValue structures of a request directly.

    moto parses every request body through the botocore model (moto.core.parse): for each
    AttributeValue of each item it walks the ten members of the shape (S, N, B, SS, NS,
    BS, M, L, NULL, BOOL), looking each up in the value and dispatching by name to a
    handler, and recurses into maps and lists the same way; a transaction of a few
    20-attribute items is some thousand such steps. An AttributeValue on the wire is an
    object with exactly one of those keys, and what moto's parser makes of it is known:
    the member's value as it is (strings, numbers as strings, booleans, string sets),
    base64 blobs decoded by the parser's own blob parser, maps and lists of
    AttributeValues parsed again. Anything else (no key or several, an unknown key, a
    null member, a set or map that is not a JSON array or object, another protocol's
    parser or one whose mapping type is not dict) goes to moto's parser unchanged, so odd input fails, or
    passes, exactly as before."""
    from moto.core.parse import BaseJSONParser, JSONParser

    original = BaseJSONParser._parse_structure
    shapes: dict[int, tuple[Any, bool]] = {}  # id(shape) -> (shape, is the AttributeValue we know)

    def known(shape: Any) -> bool:
        entry = shapes.get(id(shape))
        if entry is None or entry[0] is not shape:
            ok = (
                shape.name == "AttributeValue"
                and not shape.is_document_type
                and tuple(shape.members) == _ATTRIBUTE_VALUE_MEMBERS
                and all(m.serialization.get("name", n) == n for n, m in shape.members.items())
                and [shape.members[n].type_name for n in ("S", "N", "B", "NULL", "BOOL")]
                == ["string", "string", "blob", "boolean", "boolean"]
                and [shape.members[n].type_name for n in ("SS", "NS", "BS", "M", "L")]
                == ["list", "list", "list", "map", "list"]
                and shape.members["M"].value is not None and shape.members["M"].value.name == "AttributeValue"
                and shape.members["L"].member.name == "AttributeValue"
                and shape.members["SS"].member.type_name == "string"
                and shape.members["NS"].member.type_name == "string"
                and shape.members["BS"].member.type_name == "blob"
            )
            if len(shapes) > 256:
                shapes.clear()
            entry = shapes[id(shape)] = (shape, ok)
        return entry[1]

    def convert(self: Any, value: Any) -> Any:
        """The parsed AttributeValue, or the `missing` sentinel to fall back."""
        if type(value) is not dict or len(value) != 1:
            return missing
        (kind, inner), = value.items()
        if inner is None:
            return missing
        if kind in ("S", "N", "NULL", "BOOL"):
            return {kind: inner}
        if kind in ("SS", "NS"):
            if type(inner) is not list:
                return missing
            return {kind: list(inner)}
        if kind == "B":
            return {kind: self._blob_parser(inner)}
        if kind == "BS":
            if type(inner) is not list:
                return missing
            return {kind: [self._blob_parser(v) for v in inner]}
        if kind == "M":
            if type(inner) is not dict:
                return missing
            out = {}
            for name, member in inner.items():
                converted = convert(self, member)
                if converted is missing:
                    return missing
                out[name] = converted
            return {kind: out}
        if kind == "L":
            if type(inner) is not list:
                return missing
            items = []
            for member in inner:
                if member is None:
                    items.append(None)  # moto's structure parser answers None for null
                    continue
                converted = convert(self, member)
                if converted is missing:
                    return missing
                items.append(converted)
            return {kind: items}
        return missing

    missing = object()

    def _parse_structure(self: Any, shape: Any, value: Any) -> Any:
        if (type(self) is JSONParser and self.MAP_TYPE is dict and type(value) is dict
                and shape.name == "AttributeValue" and known(shape)):
            converted = convert(self, value)
            if converted is not missing:
                return converted
        return original(self, shape, value)

    original_map = BaseJSONParser._parse_map

    def _parse_map(self: Any, shape: Any, value: Any) -> Any:
        # an Item, a Key, ExpressionAttributeValues: a map of names to AttributeValues
        value_shape = shape.value
        if (type(self) is JSONParser and self.MAP_TYPE is dict and type(value) is dict
                and shape.key.type_name == "string" and value_shape.name == "AttributeValue" and known(value_shape)):
            parsed = {}
            for key, member in value.items():
                converted = convert(self, member)
                parsed[key] = original(self, value_shape, member) if converted is missing else converted
            return parsed
        return original_map(self, shape, value)

    _parse_structure.original = original  # type: ignore[attr-defined]
    BaseJSONParser._parse_structure = _parse_structure  # type: ignore[method-assign]
    BaseJSONParser._parse_map = _parse_map  # type: ignore[method-assign]


def _string_condition(comparison: Any, objs: list[Any]) -> Any:
    """A predicate on a string sort key for moto's range comparison, or None (anything
    else: no pre-selection)."""
    if not comparison or not objs or any(getattr(o, "type", None) != "S" for o in objs):
        return None
    values = [o.value for o in objs]
    first = values[0]
    return {
        "EQ": lambda v: v == first,
        "LT": lambda v: v < first,
        "LE": lambda v: v <= first,
        "GT": lambda v: v > first,
        "GE": lambda v: v >= first,
        "BEGINS_WITH": lambda v: v.startswith(first),
        "BETWEEN": (lambda v: values[0] <= v <= values[1]) if len(values) == 2 else None,
    }.get(str(comparison).upper())


@speedup("moto.dynamodb.models.table:Table.query", "moto.dynamodb.models.table:Table.all_items",
         session="dynamodb")
def partition_scoped_queries() -> None:
    """moto answers a Query on a table's own key by walking every item of the table and
    keeping those of the asked partition (Table.all_items, then a filter on the hash
    key), so every list page cost time in proportion to the whole table: the local
    cloud slowed down as it filled. The table keeps its items by partition already
    (Table.items: hash key -> range key -> item, in insertion order), so during such a
    query `all_items` hands over that one partition, in the same order; moto's own code
    does the sorting, paging, conditions and copying as before (handed over already in
    that order, its sort has nothing to do). A sort-key condition on strings (`=`, `<`,
    `<=`, `>`, `>=`, `BETWEEN`, `begins_with`) first keeps the partition's items it holds
    for, by the same Python string comparison moto's DynamoType makes, so that a Query of
    a few items of a big partition (the 33 counter items among an account's resources)
    does not build, sort and compare every item of it; moto applies the condition again
    to what it is handed. Queries on an index (which moto keeps no lookup for) and on
    tables without a range key are unchanged."""
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all_items = Table.all_items
    scope = threading.local()
    signature = inspect.signature(original_query)

    def all_items(self: Any) -> Any:
        scoped = getattr(scope, "partition", None)
        if scoped is not None and scoped[0] is self:
            return list(scoped[1])
        return original_all_items(self)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, hash_key, *args, **kwargs).arguments
        if arguments.get("index_name") or hash_key is None or not self.range_key_attr \
                or getattr(scope, "partition", None):
            return original_query(self, hash_key, *args, **kwargs)
        partition = list(self.items[hash_key].values()) if hash_key in self.items else []
        holds = None if len(arguments.get("range_key_conditions") or ()) > 1 else _string_condition(
            arguments.get("range_comparison"), arguments.get("range_objs") or [])
        if holds is not None:
            partition = [item for item in partition if item.range_key is not None
                         and item.range_key.type == "S" and holds(item.range_key.value)]
        try:
            # In the order moto's own stable sort will leave them (by range key, which
            # compares by cast_value), so that sort finds them sorted: n comparisons,
            # each computing two cast_values, instead of n log n.
            partition.sort(key=lambda item: item.range_key.cast_value)
        except Exception:
            pass  # moto's sort meets the same problem and answers as it always did
        scope.partition = (self, partition)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            scope.partition = None

    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


@speedup(
    "moto.dynamodb.models.dynamo_type:Item.__init__",
    "moto.dynamodb.models.dynamo_type:LimitedSizeDict",
    "moto.dynamodb.models.dynamo_type:DynamoType.size",
    "moto.dynamodb.models.utilities:bytesize",
    "moto.dynamodb.exceptions:ItemSizeTooLarge",
    session="dynamodb",
)
def linear_item_size_checks() -> None:
    """moto builds an Item (every PutItem, every Put of a transaction, every item a
    request deserialises) attribute by attribute into a LimitedSizeDict, whose
    __setitem__ sums the sizes of every key and value already in it before each insert
    (the 400 KB item limit): n attributes cost n(n+1)/2 size computations, a third of a
    metrics-ingest transaction's time. While the constructor fills the dict nothing else
    holds it, so the sum of what it inserted so far is exactly what __setitem__ would
    compute; the constructor keeps that running sum and raises ItemSizeTooLarge at the
    same attribute, for the same total, as before. Later writes to an item (updates) go
    through __setitem__ as before."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    setitem = dict.__setitem__

    def __init__(self: Any, hash_key: Any, range_key: Any, attrs: Any) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        self.attrs = target = LimitedSizeDict()
        total = 0
        for key, value in attrs.items():
            value = DynamoType(value)
            # LimitedSizeDict.__setitem__'s check: what is in the dict, plus this key and value
            new = bytesize(key) + value.size()
            if total + new > 405000:
                raise ItemSizeTooLarge
            had = key in target
            setitem(target, key, value)
            if had:  # (a mapping never repeats a key; recompute as moto would, to be exact)
                total = sum(bytesize(k) + v.size() for k, v in target.items())
            else:
                total += new

    Item.__init__ = __init__  # type: ignore[method-assign]


@speedup(
    "moto.dynamodb.models.dynamo_type:DynamoType.__deepcopy__",
    "moto.dynamodb.models.dynamo_type:Item.__deepcopy__",
    "moto.dynamodb.models.dynamo_type:LimitedSizeDict",
    session="dynamodb",
)
def cheaper_item_copies() -> None:
    """moto deep-copies items all the time: every page a Query returns (the list of
    results, item by item), the item an UpdateItem changes (for its stream record and
    ReturnValues), what a transaction may have to put back. Its Item and DynamoType
    __deepcopy__ already skip pickle's protocol, but every attribute still goes through
    copy.deepcopy's dispatch (memo lookups, the class's __deepcopy__ looked up, the
    keep-alive list) and three is_*() calls. Here the same copy is made calling the
    two methods' bodies directly for DynamoType members (anything else still goes
    through copy.deepcopy, with the same memo): the same types, values, sharing and
    order."""
    import copy

    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    deepcopy = copy.deepcopy
    sets = ("SS", "NS", "BS")

    def copy_type(self: Any, memo: dict[int, Any]) -> Any:
        got = memo.get(id(self), memo)
        if got is not memo:
            return got
        cls = self.__class__
        result = cls.__new__(cls)
        memo[id(self)] = result
        kind = result.type = self.type
        value = self.value
        if kind == "L":
            result.value = [copy_type(v, memo) if type(v) is DynamoType else deepcopy(v, memo) for v in value]
        elif kind == "M":
            result.value = {k: copy_type(v, memo) if type(v) is DynamoType else deepcopy(v, memo)
                            for k, v in value.items()}
        elif kind in sets:
            result.value = list(value)
        else:
            result.value = value
        return result

    def copy_item(self: Any, memo: dict[int, Any]) -> Any:
        got = memo.get(id(self), memo)
        if got is not memo:
            return got
        result = self.__class__.__new__(self.__class__)
        memo[id(self)] = result
        for name in ("hash_key", "range_key"):
            value = getattr(self, name)
            setattr(result, name, copy_type(value, memo) if type(value) is DynamoType else deepcopy(value, memo))
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs)
        setitem = dict.__setitem__
        for key, value in self.attrs.items():
            setitem(attrs, key, copy_type(value, memo) if type(value) is DynamoType else deepcopy(value, memo))
        result.attrs = attrs
        return result

    DynamoType.__deepcopy__ = copy_type  # type: ignore[method-assign]
    Item.__deepcopy__ = copy_item  # type: ignore[method-assign]


@speedup(
    "moto.dynamodb.models.dynamo_type:DynamoType.size",
    "moto.dynamodb.models.dynamo_type:bytesize",
    session="dynamodb",
)
def cheaper_attribute_sizes() -> None:
    """An item's size (the 400 KB limit, a Query's 1 MB page, twice per item it reads)
    is the sum of its attributes' DynamoType.size(), which builds a new DynamoType for
    every member of a map and every element of a set just to ask its size. Here the
    same numbers are computed from the members as they are: a number's digits, a
    string's or a blob's bytes, 1 for a boolean, the sum over a list, a map's names and
    members; a map member that is itself a list or map, or not a DynamoType, is still
    measured by moto's way (a new DynamoType of it)."""
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.models.dynamo_type import DynamoType

    bytesize = dynamo_type.bytesize

    def scalar(kind: str, value: Any) -> int:
        # DynamoType({kind: value}).size() for kind S, N or B (a set's element)
        if kind == "N":
            return len(str(value))
        if isinstance(value, bool):
            return 1
        return bytesize(value)

    def size(self: Any) -> int:
        kind = self.type
        value = self.value
        if kind == "N":
            return len(str(value))
        if kind in ("SS", "NS", "BS"):
            sub = kind[0]
            return sum([scalar(sub, v) for v in value])
        if kind == "L":
            return sum([v.size() for v in value])
        if kind == "M":
            total = 0
            for k, v in value.items():
                if type(v) is DynamoType and v.type not in ("L", "M"):
                    total += bytesize(k) + size(v)
                else:
                    total += bytesize(k) + DynamoType(v).size()
            return total
        if isinstance(value, bool):
            return 1
        return bytesize(value)

    DynamoType.size = size  # type: ignore[method-assign]


# --- DynamoDB update expressions ----------------------------------------------------------
# moto parses an UpdateExpression twice per UpdateItem (the handler and the backend each
# call UpdateExpressionParser.make), deep-copies the syntax tree through pickle's generic
# protocol, and walks the copy with ten validators, each asking isinstance() of abstract
# base classes for every node. Four changes, same results (UpdateItem -15% CPU in-process).


@speedup("moto.dynamodb.parsing.expressions:UpdateExpressionParser.make", session="dynamodb")
def cache_update_expression_trees() -> None:
    """make() keeps its tree per expression string (a rate-limit or counter update has
    the same few expressions every time). Nothing changes a parsed tree in place: the
    validator deep-copies it first and works on the copy (the backend then normalises
    that copy), the handler only reads it. A failing parse is not kept."""
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    make = UpdateExpressionParser.make.__func__  # type: ignore[attr-defined]
    trees = functools.lru_cache(maxsize=512)(lambda cls, expression: make(cls, expression))

    def cached_make(cls: Any, expression_str: Any) -> Any:
        if not isinstance(expression_str, str):
            return make(cls, expression_str)
        return trees(cls, expression_str)

    UpdateExpressionParser.make = classmethod(cached_make)  # type: ignore[method-assign,assignment]


@speedup("moto.dynamodb.parsing.ast_nodes:Node", session="dynamodb")
def cheaper_ast_copies() -> None:
    """Node.__deepcopy__ copies a node's attributes as copy.deepcopy's default would (a
    new instance, each attribute deep-copied with the same memo), without __reduce_ex__
    and copyreg, and with atoms and child lists copied in place of a dispatch each."""
    import copy

    from moto.dynamodb.parsing import ast_nodes

    node_cls = ast_nodes.Node
    if "__deepcopy__" in node_cls.__dict__:
        raise RuntimeError("moto's Node has a __deepcopy__ of its own now: this speed-up may be obsolete")
    deepcopy = copy.deepcopy
    atomic = (str, int, float, bool, type(None))

    def node_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        cls = self.__class__
        new = cls.__new__(cls)
        memo[id(self)] = new
        state = {}
        for key, value in self.__dict__.items():
            if type(value) in atomic:  # what deepcopy returns for these: the value itself
                state[key] = value
            elif type(value) is list:  # a node's children
                copied = memo.get(id(value))
                if copied is None:
                    copied = memo[id(value)] = []
                    copied.extend(v if type(v) in atomic else deepcopy(v, memo) for v in value)
                state[key] = copied
            else:
                state[key] = deepcopy(value, memo)
        new.__dict__.update(state)
        return new

    node_cls.__deepcopy__ = node_deepcopy  # type: ignore[attr-defined]


@speedup(
    "moto.dynamodb.parsing.ast_nodes:DepthFirstTraverser.traverse_node_recursively",
    "moto.dynamodb.parsing.ast_nodes:DepthFirstTraverser.pre_processing_of_child",
    "moto.dynamodb.parsing.ast_nodes:DepthFirstTraverser._processing_map",
    "moto.dynamodb.parsing.ast_nodes:DepthFirstTraverser.nodes_to_be_processed",
    session="dynamodb",
)
def cached_validator_dispatch() -> None:
    """The validators' walk asks once per (validator class, node class) whether and by
    which entry of its processing map a node is processed, instead of per node (the
    maps are fixed per class, and no class is registered with an ABC at run time)."""
    from moto.dynamodb.parsing import ast_nodes

    node_cls = ast_nodes.Node
    is_node: dict[type, bool] = {}
    handled_by: dict[tuple[type, type], Any] = {}
    missing = object()

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        node_type = type(node)
        flag = is_node.get(node_type)
        if flag is None:
            flag = is_node[node_type] = isinstance(node, node_cls)
        if not flag:
            return node
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                self.pre_processing_of_child(node, i)
                self.traverse_node_recursively(child_node, i)
        key = (type(self), node_type)
        class_key = handled_by.get(key, missing)
        if class_key is missing:
            class_key = None
            if isinstance(node, self.nodes_to_be_processed()):
                class_key = next(k for k in self._processing_map() if isinstance(node, k))
            handled_by[key] = class_key
        if class_key is not None:
            node = self._processing_map()[class_key](node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
        return node

    ast_nodes.DepthFirstTraverser.traverse_node_recursively = traverse_node_recursively  # type: ignore[method-assign]


@speedup(
    "moto.dynamodb.parsing.validators:UpdateExpressionValidator.validate",
    "moto.dynamodb.parsing.validators:UpdateExpressionValidator.get_ast_processors",
    "moto.dynamodb.parsing.validators:ActionCountValidator",
    "moto.dynamodb.parsing.validators:OverlappingPathsValidator",
    "moto.dynamodb.parsing.validators:UpdateHashRangeKeyValidator",
    session="dynamodb",
)
def skip_repeated_static_checks() -> None:
    """Of the ten processors moto's UpdateExpressionValidator runs over an update's syntax
    tree, the first three only check the expression itself: at most one clause of each
    kind (ActionCountValidator), no two actions on overlapping paths
    (OverlappingPathsValidator), no action on a key attribute (UpdateHashRangeKeyValidator).
    Their verdict depends on the parsed expression (kept per string by
    cache_update_expression_trees: without it no expression is seen twice), the
    attribute names and the table's key attributes, not on the item or the values, and
    they return the tree as they got it. Once all of them passed for an expression with
    given names and keys, they are not run again for it; the other seven (values,
    paths resolved against the item, functions, operations, types) always run. A check
    that fails is never remembered: it runs, and raises, every time."""
    from moto.dynamodb.parsing import validators

    cls = validators.UpdateExpressionValidator
    static = (validators.ActionCountValidator, validators.OverlappingPathsValidator,
              validators.UpdateHashRangeKeyValidator)
    original_init = cls.__init__
    passed: dict[int, tuple[Any, set[Any]]] = {}  # id(parsed tree) -> (the tree, keys that passed)

    def __init__(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, expression, *args, **kwargs)
        self.source_expression = expression

    def validate(self: Any) -> Any:
        source = getattr(self, "source_expression", None)
        try:
            names = self.expression_attribute_names
            key = (None if names is None else tuple(sorted(names.items())), tuple(self.table.table_key_attrs))
        except Exception:
            key = None
        entry = passed.get(id(source))
        done = entry[1] if entry is not None and entry[0] is source else set()
        node = self.node_to_validate
        for processor in self.processors:
            if key is not None and key in done and type(processor) in static:
                continue
            node = processor.traverse(node)
        if key is not None and source is not None and key not in done:
            if len(passed) > 1024:
                passed.clear()
            passed[id(source)] = (source, done | {key})
        return node

    cls.__init__ = __init__  # type: ignore[method-assign]
    cls.validate = validate  # type: ignore[method-assign]


@speedup("moto.dynamodb.comparisons:ConditionExpressionParser._lex_condition_expression", session="dynamodb")
def cache_condition_expression_tokens() -> None:
    """Every ConditionExpression (each write of a transaction has one, and so has every
    conditional Put and Update) was lexed afresh, a regular expression list tried at each
    character position: a fifth of a TransactWriteItems' CPU in the mix bench. The tokens
    depend on the expression string only, and the later stages build new nodes from them
    without changing them (they read a deque, which is made fresh per call). A failing
    lex raises as before and is not kept."""
    from collections import deque

    from moto.dynamodb.comparisons import ConditionExpressionParser

    lex = ConditionExpressionParser._lex_condition_expression
    tokens: dict[str, tuple[Any, ...]] = {}

    def cached_lex(self: Any) -> Any:
        expression = self.condition_expression
        got = tokens.get(expression) if isinstance(expression, str) else None
        if got is None:
            got = tuple(lex(self))
            if isinstance(expression, str):
                if len(tokens) > 2048:
                    tokens.clear()
                tokens[expression] = got
        return deque(got)

    ConditionExpressionParser._lex_condition_expression = cached_lex  # type: ignore[method-assign]


def _key_blob(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"<bytes>": bytes(value).hex()}
    raise TypeError(type(value).__name__)


def _condition_key(parser: Any) -> Any:
    """What a ConditionExpressionParser's parse() depends on, as a hashable key, or None
    (not kept: anything but a string expression and JSON-like names and values)."""
    expression = parser.condition_expression
    if not isinstance(expression, str) or not expression:
        return None
    names, values = parser.expression_attribute_names, parser.expression_attribute_values
    try:
        return (expression, None if names is None else _KEY_ENCODER.encode(names),
                None if values is None else _KEY_ENCODER.encode(values))
    except (TypeError, ValueError):
        return None


def _key_encoder() -> Any:
    import json

    return json.JSONEncoder(sort_keys=True, default=_key_blob)


_KEY_ENCODER = _key_encoder()


@speedup(
    "moto.dynamodb.comparisons:ConditionExpressionParser.parse",
    "moto.dynamodb.comparisons:ConditionExpressionParser.__init__",
    "moto.dynamodb.comparisons:Op",
    "moto.dynamodb.comparisons:Func",
    session="dynamodb",
)
def cache_condition_expressions() -> None:
    """A condition expression (ConditionExpression, FilterExpression) is parsed into its
    operator tree up to three times per write: the handler checks it, the transaction
    checks it against the current item, and the put, update or delete it goes on to
    checks it again; every provisioning step and every create is a transaction of such
    writes. The tree depends only on the expression and its attribute names and values,
    and evaluating it never changes it (moto's Op and Func objects set their fields in
    their constructors only), so a tree is kept per (expression, names, values) and
    handed out again, with the parser's lists of the names and values it found copied
    afresh each time (the handler extends the first). A parse that raises is not kept:
    it raises again, every time."""
    from moto.dynamodb.comparisons import ConditionExpressionParser

    original = ConditionExpressionParser.parse
    trees: dict[Any, tuple[Any, list[Any], list[Any]]] = {}
    lock = threading.Lock()

    def parse(self: Any) -> Any:
        key = _condition_key(self)
        if key is None:
            return original(self)
        got = trees.get(key)
        if got is None:
            names_before, values_before = len(self.expr_attr_names_found), len(self.expr_attr_values_found)
            op = original(self)
            got = (op, self.expr_attr_names_found[names_before:], self.expr_attr_values_found[values_before:])
            with lock:
                if len(trees) > 4096:
                    trees.clear()
                trees[key] = got
            return op
        op, names, values = got
        self.expr_attr_names_found.extend(names)
        self.expr_attr_values_found.extend(values)
        return op

    ConditionExpressionParser.parse = parse  # type: ignore[method-assign]


# --- Step Functions ----------------------------------------------------------------------


@speedup(
    "moto.stepfunctions.parser.asl.parse.asl_parser:AmazonStateLanguageParser.parse",
    "moto.stepfunctions.parser.asl.component.component:Component",
    "moto.stepfunctions.parser.asl.component.eval_component:EvalComponent.heap_key",
    session="stepfunctions",
)
def cache_state_machine_programs() -> None:
    """Every execution start parsed the state machine's ASL document with ANTLR (tens of
    milliseconds, with full-context prediction) and built its evaluation components
    from the syntax tree (moto's Preprocessor, another ~6 ms), although a definition
    never changes. Both are kept per definition.

    Sharing a program between executions is what moto's evaluator is made for: the
    components hold only what the definition says, and everything an execution changes
    lives in its Environment (its stack, its heap, its event history); the per-component
    heap keys (retry attempt counters and the like) are drawn once, here, before the
    program is shared, so concurrent first uses cannot draw two. A definition with
    syntax errors is not kept (it raises, as before); TestState parses its own way."""
    from moto.stepfunctions.parser.asl.component.component import Component
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.asl.parse import asl_parser

    parser_cls = asl_parser.AmazonStateLanguageParser
    original = parser_cls.__dict__["parse"].__func__
    programs: dict[str, tuple[Any, Any]] = {}
    lock = threading.Lock()

    def draw_heap_keys(node: Any, seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, (list, tuple, set, frozenset)):
            for item in node:
                draw_heap_keys(item, seen)
        elif isinstance(node, dict):
            for item in node.values():
                draw_heap_keys(item, seen)
        elif isinstance(node, Component):
            if isinstance(node, EvalComponent):
                node.heap_key  # noqa: B018 - drawn now, not on first (concurrent) use
            for item in getattr(node, "__dict__", {}).values():
                draw_heap_keys(item, seen)

    def parse(definition: str) -> tuple[Any, Any]:
        cached = programs.get(definition)
        if cached is None:
            with lock:
                cached = programs.get(definition)
                if cached is None:
                    cached = original(definition)
                    draw_heap_keys(cached[0], set())
                    if len(programs) > 64:
                        programs.clear()
                    programs[definition] = cached
        return cached

    parser_cls.parse = staticmethod(parse)  # type: ignore[method-assign]


@speedup(
    "moto.stepfunctions.parser.asl.utils.json_path:parse",
    "moto.stepfunctions.parser.asl.component.common.path.result_path:parse",
    "jsonpath_ng:parse",
    "jsonpath_ng.ext:parse",
    session="stepfunctions",
)
def cache_jsonpath_parsers() -> None:
    """moto's Step Functions evaluate JSONPaths with jsonpath_ng's parse(), which builds
    a new PLY parser (its LALR tables regenerated, not read from disk) for every path it
    evaluates: several per state of every execution. Parsed paths are immutable (find()
    and update() leave them as they are), so each path string is parsed once."""
    import jsonpath_ng
    import jsonpath_ng.ext

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module, parse in ((json_path, jsonpath_ng.ext.parse), (result_path, jsonpath_ng.parse)):
        cached = functools.lru_cache(maxsize=1024)(parse)

        def caching_parse(path: str, *args: Any, _cached: Any = cached, _parse: Any = parse) -> Any:
            if args or not isinstance(path, str):
                return _parse(path, *args)
            return _cached(path)

        module.parse = caching_parse


@speedup(
    "moto.stepfunctions.parser.asl.utils.boto_client:boto_client_for",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb:boto_client_for",
    session="stepfunctions",
)
def cache_step_functions_clients() -> None:
    """Each SDK or service integration task of an execution made a new boto3 client (its
    service model, endpoint rules and event hooks loaded again) and so a new connection
    back to this server. Clients are thread-safe; one is kept per region, service and
    task credentials, made by moto's own function (so with its configuration)."""
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for
    clients: dict[Any, Any] = {}
    lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service, repr(state_credentials))  # StateCredentials: a dataclass of role_arn
        client = clients.get(key)
        if client is None:
            with lock:
                client = clients.get(key)
                if client is None:
                    client = original(region, service, state_credentials)
                    clients[key] = client
        return client

    boto_client_for.cache = clients  # type: ignore[attr-defined]
    boto_client_for.__wrapped__ = original  # type: ignore[attr-defined]
    # Modules that took moto's function by name (`from ... import boto_client_for`) when
    # they were imported get this one; those imported later take it from boto_client.
    boto_client.boto_client_for = boto_client_for
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.") and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


@speedup(
    "moto.stepfunctions.parser.asl.utils.boto_client:boto_client_for",
    "botocore.awsrequest:AWSResponse",
    "moto.core.botocore_stubber:MockRawResponse",
    "moto.core.request:PRESERVED_HEADER_NAMES_ENVIRON_KEY",
    "werkzeug.serving:_wsgi_encoding_dance",
    "werkzeug.serving:WSGIRequestHandler.make_environ",
    session="stepfunctions_server",
)
def in_process_task_calls() -> None:
    """The AWS calls of moto's Step Functions tasks (every provisioning step is a
    DynamoDB transaction) reach the moto server they run in without leaving its process
    (motoserver.InProcessCalls): the request botocore signed is handed to the server's
    WSGI application as the environ the server would have built from it, and botocore
    reads the answer the server would have sent. Over loopback each call cost a
    connection's worth of HTTP on both sides (urllib3 and http.client, the server's
    request parsing, werkzeug's environ) and two thread switches. Nothing to patch:
    motoserver.serving installs it when this is applied."""


# --- DynamoDB Streams ------------------------------------------------------------------------

# The local stream poller's reads (localcloud/pollers.py RawGetRecords): the event source
# mapping's filter patterns as JSON in the request, the number of records read (before
# the filter) in the answer.
STREAM_FILTER_HEADER = "X-Localcloud-Stream-Filter"
RECORDS_READ_HEADER = "X-Localcloud-Records-Read"


@speedup("moto.dynamodbstreams.responses:DynamoDBStreamsHandler.get_records", session="dynamodb")
def filtered_stream_reads() -> None:
    """GetRecords with STREAM_FILTER_HEADER (filter patterns, only the local stream poller
    sends it) answers only the records the patterns let through, and says in
    RECORDS_READ_HEADER how many it read; the shard iterator moves past all of them, as
    without the header. Deployed, an event source mapping's filter runs on AWS's side
    and costs the function nothing; locally the poller read every record of the table
    (request logs, metrics, counters: nearly all of them filtered out), and the server
    serialized each one, holding the DynamoDB lock, for the poller to parse and drop. A
    request without the header is answered as before (the comparison session sends
    none); where this is not applied the header is ignored, the answer has no count, and
    the poller filters what it gets, as it always does."""
    from moto.core.responses import ActionResult
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    original = DynamoDBStreamsHandler.get_records

    def get_records(self: Any) -> Any:
        raw = self.headers.get(STREAM_FILTER_HEADER) if self.headers is not None else None
        if not raw:
            return original(self)
        try:
            import json

            from resource_api.stream import matches  # the deployed filter's matching

            patterns = json.loads(raw)
        except (ImportError, ValueError):
            return original(self)  # no count in the answer: the poller filters it all
        limit = self._get_param("Limit")
        result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
        records = result["Records"]
        self.response_headers[RECORDS_READ_HEADER] = str(len(records))
        return ActionResult({**result, "Records": [r for r in records if matches(patterns, r)]})

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign]


# --- DynamoDB transactions -----------------------------------------------------------------


@speedup(
    "moto.dynamodb.models:DynamoDBBackend.transact_write_items",
    "moto.dynamodb.models:copy",
    "moto.dynamodb.models.table:Table",
    "moto.dynamodb.models.dynamo_type:DynamoType",
    session="dynamodb",
)
def item_level_rollback() -> None:
    """moto deep-copies every table a TransactWriteItems touches before running it (its
    rollback plan: on cancellation the copies replace the tables), so each transaction
    cost time in proportion to the table, and the local cloud slowed down as tests
    filled it. Here the table copy is skipped (moto's "rollback" then puts the same
    table back) and a cancelled transaction restores the items it touched, as they were
    before it (a copy of each item an Update touches; the very Item object for a Put, a
    Delete or a ConditionCheck, which moto replaces, removes or only reads). DynamoDB
    requests are serialised in the moto server (motoserver.Serialized), so nothing else
    writes meanwhile. Wraps the shim stream_survives_cancelled_transactions, which trims
    the stream."""
    import copy as real_copy

    import moto.dynamodb.models as backend_module
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    if not registry.applied("stream_survives_cancelled_transactions"):
        raise RuntimeError("apply the shims first (it wraps stream_survives_cancelled_transactions)")
    original = DynamoDBBackend.transact_write_items

    class NoTableCopy:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else real_copy.deepcopy(value, memo)

    def touched(self: Any, transact_items: Any) -> list[tuple[Any, Any, Any, Any]]:
        out = []
        for entry in transact_items:
            kind, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            raw = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr not in raw:
                continue
            hash_key = DynamoType(raw[table.hash_key_attr])
            range_key = DynamoType(raw[table.range_key_attr]) if table.range_key_attr in raw else None
            item = table.get_item(hash_key, range_key)
            # Only an update changes the item in place (moto's executor); a put puts a new
            # Item in its place and a delete or a condition check leaves it as it is, so
            # for those the item itself is what to put back.
            out.append((table, hash_key, range_key, real_copy.deepcopy(item) if kind == "Update" else item))
        return out

    def restore(before: list[tuple[Any, Any, Any, Any]]) -> None:
        for table, hash_key, range_key, item in reversed(before):
            if range_key is None:
                if item is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = item
            elif item is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = item

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        before = touched(self, transact_items)
        backend_module.copy = NoTableCopy  # type: ignore[assignment]
        try:
            return original(self, transact_items)
        except Exception:
            restore(before)
            raise
        finally:
            backend_module.copy = real_copy

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


@speedup(
    "moto.stepfunctions.parser.asl.eval.states:copy",
    "moto.stepfunctions.parser.asl.eval.environment:copy",
    "moto.stepfunctions.parser.asl.component.common.path.result_path:copy",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression:copy",
    "moto.stepfunctions.parser.asl.component.state.exec.execute_state:copy",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service:copy",
    session="stepfunctions",
)
def json_state_copies() -> None:
    """moto's interpreter deep-copies a state's input at every read of it, and its
    result, context and program state as they pass between states, with copy.deepcopy
    (its memo dictionary and per-type dispatch for each value): half of the interpreter's
    CPU in the mix bench; and every JSONPath it evaluates (InputPath, OutputPath, each
    `.$` parameter: string_expression), each task state's stack handed to the thread that
    times it (execute_state) and each task's parameters (state_task_service), a twelfth of
    the moto server's CPU in the pipeline bench. What it copies is the JSON of the execution (dicts, lists,
    strings, numbers, booleans, None), which a copy made for those types reproduces value
    for value; anything else in there is still copied by copy.deepcopy."""
    import copy as real_copy
    import importlib
    import types

    deepcopy = real_copy.deepcopy
    atomic = (str, int, float, bool, type(None))

    def json_copy(value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return {k: v if type(v) in atomic else json_copy(v) for k, v in value.items()}
        if kind is list:
            return [v if type(v) in atomic else json_copy(v) for v in value]
        if kind in atomic:
            return value
        return deepcopy(value)

    def fast_deepcopy(value: Any, memo: Any = None, _nil: Any = None) -> Any:
        return json_copy(value) if memo is None else deepcopy(value, memo)

    proxy = types.ModuleType("copy")
    proxy.__dict__.update(real_copy.__dict__)
    proxy.deepcopy = fast_deepcopy  # type: ignore[attr-defined]
    for name in (
        "moto.stepfunctions.parser.asl.eval.states",
        "moto.stepfunctions.parser.asl.eval.environment",
        "moto.stepfunctions.parser.asl.component.common.path.result_path",
        "moto.stepfunctions.parser.asl.component.common.string.string_expression",
        "moto.stepfunctions.parser.asl.component.state.exec.execute_state",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service",
    ):
        importlib.import_module(name).copy = proxy  # type: ignore[attr-defined]


@speedup("moto.stepfunctions.parser.asl.component.state.exec.execute_state:Thread", session="stepfunctions")
def pooled_task_threads() -> None:
    """moto times every task state (its TimeoutSeconds) by running the task in a new
    thread and waiting for it with a timeout: a thread started, and its start-up waited
    for, for every provisioning step and every retry of one (and each kept in moto's
    TMP_THREADS list for the life of the server). Here a task runs in an idle thread
    kept from an earlier task when there is one (a new one is started otherwise), with
    the same timeout, the same wait and the same daemon threads; only the thread's
    identity differs. At most 64 idle threads are kept."""
    import queue

    from moto.stepfunctions.parser.asl.component.state.exec import execute_state

    idle: list[queue.SimpleQueue] = []
    lock = threading.Lock()
    keep = 64

    def work(inbox: queue.SimpleQueue) -> None:
        while True:
            target = inbox.get()
            try:
                target()
            except BaseException:  # what a Thread does with its target's exception
                threading.excepthook(threading.ExceptHookArgs((*sys.exc_info(), threading.current_thread())))
            del target
            with lock:
                if len(idle) >= keep:
                    return
                idle.append(inbox)

    class PooledThread:
        """What execute_state asks of its Thread: built with a target, started once."""

        def __init__(self, target: Any = None, daemon: bool | None = None, **_: Any) -> None:
            self._target = target

        def start(self) -> None:
            with lock:
                inbox = idle.pop() if idle else None
            if inbox is None:
                inbox = queue.SimpleQueue()
                threading.Thread(target=work, args=(inbox,), name="moto-task", daemon=True).start()
            inbox.put(self._target)
            self._target = None

    execute_state.Thread = PooledThread  # type: ignore[attr-defined]
