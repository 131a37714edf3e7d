"""Builds the Lambda layers without Docker: `make build` (python -m infra.build).

Layers (each a folder whose `python/` lands on sys.path as /opt/python):

- build/layers/shared: our code, a copy of layers/shared/python.
- build/layers/deps:   layers/deps/requirements.txt installed for the Lambda platform
  (pip --platform manylinux2014_aarch64 --implementation cp --python-version 3.12
  --only-binary=:all:), so no Docker and no compiler are needed.
- build/layers/dashboard: the dashboard's own layer (functions/dashboard only): its code
  (layers/dashboard/python: the app, templates, stylesheet) and the packages of
  layers/dashboard/requirements.txt (FastAPI, Mangum, Jinja2...) for the Lambda platform,
  installed --no-deps (pydantic comes from the deps layer), so the API functions' layers
  do not grow.
- build/host-deps:     (tests only, `--host-twin`) the same requirements for this machine,
  so tests can import the handlers with exactly the deployed package set.

Each build is skipped when its inputs did not change (a hash stamp in build/.stamps).

Compiled bytecode. Lambda mounts layers read-only under /opt, so Python cannot write
`__pycache__` there: a layer without usable .pyc recompiles every module at every cold
start (3.5-4.5x slower imports). A .pyc is used only when
  1. it was written by the runtime's minor version (the magic number: 3.12 here, which
     is why the venv and the runtime are both 3.12 and this script refuses any other), and
  2. it is still valid for its source. A default (timestamp) .pyc records the source's
     mtime and size; the CDK zips its assets with fixed file dates, so after unzipping
     the mtime no longer matches and the .pyc would be ignored.
So every .pyc is written with PycInvalidationMode.UNCHECKED_HASH: the interpreter uses
it without looking at the source's mtime (or hashing the source). The source files
ship too, for tracebacks. Unchecked-hash .pyc compiled with `ddir=/opt/python` (the
path they name is where Lambda mounts them, not the temporary build folder) are
byte-for-byte reproducible, so the asset hashes (and deployments) do not change when
nothing changed (tests/infrastructure/test_assets.py builds twice and compares). The flip side:
a .pyc is never re-validated, so the layer folders must only ever be written by this
script (which rebuilds them whole whenever a source changes).
tests/infrastructure/test_assets.py checks all of it on the built layers.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import hashlib
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
STAMPS = BUILD / ".stamps"
SHARED_SRC = ROOT / "layers" / "shared" / "python"
REQUIREMENTS = ROOT / "layers" / "deps" / "requirements.txt"

DASHBOARD_SRC = ROOT / "layers" / "dashboard" / "python"
DASHBOARD_REQUIREMENTS = ROOT / "layers" / "dashboard" / "requirements.txt"

SHARED_LAYER = BUILD / "layers" / "shared"
DASHBOARD_LAYER = BUILD / "layers" / "dashboard"
DEPS_LAYER = BUILD / "layers" / "deps"
HOST_DEPS = BUILD / "host-deps"

RUNTIME_PYTHON = (3, 12)  # Lambda runtime python3.12; see infra/api.py
LAMBDA_PLATFORM = ["--platform", "manylinux2014_aarch64", "--implementation", "cp",
                   "--python-version", "3.12", "--only-binary=:all:"]
# Bump when the layout or the compile step changes, so old builds are redone.
FORMAT = "4"
# Where Lambda mounts a layer's python/ folder: the path compiled into every .pyc (its
# code objects' co_filename), so a .pyc does not depend on the temporary folder it was
# built in and two builds of the same inputs are byte-identical.
LAYER_PYTHON_PATH = "/opt/python"

# Distributions that must never ship in a Lambda asset: dev and deploy tooling, and
# boto3/botocore, which the runtime provides.
FORBIDDEN = {
    "boto3", "botocore", "s3transfer", "aws-cdk-lib", "aws-cdk-asset-awscli-v1",
    "aws-cdk-asset-node-proxy-agent-v6", "aws-cdk-cloud-assembly-schema", "constructs",
    "jsii", "cdk-nag", "cfn-lint", "moto", "pytest", "pytest-timeout", "requests",
}


def log(msg: str) -> None:
    print(f">> {msg}", flush=True)


def _check_interpreter() -> None:
    if sys.version_info[:2] != RUNTIME_PYTHON:
        raise SystemExit(
            f"infra.build must run on Python {RUNTIME_PYTHON[0]}.{RUNTIME_PYTHON[1]} (the Lambda runtime's "
            f"version) so the .pyc it ships are used there; this is {sys.version.split()[0]}"
        )


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _tree_digest(root: Path) -> str:
    parts: list[bytes] = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            parts += [path.relative_to(root).as_posix().encode(), path.read_bytes()]
    return _digest(*parts)


def _stamp(name: str) -> Path:
    return STAMPS / f"{name}.sha256"


def _fresh(name: str, out: Path, digest: str) -> bool:
    stamp = _stamp(name)
    return out.is_dir() and stamp.is_file() and stamp.read_text().strip() == digest


def _replace(tmp: Path, out: Path, name: str, digest: str) -> None:
    """Move a finished build into place, then stamp it (a half build is never stamped)."""
    _stamp(name).unlink(missing_ok=True)
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(out)
    STAMPS.mkdir(parents=True, exist_ok=True)
    _stamp(name).write_text(digest + "\n")


def compile_tree(python_dir: Path, strict: bool) -> None:
    """Write unchecked-hash .pyc for every module under a layer's python/ folder, each
    naming its source where Lambda will find it (LAYER_PYTHON_PATH), not where it was built."""
    ok = compileall.compile_dir(
        str(python_dir),
        ddir=LAYER_PYTHON_PATH,
        quiet=1,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        workers=1,
    )
    if strict and not ok:
        raise SystemExit(f"compiling {python_dir} failed")


def distributions(python_dir: Path) -> dict[str, str]:
    """Installed distributions in a layer: normalised name -> version (from *.dist-info)."""
    out = {}
    for info in python_dir.glob("*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].rpartition("-")
        out[name.lower().replace("_", "-").replace(".", "-")] = version
    return out


def build_shared(force: bool = False) -> Path:
    digest = _digest(FORMAT.encode(), _tree_digest(SHARED_SRC).encode())
    if not force and _fresh("shared", SHARED_LAYER, digest):
        log(f"shared layer up to date ({SHARED_LAYER.relative_to(ROOT)})")
        return SHARED_LAYER
    log("building the shared code layer")
    BUILD.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="shared.", dir=BUILD))
    shutil.copytree(SHARED_SRC, tmp / "python", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    compile_tree(tmp / "python", strict=True)
    _replace(tmp, SHARED_LAYER, "shared", digest)
    return SHARED_LAYER


def _pip_install(target: Path, platform_args: list[str]) -> None:
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--no-input", "--target", str(target), "-r", str(REQUIREMENTS), *platform_args,
    ]
    subprocess.run(cmd, check=True)
    # Console scripts (a package's CLI) are of no use in a layer.
    shutil.rmtree(target / "bin", ignore_errors=True)
    found = FORBIDDEN & set(distributions(target))
    if found:
        raise SystemExit(f"{REQUIREMENTS.relative_to(ROOT)} pulls in {sorted(found)}, which must not ship to Lambda")


def _build_requirements(name: str, out: Path, platform_args: list[str], force: bool) -> Path:
    digest = _digest(FORMAT.encode(), REQUIREMENTS.read_bytes(), " ".join(platform_args).encode())
    if not force and _fresh(name, out, digest):
        log(f"{name} up to date ({out.relative_to(ROOT)})")
        return out
    log(f"building {name} from {REQUIREMENTS.relative_to(ROOT)} ({' '.join(platform_args) or 'this machine'})")
    BUILD.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=BUILD))
    try:
        _pip_install(tmp / "python", platform_args)
        # Third-party trees may hold files that are not meant to compile (templates,
        # py2 fixtures): compile what compiles.
        compile_tree(tmp / "python", strict=False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _replace(tmp, out, name, digest)
    return out


def build_dashboard(force: bool = False) -> Path:
    digest = _digest(FORMAT.encode(), _tree_digest(DASHBOARD_SRC).encode(), DASHBOARD_REQUIREMENTS.read_bytes(),
                     " ".join(LAMBDA_PLATFORM).encode())
    if not force and _fresh("dashboard", DASHBOARD_LAYER, digest):
        log(f"dashboard layer up to date ({DASHBOARD_LAYER.relative_to(ROOT)})")
        return DASHBOARD_LAYER
    log(f"building the dashboard layer (layers/dashboard + {DASHBOARD_REQUIREMENTS.relative_to(ROOT)})")
    BUILD.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dashboard.", dir=BUILD))
    try:
        shutil.copytree(DASHBOARD_SRC, tmp / "python", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        cmd = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--no-input", "--no-deps", "--target", str(tmp / "python"), "-r", str(DASHBOARD_REQUIREMENTS),
            *LAMBDA_PLATFORM,
        ]
        subprocess.run(cmd, check=True)
        shutil.rmtree(tmp / "python" / "bin", ignore_errors=True)
        found = FORBIDDEN & set(distributions(tmp / "python"))
        if found:
            raise SystemExit(f"{DASHBOARD_REQUIREMENTS.relative_to(ROOT)} pulls in {sorted(found)}")
        compile_tree(tmp / "python", strict=False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _replace(tmp, DASHBOARD_LAYER, "dashboard", digest)
    return DASHBOARD_LAYER


def build_deps(force: bool = False) -> Path:
    return _build_requirements("deps", DEPS_LAYER, LAMBDA_PLATFORM, force)


def build_host_deps(force: bool = False) -> Path:
    """The dependency layer for this machine's platform (for import tests only)."""
    return _build_requirements("host-deps", HOST_DEPS, [], force)


def build_all(host_twin: bool = False, force: bool = False) -> None:
    _check_interpreter()
    BUILD.mkdir(parents=True, exist_ok=True)
    # One builder at a time (several test sessions may share a working tree).
    with open(BUILD / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        build_shared(force)
        build_deps(force)
        build_dashboard(force)
        if host_twin:
            build_host_deps(force)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host-twin", action="store_true", help="also build the host-platform deps (tests)")
    parser.add_argument("--force", action="store_true", help="rebuild even when inputs did not change")
    args = parser.parse_args(argv)
    build_all(host_twin=args.host_twin, force=args.force)


if __name__ == "__main__":
    main()
