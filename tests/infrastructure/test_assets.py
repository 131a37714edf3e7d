"""What ships to Lambda: every function's handler string resolves to a handler inside its
staged asset plus the layers, with only the packages of the dependency layer (what
fails here would fail at the first request in AWS), and the .pyc the layers carry are
the kind a read-only /opt will use.

This machine is x86_64 and the deployed dependency layer is aarch64 (its compiled
extensions do not load here), so imports run against its host-platform twin, built
from the same requirements file, and a test asserts both hold the same distributions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from resource_api import routes

from infra import build as layer_build
from infra.functions import HANDLER

# Every function the stack deploys: the routes', the authorizer, and the event-driven ones
# (stream processor, webhook delivery, metrics ingestion): every folder under functions/.
ALL_FUNCTIONS = sorted(p.name for p in (layer_build.ROOT / "functions").iterdir() if (p / "handler.py").is_file())
ELF_MACHINE = {183: "aarch64", 62: "x86_64"}

# Runs in a fresh `python -I -S -B`: no PYTHONPATH, no site-packages, nothing written
# (Lambda's mounts are read-only). One process for all functions, each imported with
# sys.path = its own asset + the layers + the runtime's boto3 + the standard library,
# and everything loaded from its asset dropped before the next one.
IMPORT_CHECK = textwrap.dedent(
    """
    import importlib, json, os, sys, traceback
    spec = json.loads(sys.argv[1])
    stdlib = [p for p in sys.path if p.startswith(sys.base_prefix)]
    errors = {}
    for name, asset in spec["functions"].items():
        layers = spec["own_layers"].get(name, []) + spec["layers"]
        roots = tuple(os.path.realpath(p) for p in layers + [sys.base_prefix])
        sys.path[:] = [asset] + layers + stdlib
        module_name, _, attr = spec["handler"].rpartition(".")
        try:
            handler = getattr(importlib.import_module(module_name), attr)
            assert callable(handler), spec["handler"]
            stray = sorted(
                f"{n}: {m.__file__}" for n, m in list(sys.modules.items())
                if getattr(m, "__file__", None)
                and not os.path.realpath(m.__file__).startswith(roots + (os.path.realpath(asset),))
            )
            assert not stray, f"imported from outside the asset and layers: {stray}"
        except BaseException:
            errors[name] = traceback.format_exc()
        for n, m in list(sys.modules.items()):
            if (getattr(m, "__file__", None) or "").startswith((asset, *spec["own_layers"].get(name, []))):
                del sys.modules[n]
        importlib.invalidate_caches()
    print(json.dumps(errors))
    """
)


def lambda_assets(synth) -> dict[str, Path]:
    """functions/<name> -> its staged asset folder in cdk.out."""
    out = {}
    for fn in synth.of_type("AWS::Lambda::Function").values():
        asset = synth.asset_dir(fn["Properties"]["Code"])
        for name in ALL_FUNCTIONS:
            if (asset / "handler.py").read_bytes() == (layer_build.ROOT / "functions" / name / "handler.py").read_bytes():
                out[name] = asset
    return out


def layer_assets(synth) -> dict[str, Path]:
    out = {}
    for layer in synth.of_type("AWS::Lambda::LayerVersion").values():
        asset = synth.asset_dir(layer["Properties"]["Content"])
        if (asset / "python" / "dashboard").is_dir():  # the dashboard function's own layer
            out["dashboard"] = asset / "python"
        else:
            out["shared" if (asset / "python" / "resource_api").is_dir() else "deps"] = asset / "python"
    return out


def elf_machines(root: Path) -> set[str]:
    found = set()
    for so in root.rglob("*.so"):
        header = so.read_bytes()[:20]
        found.add(ELF_MACHINE.get(int.from_bytes(header[18:20], "little"), "other"))
    return found


def test_handlers_import_from_asset_and_layers_only(sandbox, layers, runtime_boto3):
    assets = lambda_assets(sandbox)
    assert {r.function for r in routes.ROUTES} | {routes.AUTHORIZER_FUNCTION, "metrics_ingest"} <= set(ALL_FUNCTIONS)
    assert set(assets) == set(ALL_FUNCTIONS)
    shared = layer_assets(sandbox)["shared"]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "TABLE_NAME": "resource-api",
        "STAGE": "sandbox",
        "POWERTOOLS_SERVICE_NAME": "resource-api",
        "DOC_BASE_URL": "https://example.com/docs",
        # Lambda passes the execution role's credentials in the environment; the
        # delivery function builds its AWS clients at init, and without these botocore
        # would look for credentials as far as the EC2 metadata service (off loopback).
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }
    spec = {
        "functions": {name: str(asset) for name, asset in assets.items()},
        # Only what a function has in AWS besides its asset: the two layers (the deps
        # layer's host twin) and boto3 from the runtime.
        "layers": [str(shared), str(layers["host_deps"]), str(runtime_boto3)],
        # The dashboard's third layer (pure Python but for MarkupSafe's optional speed-ups,
        # which fall back to Python where the aarch64 build cannot load), its function only.
        "own_layers": {"dashboard": [str(layer_assets(sandbox)["dashboard"])]},
        "handler": HANDLER,
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", IMPORT_CHECK, json.dumps(spec)],
        env=env, cwd=str(sandbox.outdir), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    errors = json.loads(result.stdout.strip().splitlines()[-1])
    assert not errors, "\n\n".join(f"{name}:\n{err}" for name, err in errors.items())


def test_function_assets_hold_only_their_handler(synth):
    for name, asset in lambda_assets(synth).items():
        files = sorted(p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file())
        assert files == sorted(
            p.relative_to(layer_build.ROOT / "functions" / name).as_posix()
            for p in (layer_build.ROOT / "functions" / name).rglob("*")
            # (a function's bench.json, bench/discover.py, is left out of its asset)
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and p.name != "bench.json"
        ), name


def test_deps_layer_is_aarch64_and_matches_its_host_twin(sandbox, layers):
    deployed = layer_assets(sandbox)["deps"]
    assert layer_build.distributions(deployed) == layer_build.distributions(layers["host_deps"])
    assert elf_machines(deployed) == {"aarch64"}
    assert elf_machines(layers["host_deps"]) <= {"x86_64"}


def test_no_dev_or_runtime_provided_packages_in_any_layer(sandbox):
    for kind, python_dir in layer_assets(sandbox).items():
        shipped = set(layer_build.distributions(python_dir))
        assert not shipped & layer_build.FORBIDDEN, (kind, shipped & layer_build.FORBIDDEN)
        for top in ("boto3", "botocore", "aws_cdk", "moto", "pytest", "cdk_nag", "cfnlint", "jsii"):
            assert not (python_dir / top).exists(), (kind, top)


def test_layers_fit_lambda_limits(sandbox):
    total = sum(p.stat().st_size for d in layer_assets(sandbox).values() for p in d.rglob("*") if p.is_file())
    assert total < 200 * 1024 * 1024  # 250 MB unzipped for function + layers; keep headroom


def _pyc_header(pyc: Path) -> tuple[bytes, int]:
    data = pyc.read_bytes()[:8]
    return data[:4], int.from_bytes(data[4:8], "little")


@pytest.mark.parametrize("kind", ["shared", "deps"])
def test_every_module_ships_an_unchecked_hash_pyc_of_python_312(sandbox, kind):
    python_dir = layer_assets(sandbox)[kind]
    sources = [p for p in python_dir.rglob("*.py") if "__pycache__" not in p.parts]
    missing = []
    for source in sources:
        pyc = Path(importlib.util.cache_from_source(str(source)))
        if not pyc.exists():
            missing.append(source)
            continue
        magic, flags = _pyc_header(pyc)
        assert magic == importlib.util.MAGIC_NUMBER, pyc  # written by 3.12, the runtime's version
        assert flags == 0b01, pyc  # hash-based, check_source off: mtimes never matter
    if kind == "shared":
        assert not missing
    else:  # third-party trees may hold files that are not Python 3.12 code
        assert len(missing) <= len(sources) // 100, missing[:10]


def test_pyc_are_used_on_a_read_only_layer_whatever_the_mtimes(sandbox, tmp_path):
    # Given the shared layer as Lambda unpacks it: every file dated 1980-01-01 (the CDK
    # zips assets with fixed dates), under /opt/python where nothing can be written
    layer = tmp_path / "python"
    shutil.copytree(layer_assets(sandbox)["shared"], layer)
    for path in layer.rglob("*"):
        os.utime(path, (315532800, 315532800))
    # When a module is imported (-B: write nothing, as on a read-only mount)
    code = "import sys; sys.path.insert(0, sys.argv[1]); import resource_api.routes"
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-v", "-c", code, str(layer)], capture_output=True, text=True, check=True
    )
    # Then it runs from the shipped .pyc
    pyc = layer / "resource_api" / "__pycache__" / f"routes.{sys.implementation.cache_tag}.pyc"
    assert f"code object from '{pyc}'" in result.stderr
    assert "bytecode is stale" not in result.stderr


def test_the_build_refuses_another_python(monkeypatch):
    monkeypatch.setattr(layer_build.sys, "version_info", (3, 13, 0))
    with pytest.raises(SystemExit, match="3.12"):
        layer_build._check_interpreter()


def test_the_build_is_skipped_when_inputs_did_not_change(layers, capsys):
    layer_build.build_all(host_twin=True)  # catches up if a source changed meanwhile
    capsys.readouterr()
    layer_build.build_all(host_twin=True)
    out = capsys.readouterr().out
    assert "shared layer up to date" in out and "deps up to date" in out and "host-deps up to date" in out


def test_runtime_python_matches_the_build_interpreter():
    from infra.layers import RUNTIME

    assert RUNTIME.name == "python%d.%d" % layer_build.RUNTIME_PYTHON == f"python{sysconfig.get_python_version()}"


def test_two_builds_of_the_same_sources_are_byte_identical(tmp_path):
    # Given the shared layer's sources copied to two different build folders, as two
    # clean checkouts' builds (each in its own temporary folder) would have them
    trees = []
    for name in ("one", "another-longer-name"):
        python_dir = tmp_path / name / "python"
        shutil.copytree(layer_build.SHARED_SRC, python_dir, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        layer_build.compile_tree(python_dir, strict=True)
        trees.append({p.relative_to(python_dir).as_posix(): p.read_bytes()
                      for p in sorted(python_dir.rglob("*")) if p.is_file()})
    # Then every file, every .pyc included, is the same bytes (so the asset hash is too)
    assert trees[0].keys() == trees[1].keys() and any(k.endswith(".pyc") for k in trees[0])
    assert [k for k in trees[0] if trees[0][k] != trees[1][k]] == []
    # and a .pyc names its source where Lambda mounts the layer
    pyc = next(k for k in trees[0] if k.endswith(".pyc"))
    assert layer_build.LAYER_PYTHON_PATH.encode() in trees[0][pyc]
