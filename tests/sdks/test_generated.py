"""`make sdks` leaves no diff: every sdks/*/generate.sh, run on a copy of this tree,
reproduces exactly the generated files that are here (checked in and up to date with
openapi/openapi.json), byte for byte, and adds none. A copy, so that a dev tree with
uncommitted edits is neither changed nor judged by its own edits' state in git."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from . import ROOT

TIMEOUT_S = 900


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def _copy_of_tree(dest: Path) -> None:
    """The tree as it is (tracked and new files, not ignored ones) in a fresh git repo,
    committed; the ignored toolchains it needs (.venv, node_modules) linked in."""
    files = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name, follow_symlinks=False)
    ignored = _git("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", cwd=ROOT)
    for name in filter(None, ignored.split("\0")):
        name = name.rstrip("/")
        if name == ".venv" or name.endswith("node_modules"):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(ROOT / name, dest / name)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "tree", "--no-gpg-sign", cwd=dest)


def test_make_sdks_leaves_no_diff(tmp_path):
    scripts = sorted((ROOT / "sdks").glob("*/generate.sh"))
    copy = tmp_path / "tree"
    _copy_of_tree(copy)
    out = subprocess.run(
        # (-o: the venv is the one linked in, installed already; make must not pip into it)
        ["make", "-s", "-o", ".venv/bin/.installed", "sdks"], cwd=copy, capture_output=True, text=True, timeout=TIMEOUT_S,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS")},
    )
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-5000:]
    for script in scripts:
        assert f"sdks/{script.parent.name}/generate.sh" in out.stdout, out.stdout  # each one ran
    changed = _git("status", "--porcelain", "--untracked-files=all", "sdks", "openapi", cwd=copy)
    assert not changed, f"`make sdks` changed generated files (run it and commit):\n{changed[:5000]}"
