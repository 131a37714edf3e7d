#!/usr/bin/env bash
# The Python SDK's toolchain: the project's virtualenv (Python 3.12) with pytest and the
# pinned mypy of requirements-dev.txt. A no-op once there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ -x "$root/.venv/bin/mypy" ] && [ -x "$root/.venv/bin/pytest" ] && exit 0
pin="$(grep -E '^mypy==' "$root/requirements-dev.txt")"
"$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check "$pin" pytest
