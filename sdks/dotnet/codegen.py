"""Generates sdks/dotnet/generated/Models.g.cs from openapi/openapi.json (generate.sh).

A small generator of our own, like the Python SDK's: openapi-generator's `csharp` output needs
Newtonsoft.Json, JsonSubTypes and Polly from NuGet, which neither this machine nor Debian's Mono
has, and C# 8+ features Mono's compiler (C# 7) lacks. This one emits plain C# 7 with no
dependency, which Mono builds here and `dotnet pack` builds for netstandard2.0 elsewhere:

- every response object becomes a class of `ApiObject` with typed properties (`[JsonName]` maps
  the wire name; unknown fields stay readable through `obj["name"]`);
- every enum becomes a C# enum with an `Unknown` member: an unknown value in an answer (a newer
  API version) reads as `Unknown` instead of failing, and a misspelt value does not compile;
- request bodies become `...Params` classes whose unset (null) properties are not sent;
- `oneOf` with a discriminator (an event's `data.object`) is chosen by the `object` field.

Deterministic: the same document gives byte-identical output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Inline enums get the names a C# user would look for (owner schema, property) -> enum name.
INLINE_ENUMS = {
    ("ErrorDetail", "type"): "ErrorType",
    ("ErrorDetail", "code"): "ErrorCode",
    ("Event", "type"): "EventType",
    ("WebhookEndpoint", "status"): "EndpointStatus",
    ("WebhookEndpoint", "enabled_events"): "EnabledEvent",
    ("WebhookEndpointCreate", "enabled_events"): "EnabledEvent",
    ("WebhookEndpointUpdate", "enabled_events"): "EnabledEvent",
    ("DeliveryAttempt", "status"): "DeliveryAttemptStatus",
    ("BatchOperation", "method"): "BatchMethod",
    ("ResourceCreate", "expand"): "ExpandPath",
    ("ResourceUpdate", "expand"): "ExpandPath",
}
# Request bodies: the classes a caller fills in (named ...Params).
REQUEST_SCHEMAS = {
    "ResourceCreate": "ResourceCreateParams",
    "ResourceUpdate": "ResourceUpdateParams",
    "ResourceConfigurationParams": "ResourceConfigurationParams",
    "ResourceConfigurationPatch": "ResourceConfigurationPatch",
    "WebhookEndpointCreate": "WebhookEndpointCreateParams",
    "WebhookEndpointUpdate": "WebhookEndpointUpdateParams",
    "WebhookReplay": "WebhookReplayParams",
    "WebhookSecretRotate": "WebhookSecretRotateParams",
    "EventResend": "EventResendParams",
    "BatchRequest": "BatchParams",
    "BatchOperation": "BatchOperation",
}
# Named enums that are aliases of another's values.
ENUM_ALIASES = {"SettableStatus": None}  # its own enum: only the statuses a caller may set


def pascal(name: str) -> str:
    out = "".join(p[:1].upper() + p[1:] for p in name.replace(".", "_").replace("-", "_").replace("[", "_").split("_") if p)
    if name == "*":
        return "All"
    return out or "Empty"


class Gen:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = doc["components"]["schemas"]
        self.enums: dict[str, list[str]] = {}
        self.lines: list[str] = []

    def class_name(self, schema: str) -> str:
        return REQUEST_SCHEMAS.get(schema, schema)

    def enum_name(self, owner: str, prop: str, values: list[str]) -> str:
        name = INLINE_ENUMS.get((owner, prop)) or pascal(owner) + pascal(prop)
        known = self.enums.setdefault(name, values)
        if known != values:
            raise SystemExit(f"enum {name}: two different value sets {known} / {values}")
        return name

    def type_of(self, node: dict[str, Any], owner: str, prop: str, required: bool) -> str:
        """The C# type of a property; value types are nullable unless required and not nullable."""
        nullable = not required
        variants = node.get("anyOf") or node.get("oneOf")
        if variants:
            non_null = [v for v in variants if v.get("type") != "null"]
            if len(non_null) < len(variants):
                nullable = True
            if len(non_null) == 1:
                node = non_null[0]
            else:
                return "ApiObject"  # chosen by shape or discriminator at run time
        if "$ref" in node:
            ref = node["$ref"].rsplit("/", 1)[-1]
            target = self.schemas[ref]
            if "enum" in target:
                return ref + ("?" if nullable else "")
            return self.class_name(ref)
        if "enum" in node and node.get("type") == "string":
            return self.enum_name(owner, prop, node["enum"]) + ("?" if nullable else "")
        if "const" in node:
            return "bool" + ("?" if nullable else "") if isinstance(node["const"], bool) else "string"
        kind = node.get("type")
        if kind == "string":
            return "string"
        if kind == "integer":
            return "long" + ("?" if nullable else "")
        if kind == "number":
            return "double" + ("?" if nullable else "")
        if kind == "boolean":
            return "bool" + ("?" if nullable else "")
        if kind == "array":
            return f"List<{self.type_of(node['items'], owner, prop, True).rstrip('?')}>"
        if kind == "object" and "additionalProperties" in node:
            extra = node["additionalProperties"]
            if isinstance(extra, dict) and extra.get("type") == "string":
                return "Dictionary<string, string>"
            return "Dictionary<string, object>"
        return "object"

    def emit_class(self, schema: str, node: dict[str, Any]) -> None:
        name = self.class_name(schema)
        request = schema in REQUEST_SCHEMAS
        required = set(node.get("required", []))
        doc = (node.get("description") or schema).strip().splitlines()[0]
        self.lines += ["", f"    /// <summary>{esc(doc)}</summary>"]
        if request:
            self.lines.append(f"    public sealed partial class {name} : RequestParams")
        else:
            self.lines.append(f"    public partial class {name} : ApiObject")
        self.lines.append("    {")
        for prop, pnode in node.get("properties", {}).items():
            ctype = self.type_of(pnode, schema, prop, prop in required and not request)
            if request and not ctype.endswith("?") and ctype in ("long", "double", "bool") or (
                request and self.is_enum(ctype)
            ):
                ctype += "?"  # unset: not sent
            member = pascal(prop)
            if member == name:
                member += "Value"
            self.lines.append(f'        [JsonName("{prop}")] public {ctype} {member} {{ get; set; }}')
        self.lines.append("    }")

    def is_enum(self, ctype: str) -> bool:
        return ctype in self.enums or ctype in {n for n, s in self.schemas.items() if "enum" in s}

    def emit_enum(self, name: str, values: list[str]) -> None:
        self.lines += ["", f"    public enum {name}", "    {", "        /// <summary>A value this SDK does not know (a newer API version).</summary>",
                       "        Unknown = 0,"]
        for value in values:
            self.lines.append(f'        [JsonName("{value}")] {pascal(value)},')
        self.lines.append("    }")

    def emit_discriminators(self) -> None:
        """The discriminated unions: `object` value -> class, for the binder."""
        self.lines += ["", "    internal static class Discriminators", "    {",
                       "        internal static readonly Dictionary<string, Type> ByObject = new Dictionary<string, Type>",
                       "        {"]
        mapping: dict[str, str] = {}
        for node in self.schemas.values():
            for pnode in node.get("properties", {}).values():
                disc = (pnode.get("discriminator") or {}).get("mapping", {})
                for value, ref in disc.items():
                    mapping[value] = ref.rsplit("/", 1)[-1]
        for value, ref in sorted(mapping.items()):
            self.lines.append(f'            {{ "{value}", typeof({self.class_name(ref)}) }},')
        self.lines += ["        };", "    }"]

    def render(self) -> str:
        classes = [(n, s) for n, s in self.schemas.items() if s.get("type") == "object" or "properties" in s]
        body_start = len(self.lines)
        for name, node in classes:
            self.emit_class(name, node)
        class_lines = self.lines[body_start:]
        self.lines = self.lines[:body_start]
        for name, node in self.schemas.items():
            if "enum" in node:
                self.enums.setdefault(name, node["enum"])
        for name in sorted(self.enums):
            self.emit_enum(name, self.enums[name])
        self.lines += class_lines
        self.emit_discriminators()
        head = [
            "// Generated from openapi/openapi.json by sdks/dotnet/codegen.py. Do not edit: run `make sdks`.",
            "// C# 7, no dependencies: Mono's compiler builds it here, `dotnet pack` for netstandard2.0 elsewhere.",
            "using System;",
            "using System.Collections.Generic;",
            "",
            "namespace Example",
            "{",
        ]
        return "\n".join(head + self.lines[1:] + ["}", ""])


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main() -> None:
    doc_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    out_path.write_text(Gen(json.loads(doc_path.read_text())).render())


if __name__ == "__main__":
    main()
