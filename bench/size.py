"""Phase 2: deployment size. Unzipped (and zipped) size of each function asset and
each layer; every function deploys with every layer, so a function's total is its
asset plus all layers, against Lambda's 250 MB unzipped limit (and our 25 MB target).

Layers come from `make build` (build/layers/*) when built; otherwise the shared layer
is sized from its sources and the dependency layer from a `pip install --target` of
layers/deps/requirements.txt for the Lambda platform (made here, in a temp folder).

    python -m bench.size OUT.json
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bench import discover

MB = 1024 * 1024
LAMBDA_LIMIT_MB = 250
TARGET_MB = 25
SKIP_DIRS = {"__pycache__"}


def files(folder: Path, with_pyc: bool) -> list[Path]:
    out = []
    for root, dirs, names in os.walk(folder):
        if not with_pyc:
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in names:
            if with_pyc or not name.endswith(".pyc"):
                out.append(Path(root) / name)
    return out


def measure(folder: Path, with_pyc: bool = True, zipped: bool = True) -> dict[str, Any]:
    paths = files(folder, with_pyc)
    unzipped = sum(p.stat().st_size for p in paths)
    result: dict[str, Any] = {"files": len(paths), "unzipped_bytes": unzipped, "unzipped_mb": round(unzipped / MB, 2)}
    if zipped:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for p in paths:
                zf.write(p, p.relative_to(folder).as_posix())
        result["zipped_mb"] = round(buf.tell() / MB, 2)
    return result


def largest_packages(python_dir: Path, top: int = 6) -> list[dict[str, Any]]:
    sizes = []
    for child in python_dir.iterdir():
        if child.name.endswith(".dist-info"):
            continue
        size = sum(p.stat().st_size for p in files(child, True)) if child.is_dir() else child.stat().st_size
        sizes.append((size, child.name))
    return [{"name": n, "mb": round(s / MB, 2)} for s, n in sorted(sizes, reverse=True)[:top]]


def run() -> dict[str, Any]:
    layers: dict[str, dict[str, Any]] = {}
    built = discover.layer_dirs()
    tmp: Path | None = None
    try:
        if "shared" in built:
            layers["shared"] = {"source": "build/layers/shared", **measure(built["shared"])}
        else:
            layers["shared"] = {
                "source": "layers/shared/python (sources; make build not run)",
                **measure(discover.SHARED_SRC.parent, with_pyc=False),
            }
        if "deps" in built:
            layers["deps"] = {"source": "build/layers/deps (aarch64)", **measure(built["deps"])}
            layers["deps"]["largest"] = largest_packages(built["deps"] / "python")
        else:
            tmp = Path(tempfile.mkdtemp(prefix="bench-deps-"))
            target = tmp / "python"
            proc = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
                 str(target), "-r", str(discover.REQUIREMENTS), "--platform", "manylinux2014_aarch64",
                 "--implementation", "cp", "--python-version", "3.12", "--only-binary=:all:"],
                capture_output=True, text=True, timeout=300,
            )
            if proc.returncode != 0:
                layers["deps"] = {"na": f"pip install --target failed: {proc.stderr.strip()[-300:]}"}
            else:
                layers["deps"] = {
                    "source": "pip install --target of layers/deps/requirements.txt (aarch64; no .pyc)",
                    **measure(tmp),
                    "largest": largest_packages(target),
                }
        layer_total = sum(v.get("unzipped_bytes", 0) for v in layers.values())
        functions = {}
        for fn in discover.functions():
            asset = measure(fn.folder, with_pyc=False)
            total = asset["unzipped_bytes"] + layer_total
            functions[fn.name] = {
                "kind": fn.kind,
                "asset_unzipped_bytes": asset["unzipped_bytes"],
                "asset_zipped_mb": asset["zipped_mb"],
                "total_unzipped_mb": round(total / MB, 2),
                "limit_mb": LAMBDA_LIMIT_MB,
                "share_of_limit": round(total / (LAMBDA_LIMIT_MB * MB), 4),
            }
        return {
            "layers": layers,
            "layers_unzipped_mb": round(layer_total / MB, 2),
            "functions": functions,
            "lambda_limit_mb": LAMBDA_LIMIT_MB,
            "target_mb": TARGET_MB,
        }
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    with open(argv[0], "w") as f:
        json.dump(run(), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
