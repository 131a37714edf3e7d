"""What the generated models stand on: ApiObject (lenient parsing of API objects) and
Operation (one row of the generated operation table)."""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    query: tuple[tuple[str, str, str | None], ...] = ()  # (python name, wire name, style)
    body: bool = False
    response: str | None = None


@dataclass(frozen=True)
class ApiResponse:
    """The HTTP answer an object came from: obj.last_response."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), None)

    @property
    def request_id(self) -> str | None:
        return self.header("Request-Id")

    @property
    def idempotent_replayed(self) -> bool:
        return (self.header("Idempotent-Replayed") or "").lower() == "true"

    @property
    def etag(self) -> str | None:
        return self.header("ETag")

    @property
    def api_version(self) -> str | None:
        return self.header("Api-Version")


class ApiObject:
    """An object of the API. Documented fields are typed attributes (absent ones None);
    every field, unknown ones included, is readable as obj["name"] and in to_dict().
    Nothing is validated on the way in: an enum value or field added to the API later
    parses as it is."""

    _fields: ClassVar[dict[str, Any]] = {}
    _required: ClassVar[tuple[str, ...]] = ()
    _consts: ClassVar[dict[str, Any]] = {}
    _closed: ClassVar[bool] = False
    _raw: dict[str, Any]

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        raw = dict(values or {})
        object.__setattr__(self, "_raw", raw)
        for attr in self._attributes():
            # a field named like a Python keyword is the attribute with a trailing _
            name = attr[:-1] if attr.endswith("_") and keyword.iskeyword(attr[:-1]) else attr
            value = raw.get(name)
            desc = self._fields.get(name)
            object.__setattr__(self, attr, _parse(value, desc) if desc is not None else value)

    @classmethod
    def _attributes(cls) -> list[str]:
        """The documented fields' attribute names (the class annotations, bases first)."""
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name in vars(klass).get("__annotations__", {}):
                if not name.startswith("_") and name != "last_response" and name not in names:
                    names.append(name)
        return names

    # The HTTP answer of the call that returned this object (every object a call returns has
    # one). Objects that came in no answer of their own (nested objects, a webhook's event)
    # have none: reading it raises AttributeError, rather than typing every read as Optional.
    last_response: ApiResponse

    @classmethod
    def construct(cls, values: Mapping[str, Any], response: ApiResponse | None = None) -> Any:
        obj = cls(values)
        if response is not None:
            object.__setattr__(obj, "last_response", response)
        return obj

    @classmethod
    def matches(cls, value: Mapping[str, Any]) -> bool:
        """Whether `value` has this object's shape (to pick a oneOf option without a discriminator)."""
        if any(name not in value for name in cls._required):
            return False
        if any(value.get(k) != v for k, v in cls._consts.items()):
            return False
        return not cls._closed or set(value) <= {a.rstrip("_") for a in cls._attributes()}

    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._raw.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def to_dict(self) -> dict[str, Any]:
        """The object as the API sent it (plain JSON values)."""
        return dict(self._raw)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, ApiObject) and other._raw == self._raw

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        ident = self._raw.get("id")
        return f"<{type(self).__name__}{' ' + str(ident) if ident else ''} {self._raw!r}>"


def _model(name: str) -> type[ApiObject]:
    from ._generated.models import MODELS  # noqa: PLC0415 (the generated module imports this one)

    return MODELS.get(name, ApiObject)


def _parse(value: Any, desc: Any) -> Any:
    if value is None:
        return None
    kind = desc[0]
    if kind == "r":
        return _model(desc[1])(value) if isinstance(value, Mapping) else value
    if kind == "l":
        return [_parse(v, desc[1]) for v in value] if isinstance(value, list) else value
    if kind == "m":
        return {k: _parse(v, desc[1]) for k, v in value.items()} if isinstance(value, Mapping) else value
    if kind == "u" and isinstance(value, Mapping):
        options, prop, mapping = desc[1], desc[2], desc[3]
        if prop is not None:
            target = mapping.get(value.get(prop))
            return _model(target)(value) if target else ApiObject(value)
        for option in options:
            if option[0] == "r" and _model(option[1]).matches(value):
                return _model(option[1])(value)
        return ApiObject(value)
    return value
