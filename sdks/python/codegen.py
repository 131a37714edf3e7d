"""Generates example_api/_generated/models.py from openapi/openapi.json (generate.sh).

A small generator of our own rather than a general one: it emits exactly what the
hand-written layer needs, with no runtime dependency, and stays lenient on purpose:

- every response object becomes a class of `ApiObject` (typed attributes; unknown fields
  kept and readable with obj["name"] / obj.to_dict());
- enums become `Literal[...]` aliases and are not checked at runtime, so a value added
  to the API later still parses;
- `oneOf` becomes a union, chosen by the discriminator when there is one, else by shape;
- request bodies and query parameters become `TypedDict`s (the keyword arguments of the
  SDK's methods), and each operation a row of `OPERATIONS`.

Deterministic: the same document gives byte-identical output (no timestamps, sorted).
"""

from __future__ import annotations

import json
import keyword
import sys
from pathlib import Path
from typing import Any

HEADER = '''"""Generated from openapi/openapi.json by sdks/python/codegen.py. Do not edit: run `make sdks`."""

# ruff: noqa
from __future__ import annotations

from typing import Any, ClassVar, Literal, Required, TypedDict

from .._base import ApiObject, Operation
'''


def literal(value: Any) -> str:
    """A Literal[] argument: strings in double quotes, True/False/None/numbers as Python."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace(".", "_").replace("-", "_").split("_"))


class Gen:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.schemas: dict[str, Any] = doc["components"]["schemas"]
        self.request_side = self._request_side()
        self.out: list[str] = []
        self.typed_dicts: dict[str, str] = {}  # name -> source (deduplicated)

    # --- which components are request parameters ------------------------------------

    def _request_side(self) -> set[str]:
        seen: set[str] = set()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    name = ref.rsplit("/", 1)[-1]
                    if name not in seen:
                        seen.add(name)
                        walk(self.schemas[name])
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        for item in self.doc["paths"].values():
            for op in item.values():
                walk(op.get("requestBody", {}))
                walk([p.get("schema") for p in op.get("parameters", []) if p["in"] == "query"])
        return seen

    # --- types ------------------------------------------------------------------------

    @staticmethod
    def _ref(schema: dict[str, Any]) -> str | None:
        ref = schema.get("$ref")
        return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None

    def is_enum(self, name: str) -> bool:
        return "enum" in self.schemas[name] and self.schemas[name].get("type") != "object"

    def py_type(self, schema: dict[str, Any], params: bool) -> str:
        """The annotation of a value of `schema` (params: request side, TypedDicts)."""
        ref = self._ref(schema)
        if ref is not None:
            if ref not in self.schemas or self.is_enum(ref):  # (not a component: a query filter's TypedDict)
                return ref
            return f"{ref}Params" if params and not ref.endswith("Params") else ref
        for key in ("oneOf", "anyOf"):
            if key in schema:
                options = [self.py_type(o, params) for o in schema[key]]
                if not params and sum(1 for o in schema[key] if self._ref(o)) > 1:
                    options.append("ApiObject")  # what matched no option (an object type added later)
                return " | ".join(dict.fromkeys(options))
        if "const" in schema:
            return f"Literal[{literal(schema['const'])}]"
        if "enum" in schema:
            return "Literal[" + ", ".join(literal(v) for v in schema["enum"]) + "]"
        kind = schema.get("type")
        if kind == "null":
            return "None"
        if kind == "string":
            return "str"
        if kind == "integer":
            return "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "array":
            return f"list[{self.py_type(schema.get('items', {}), params)}]"
        if kind == "object":
            extra = schema.get("additionalProperties")
            value = self.py_type(extra, params) if isinstance(extra, dict) and extra else "Any"
            return f"dict[str, {value}]"
        return "Any"

    def descriptor(self, schema: dict[str, Any]) -> Any:
        """How the runtime parses a value (ApiObject._parse): nested objects by class name."""
        ref = self._ref(schema)
        if ref is not None:
            return None if self.is_enum(ref) else ["r", ref]
        for key in ("oneOf", "anyOf"):
            if key in schema:
                options = [self.descriptor(o) for o in schema[key] if o.get("type") != "null"]
                options = [o for o in options if o is not None]
                if not options:
                    return None
                if len(options) == 1:
                    return options[0]
                disc = schema.get("discriminator", {})
                mapping = {k: v.rsplit("/", 1)[-1] for k, v in sorted(disc.get("mapping", {}).items())}
                return ["u", options, disc.get("propertyName"), mapping]
        if schema.get("type") == "array":
            inner = self.descriptor(schema.get("items", {}))
            return None if inner is None else ["l", inner]
        if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
            inner = self.descriptor(schema["additionalProperties"])
            return None if inner is None else ["m", inner]
        return None

    # --- output -----------------------------------------------------------------------

    @staticmethod
    def _doc(text: str | None, indent: str) -> list[str]:
        if not text:
            return []
        text = " ".join(text.split()).replace('"""', "'''").replace("\\", "\\\\")
        return [f'{indent}"""{text}"""']

    def enum(self, name: str) -> None:
        values = ", ".join(literal(v) for v in self.schemas[name]["enum"])
        self.out += [f"{name} = Literal[{values}]", ""]

    def model(self, name: str) -> None:
        schema = self.schemas[name]
        props: dict[str, Any] = schema.get("properties", {})
        required = schema.get("required", [])
        self.out += ["", "", f"class {name}(ApiObject):"]
        self.out += self._doc(schema.get("description") or schema.get("title"), "    ")
        fields: dict[str, Any] = {}
        consts: dict[str, Any] = {}
        for prop, sub in props.items():
            attr = prop + "_" if keyword.iskeyword(prop) else prop
            annotation = self.py_type(sub, params=False)
            if prop not in required and "None" not in annotation.split(" | "):
                annotation += " | None"
            self.out.append(f"    {attr}: {annotation}")
            self.out += self._doc(sub.get("description"), "    ")
            desc = self.descriptor(sub)
            if desc is not None:
                fields[prop] = desc
            if "const" in sub:
                consts[prop] = sub["const"]
        self.out.append(f"    _fields: ClassVar[dict[str, Any]] = {dict(sorted(fields.items()))!r}")
        self.out.append(f"    _required: ClassVar[tuple[str, ...]] = {tuple(required)!r}")
        self.out.append(f"    _consts: ClassVar[dict[str, Any]] = {dict(sorted(consts.items()))!r}")
        self.out.append(f"    _closed: ClassVar[bool] = {schema.get('additionalProperties') is False}")

    def typed_dict(self, name: str, props: dict[str, Any], required: list[str], doc: str | None) -> None:
        lines = [f"class {name}(TypedDict, total=False):"]
        lines += self._doc(doc, "    ")
        for prop, sub in props.items():
            annotation = self.py_type(sub, params=True)
            if prop in required:
                annotation = f"Required[{annotation}]"
            lines.append(f"    {prop}: {annotation}")
            lines += self._doc(sub.get("description"), "    ")
        if len(lines) == 1 + len(self._doc(doc, "    ")):
            lines.append("    pass")
        source = "\n".join(lines)
        known = self.typed_dicts.get(name)
        if known is not None and known != source:
            raise ValueError(f"two parameter types named {name}")
        self.typed_dicts[name] = source

    def params_of(self, name: str) -> None:
        schema = self.schemas[name]
        self.typed_dict(name if name.endswith("Params") else f"{name}Params", schema.get("properties", {}),
                        schema.get("required", []), schema.get("description"))

    def query_params(self, op: dict[str, Any]) -> tuple[str | None, list[tuple[str, str, str | None]]]:
        """The operation's query TypedDict and its wire form: (python name, wire name, style)."""
        query = [p for p in op.get("parameters", []) if p["in"] == "query"]
        if not query:
            return None, []
        props: dict[str, Any] = {}
        wire = []
        for p in query:
            key = p["name"].removesuffix("[]")
            schema = dict(p["schema"])
            if p.get("style") == "deepObject":
                nested = f"{camel(key)}Filter"
                self.typed_dict(nested, schema.get("properties", {}), schema.get("required", []), p.get("description"))
                schema = {"$ref": f"#/components/schemas/{nested}"}
            if p.get("description"):
                schema["description"] = p["description"]
            props[key] = schema
            wire.append((key, p["name"], p.get("style")))
        name = f"{camel(op['operationId'])}Params"
        self.typed_dict(name, props, [p["name"] for p in query if p.get("required")], op.get("summary"))
        return name, wire

    def generate(self) -> str:
        self.out = [HEADER]
        for name in sorted(self.schemas):
            if self.is_enum(name):
                self.enum(name)
        for name in sorted(self.schemas):
            if self.is_enum(name):
                continue
            if name not in self.request_side:
                self.model(name)
        ops = []
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                query_type, wire = self.query_params(op)
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                body_type = None
                if body is not None:
                    body_type = self.py_type(body, params=True)
                status = next(s for s in op["responses"] if s.startswith("2"))
                response = self._ref(op["responses"][status]["content"]["application/json"]["schema"])
                ops.append((op["operationId"], method.upper(), path, wire, body_type, query_type, response))
        for name in sorted(self.request_side):
            if not self.is_enum(name):
                self.params_of(name)
        self.out.append("")
        for name in sorted(self.typed_dicts):
            self.out += ["", "", self.typed_dicts[name]]
        self.out += ["", "", "# every response object, by name (ApiObject._parse resolves nested objects here)"]
        models = sorted(n for n in self.schemas if not self.is_enum(n) and n not in self.request_side)
        self.out.append("MODELS: dict[str, type[ApiObject]] = {")
        self.out += [f"    {json.dumps(n)}: {n}," for n in models]
        self.out += ["}", "", "# operationId -> method, path, query parameters (name, wire name, style), answer", ""]
        self.out.append("OPERATIONS: dict[str, Operation] = {")
        for op_id, method, path, wire, body_type, query_type, response in ops:
            self.out.append(
                f"    {json.dumps(op_id)}: Operation({json.dumps(method)}, {json.dumps(path)}, "
                f"query={tuple(tuple(w) for w in wire)!r}, body={body_type is not None}, response={json.dumps(response)}),"
            )
        self.out += ["}", ""]
        return "\n".join(self.out)


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    doc = json.loads(source.read_text())
    target.write_text(Gen(doc).generate())


if __name__ == "__main__":
    main()
