"""One version for every SDK, set in one place (sdks/VERSION): every manifest and version
constant agrees with it, and the spec's Maven coordinates name it."""

from __future__ import annotations

import subprocess
import sys

from . import ROOT


def test_every_sdk_declares_the_version_of_sdks_version():
    out = subprocess.run([sys.executable, str(ROOT / "sdks" / "version.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout
    version = (ROOT / "sdks" / "VERSION").read_text().strip()
    assert out.stdout.strip() == version


def test_the_places_cover_every_sdk():
    sys.path.insert(0, str(ROOT / "sdks"))
    try:
        import version  # noqa: PLC0415
    finally:
        sys.path.pop(0)
    files = {rel for rel, _ in version.found()}
    for sdk in ("node", "python", "go", "ruby", "php", "java", "dotnet"):
        assert any(rel.startswith(sdk + "/") for rel in files), f"no version of the {sdk} SDK is checked"
