"""Gateway worker processes: more of the machine's cores for the local API.

The gateway runs the functions in its own process, so one process serves requests with
one core at most (the GIL), beside the stream, queue and log pollers. With
`LocalCloud(workers=N)` (`LOCAL_WORKERS`, see README "Run it locally") the main process
and N-1 workers (`python -m localcloud.workers`) all listen on the API's port with
SO_REUSEPORT; the kernel spreads connections among them. Each worker is a gateway with
the functions in it, warm (every route's handler imported before it accepts a
connection), and its own CloudWatch Logs subscription for the metrics ingestion (the log
lines are taken in the process that logs them). The pollers of the DynamoDB stream and
the webhook queue stay in the main process, one each, as one event source mapping.

What must be one for all processes is kept so by the main process:

- `/health`: 200 from a worker only once every worker is ready and the main process
  copies controls to them (before that a worker listening early answered 200 while a
  clock set then did not reach it);
- `/_local/*` controls: a worker hands them to the main process, which applies them and,
  before answering, copies the clock (offset and frozen instant) into every worker and
  clears every worker's authorizer cache as asked, so a test that moves the clock sees
  every later request, whichever process answers it, at the moved time;
- everything else (tables, queues, executions) is in the moto server already.

Control traffic runs over two socket pairs per worker (multiprocessing.connection):
`control` (main -> worker: apply this, answered "ok") and `relay` (worker -> main: this
/_local request, answered with the response).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from .cloud import ROOT, _die_with_parent

READY_TIMEOUT_S = 120


class Worker:
    def __init__(self, proc: subprocess.Popen, control: Connection, relay: Connection) -> None:
        self.proc = proc
        self.control = control
        self.relay = relay
        self.lock = threading.Lock()
        self.alive = True


class WorkerPool:
    """The main process's side: starts the workers, answers their /_local relays with
    the main gateway, and copies the shared state into them."""

    def __init__(self, gateway: Any, log: Any = print) -> None:
        self.gateway = gateway
        self.log = log
        self.workers: list[Worker] = []
        self.admin_lock = threading.Lock()

    def start(self, count: int, host: str, port: int, auth_cache_ttl: float) -> None:
        env = dict(os.environ)
        paths = [ROOT, os.path.join(ROOT, "layers", "shared", "python")]
        env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        for n in range(count):
            control_main, control_worker = socket.socketpair()
            relay_main, relay_worker = socket.socketpair()
            fds = (control_worker.fileno(), relay_worker.fileno())
            proc = subprocess.Popen(
                [sys.executable, "-m", "localcloud.workers", "--host", host, "--port", str(port),
                 "--auth-cache-ttl", str(auth_cache_ttl), "--control", str(fds[0]), "--relay", str(fds[1]),
                 "--name", f"worker-{n + 1}"],
                cwd=ROOT, env=env, pass_fds=fds, preexec_fn=_die_with_parent,
            )
            control_worker.close()
            relay_worker.close()
            worker = Worker(proc, Connection(control_main.detach()), Connection(relay_main.detach()))
            self.workers.append(worker)
        deadline = time.monotonic() + READY_TIMEOUT_S
        for worker in self.workers:
            while not worker.control.poll(0.2):
                if worker.proc.poll() is not None:
                    raise RuntimeError(f"gateway worker exited during start-up (exit {worker.proc.returncode})")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gateway worker not ready within {READY_TIMEOUT_S} s")
            worker.control.recv()  # "ready": listening, handlers imported
            threading.Thread(target=self._serve_relay, args=(worker,), name="worker-relay", daemon=True).start()
        self.gateway.after_admin = self.copy_state
        # Only now may any process answer /health 200: a control (say the clock) applied
        # from here on reaches every worker, so a client that waited for /health never
        # sends one that a worker misses (a worker that was listening before the others
        # were ready used to answer 200 while its /_local controls were not copied yet).
        with self.admin_lock:
            for worker in self.workers:
                worker.control.send(("serving",))
                worker.control.recv()

    def _serve_relay(self, worker: Worker) -> None:
        while True:
            try:
                method, path, body = worker.relay.recv()
            except (EOFError, OSError):
                worker.alive = False
                return
            try:
                response = self.gateway._admin(method, path, body)
            except Exception as exc:  # answer the worker whatever happens
                response = (500, {"Content-Type": "application/json"}, f'{{"error": "{type(exc).__name__}"}}'.encode())
            try:
                worker.relay.send(response)
            except OSError:
                worker.alive = False
                return

    def copy_state(self, path: str) -> None:
        """After the main gateway applied a /_local control: the same state in every worker."""
        from resource_api.core import clock

        if path == "/_local/clock":
            message = ("clock", clock._offset, clock._frozen)
        elif path == "/_local/authorizer_cache":
            message = ("clear_authorizer_cache",)
        else:
            return
        with self.admin_lock:
            for worker in self.workers:
                if not worker.alive:
                    continue
                try:
                    worker.control.send(message)
                    worker.control.recv()
                except (EOFError, OSError):
                    worker.alive = False

    def stop(self) -> None:
        for worker in self.workers:
            if worker.proc.poll() is None:
                worker.proc.terminate()
        for worker in self.workers:
            try:
                worker.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.proc.kill()
            for conn in (worker.control, worker.relay):
                try:
                    conn.close()
                except OSError:
                    pass


def warm_handlers() -> None:
    """Import every route's function and the authorizer, as the main process will have
    done by the time a worker gets traffic: a worker is extra capacity, not a cold start."""
    from resource_api import routes

    from . import lambda_runtime

    functions = {route.function for route in routes.ROUTES} | {routes.AUTHORIZER_FUNCTION}
    for function in sorted(functions):
        lambda_runtime.handler_of(function)


def main(argv: list[str] | None = None) -> int:
    """A worker: a gateway on the shared port, its functions, its log subscription."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--auth-cache-ttl", type=float, required=True)
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--relay", type=int, required=True)
    parser.add_argument("--name", default="worker")
    args = parser.parse_args(argv)

    from resource_api import routes
    from resource_api.core import clock
    from resource_api.metrics import store as metrics

    from . import httpheaders
    from .gateway import Gateway
    from .pollers import LogSubscription

    httpheaders.install()

    control = Connection(args.control)
    relay = Connection(args.relay)
    relay_lock = threading.Lock()
    gateway = Gateway(auth_cache_ttl=args.auth_cache_ttl)

    def admin_relay(method: str, path: str, body: bytes) -> Any:
        with relay_lock:
            relay.send((method, path, body))
            return relay.recv()

    gateway.admin_relay = admin_relay
    # The request log lines and the gateway's access lines -> metrics_ingest, as in the main process.
    from resource_api.frame import request_log as capture

    subscription = LogSubscription(metrics.INGEST_FUNCTION, capture.subscribed_functions(routes))
    gateway.access_log = subscription.publish
    subscription.install()
    subscription.start()
    warm_handlers()
    from . import lambda_runtime

    lambda_runtime.freeze_when_warm()
    server = gateway.serve(args.host, args.port, reuse_port=True)
    threading.Thread(target=server.serve_forever, name=f"gateway-{args.name}", daemon=True).start()
    control.send("ready")  # listening; /health says so once the main process says all are
    while True:
        try:
            message = control.recv()
        except (EOFError, OSError):  # the main process is gone
            break
        if message[0] == "clock":
            clock._offset, clock._frozen = message[1], message[2]
        elif message[0] == "clear_authorizer_cache":
            gateway.cache.clear()
        elif message[0] == "serving":
            gateway.ready.set()
        control.send("ok")
    subscription.stop()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
