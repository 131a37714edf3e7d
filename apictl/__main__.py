"""python -m apictl [--local] COMMAND ...

Works against whatever AWS endpoint boto3 is configured for: the deployed table
(set TABLE_NAME and AWS credentials) or, with --local, the running local cloud.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The running local cloud's endpoint file (`make run` writes it; LOCAL_STATE_FILE moves it, as for make listen).
STATE_FILE = os.environ.get("LOCAL_STATE_FILE") or os.path.join(ROOT, ".localcloud.json")
# The shared layer (resource_api) and the checkout, found from here: the README's
# `.venv/bin/python -m apictl ...` works from a plain shell, with no PYTHONPATH.
for _path in (os.path.join(ROOT, "layers", "shared", "python"), ROOT):
    if _path not in sys.path:
        sys.path.insert(0, _path)


def _use_local() -> None:
    try:
        with open(STATE_FILE) as f:
            state = json.load(f)
    except FileNotFoundError:
        sys.exit("apictl: no local cloud is running (start it with `make run`)")
    from localcloud.cloud import aws_environment

    os.environ.update(aws_environment(state["moto_url"]))
    os.environ["TABLE_NAME"] = state["table_name"]
    os.environ.setdefault("AWS_READ_TIMEOUT", "60")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apictl", description="Manage accounts and API keys.")
    parser.add_argument("--local", action="store_true", help="act on the running local cloud")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-account", help="create an account with a test and a live key")
    p.add_argument("--plan", default="free", help="free|starter|growth|scale|enterprise")
    p.add_argument("--name", default="")
    p.add_argument("--id", dest="account_id", default=None)
    p = sub.add_parser("add-key", help="add a key to an account (printed once)")
    p.add_argument("account_id")
    p.add_argument("--mode", choices=["test", "live"], required=True)
    p = sub.add_parser("list-keys", help="list an account's keys (never their secrets)")
    p.add_argument("account_id")
    p = sub.add_parser("revoke-key", help="revoke a key by its id (key_...)")
    p.add_argument("account_id")
    p.add_argument("key_id")
    p = sub.add_parser("set-api-version", help="pin the account's default API version")
    p.add_argument("account_id")
    p.add_argument("version", help="2023-09-15|2023-11-01|2024-01-15")
    args = parser.parse_args(argv)
    if args.local:
        _use_local()

    from resource_api.core import accounts

    if args.command == "create-account":
        account = accounts.create_account(plan=args.plan, account_id=args.account_id, name=args.name)
        test = accounts.add_key(account["id"], "test")
        live = accounts.add_key(account["id"], "live")
        out = {**account, "keys": {"test": test["secret"], "live": live["secret"]}}
    elif args.command == "add-key":
        out = accounts.add_key(args.account_id, args.mode)
    elif args.command == "list-keys":
        out = {"object": "list", "data": accounts.list_keys(args.account_id)}
    elif args.command == "set-api-version":
        accounts.set_api_version(args.account_id, args.version)
        out = {"id": args.account_id, "api_version": args.version}
    else:
        if not accounts.revoke_key(args.account_id, args.key_id):
            print(json.dumps({"error": f"no key {args.key_id} on {args.account_id}"}), file=sys.stderr)
            return 1
        out = {"id": args.key_id, "revoked": True}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
