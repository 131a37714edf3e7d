"""The README's `apictl` lines (section "Accounts and keys") run as printed, from a plain
shell: no PYTHONPATH, no Makefile, only the checkout's .venv. The placeholders
(`acct_...`, `key_...`) become the ids the first lines printed."""

from __future__ import annotations

import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme_apictl_lines() -> list[str]:
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    section = text.split("## Accounts and keys", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [ln.strip() for ln in block.splitlines() if ln.strip().startswith(".venv/bin/python -m apictl")]


def plain_shell(line: str, state_file: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8",
           # which local cloud: the test's own, not a `make run` of this checkout
           "LOCAL_STATE_FILE": state_file}
    return subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_readme_apictl_lines_work_as_printed(cloud):
    lines = readme_apictl_lines()
    assert [ln.split()[4] for ln in lines] == ["create-account", "add-key", "list-keys", "revoke-key",
                                                "set-api-version"], lines
    state_file = cloud.env["LOCAL_STATE_FILE"]
    account: dict = {}
    for line in lines:
        run = line
        if account:
            run = run.replace("acct_...", account["id"]).replace("key_...", account.get("key_id", "key_..."))
        out = plain_shell(run, state_file)
        assert out.returncode == 0, f"{line}\n{out.stderr}"
        printed = json.loads(out.stdout)
        command = line.split()[4]
        if command == "create-account":
            assert printed["plan"] == "free" and set(printed["keys"]) == {"test", "live"}
            account = {"id": printed["id"], "key": printed["keys"]["test"]}
        elif command == "add-key":
            assert printed["mode"] == "live" and printed["secret"].startswith("sk_live_")
        elif command == "list-keys":
            keys = printed["data"]
            assert len(keys) == 3 and all("secret" not in k for k in keys)
            account["key_id"] = next(k["id"] for k in keys if k["last4"] == account["key"][-4:])
        elif command == "revoke-key":
            assert printed == {"id": account["key_id"], "revoked": True}
        else:
            assert printed == {"id": account["id"], "api_version": re.search(r"\d{4}-\d\d-\d\d", line).group(0)}
    # the revoked key is refused by the API (once the authorizer's 1 s cache lets go)
    import time

    import requests

    deadline = time.monotonic() + 60
    while True:
        status = requests.get(f"{cloud.url}/v1/resources", headers={"Authorization": f"Bearer {account['key']}"},
                              timeout=30).status_code
        if status == 401 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 401
