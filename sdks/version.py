"""One version for every SDK: sdks/VERSION. `make sdks` runs `python sdks/version.py` first, which
writes it into each package's manifest and version constant; `python sdks/version.py --check`
(tests/sdks/test_versions.py) fails when any of them differs.

To release a new version: edit sdks/VERSION, run `make sdks`, commit what changed."""

from __future__ import annotations

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (file under sdks/, pattern whose group 1 is the version; every match is rewritten)
PLACES = [
    ("node/package.json", r'^  "version": "([^"]+)"'),
    ("node/package-lock.json", r'^  "version": "([^"]+)"'),
    ("node/package-lock.json", r'^      "name": "@example/api-sdk",\n      "version": "([^"]+)"'),
    ("node/src/version.ts", r'VERSION = "([^"]+)"'),
    ("python/pyproject.toml", r'^version = "([^"]+)"'),
    ("python/example_api/_client.py", r'^VERSION = "([^"]+)"'),
    ("go/client.go", r'^const Version = "([^"]+)"'),
    ("ruby/lib/example/version.rb", r'VERSION = "([^"]+)"'),
    ("php/src/Client.php", r"public const VERSION = '([^']+)'"),
    ("java/src/com/example/ExampleClient.java", r'public static final String VERSION = "([^"]+)"'),
    ("java/pom.xml", r"<artifactId>example-java</artifactId>\n  <version>([^<]+)</version>"),
    ("dotnet/Example.Api.csproj", r"<Version>([^<]+)</Version>"),
    ("dotnet/src/Client.cs", r'public const string Version = "([^"]+)"'),
]


def version() -> str:
    with open(os.path.join(HERE, "VERSION"), encoding="utf-8") as f:
        return f.read().strip()


def found() -> list[tuple[str, str]]:
    """Every (file, version) the SDKs declare; a place whose pattern matches nothing is an error."""
    out = []
    for rel, pattern in PLACES:
        path = os.path.join(HERE, rel)
        if not os.path.exists(path):
            continue  # an SDK not in this tree (yet)
        with open(path, encoding="utf-8") as f:
            matches = re.findall(pattern, f.read(), flags=re.M)
        if not matches:
            raise SystemExit(f"sdks/{rel}: no version found by {pattern!r}")
        out += [(rel, m) for m in matches]
    return out


def write(want: str) -> None:
    for rel, pattern in PLACES:
        path = os.path.join(HERE, rel)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new = re.sub(pattern, lambda m: m.group(0)[: m.start(1) - m.start(0)] + want + m.group(0)[m.end(1) - m.start(0):],
                     text, flags=re.M)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)


if __name__ == "__main__":
    want = version()
    if "--check" in sys.argv:
        wrong = [f"sdks/{rel}: {v}" for rel, v in found() if v != want]
        if wrong:
            raise SystemExit(f"not at sdks/VERSION ({want}): " + ", ".join(wrong) + "; run `make sdks`")
        print(want)
    else:
        write(want)
