"""The dashboard app: FastAPI routes, Jinja2 pages, server-side sessions (sessions.py),
the API's own endpoints for every action (api.py). docs/dashboard.md shows each page.

Security, in one place:
- sign-in takes a secret key in a POSTed form (never a URL), checked like the authorizer
  (accounts.authenticate), rate limited per source address; a fresh session id each time;
- the cookie is `__Host-`, Secure, HttpOnly, SameSite=Strict, Path=/;
- every POST needs the session's CSRF token (a hidden field) and an Origin (or Referer)
  of this dashboard;
- every object is read for the session's account and mode, so another account's id is 404;
- Jinja2 autoescapes everything; the Content-Security-Policy allows no script at all
  (the pages have none) and no framing.
"""

from __future__ import annotations

import calendar
import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from mangum import Mangum
from markupsafe import Markup

from resource_api.core import accounts, clock
from resource_api.webhooks.models import EVENT_TYPES

from . import api, charts, sessions, status

HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000",
}
EXPIRIES = [("now", "now"), ("1h", "in 1 hour"), ("24h", "in 24 hours"), ("7d", "in 7 days")]
PAGE = 25

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
_CSS = (HERE / "static" / "dashboard.css").read_bytes()

# Every route and dependency is `async def`: the work is blocking boto3 calls, and a Lambda
# container serves one request at a time, so running them on the event loop's own thread
# saves the thread pool FastAPI would hand `def` routes to.
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


# --- helpers ---------------------------------------------------------------------------


class SignInRequired(Exception):
    pass


class NotFound(Exception):
    pass


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def base_path(request: Request) -> str:
    """The prefix of this dashboard's links: API Gateway's stage when served on its
    execute-api URL (the event's requestContext.path holds it, its `path` does not)."""
    event = request.scope.get("aws.event") or {}
    full = (event.get("requestContext") or {}).get("path") or ""
    path = event.get("path") or ""
    if full and path and full.endswith(path) and full != path:
        return full[: len(full) - len(path)].rstrip("/")
    return ""


def own_origin(request: Request) -> str:
    configured = os.environ.get("DASHBOARD_URL", "").strip()
    if configured:
        parts = urlsplit(configured)
        return f"{parts.scheme}://{parts.netloc}"
    proto = request.headers.get("x-forwarded-proto", "https")
    return f"{proto}://{request.headers.get('host', '')}"


def source_ip(request: Request) -> str:
    event = request.scope.get("aws.event") or {}
    return ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "unknown"


def fmt_time(value: Any) -> str:
    if value in (None, ""):
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(value)))


def fmt_json(value: Any) -> str:
    """A request or response body, pretty when it is JSON (as text: autoescaped)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


templates.filters["time"] = fmt_time
templates.filters["pretty"] = fmt_json


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("session", getattr(request.state, "session", None))
    context["base"] = base_path(request)
    context["path"] = request.url.path
    html = templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code)


def redirect(request: Request, to: str) -> RedirectResponse:
    return RedirectResponse(base_path(request) + to, status_code=303)


async def session_of(request: Request) -> sessions.Session:
    """The signed-in session (dependency of every signed-in page)."""
    session = sessions.load(request.cookies.get(sessions.COOKIE))
    if session is None:
        raise SignInRequired()
    request.state.session = session
    return session


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # Referer as the fallback (OWASP), its origin part only
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin == own_origin(request)


async def form_of(request: Request) -> dict[str, Any]:
    body = (await request.body()).decode("utf-8", "replace")
    pairs = parse_qsl(body, keep_blank_values=True)
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            out[k] = [*out[k], v] if isinstance(out[k], list) else [out[k], v]
        else:
            out[k] = v
    return out


async def posted(request: Request, session: sessions.Session = Depends(session_of)) -> tuple[sessions.Session, dict[str, Any]]:
    """A state-changing request: signed in, from this dashboard's origin, with the CSRF token."""
    if not _same_origin(request):
        raise Refused(403, "This form was not sent from the dashboard (Origin check).")
    form = await form_of(request)
    if not session.csrf_ok(form.get("csrf_token")):
        raise Refused(403, "This form has no valid CSRF token. Reload the page and try again.")
    return session, form


def context_of(request: Request) -> Any:
    return request.scope.get("aws.context")


def _epoch(value: str | None) -> int | None:
    """An <input type=datetime-local> value (UTC) as epoch seconds."""
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return calendar.timegm(time.strptime(value, fmt))
        except ValueError:
            continue
    return None


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- errors and headers --------------------------------------------------------------


def _local_path(value: Any) -> str | None:
    """A path of this dashboard to go back to (never another site: no //host, no scheme)."""
    value = str(value or "")
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) and len(value) < 512 else None


@app.exception_handler(SignInRequired)
async def _signin(request: Request, exc: SignInRequired) -> Response:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # A page opened signed out (a request_log_url, say) opens again after sign-in.
    to = "/login?" + urlencode({"next": back}) if request.method == "GET" and back != "/" else "/login"
    response = redirect(request, to)
    response.delete_cookie(sessions.COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@app.exception_handler(NotFound)
async def _not_found(request: Request, exc: NotFound) -> Response:
    return render(request, "error.html", 404, title="Not found", message="No such object in this account and mode.")


@app.exception_handler(404)
async def _no_route(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", 404, title="Not found", message="No such page.")


@app.exception_handler(Refused)
async def _refused(request: Request, exc: Refused) -> Response:
    return render(request, "error.html", exc.status, title="Refused", message=exc.message)


@app.middleware("http")
async def _headers(request: Request, call_next: Any) -> Response:
    response = await call_next(request)
    for k, v in SECURITY_HEADERS.items():
        response.headers.setdefault(k, v)
    return response


# --- sign-in, mode, sign-out ---------------------------------------------------------------


@app.get("/static/dashboard.css")
async def css() -> Response:
    return Response(_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})


@app.get("/login")
async def login_page(request: Request) -> Response:
    return render(request, "login.html", session=None, next=_local_path(request.query_params.get("next")))


@app.post("/login")
async def login(request: Request) -> Response:
    if not _same_origin(request):
        raise Refused(403, "This form was not sent from the dashboard (Origin check).")
    ip = source_ip(request)
    if sessions.signin_blocked(ip):
        return render(request, "login.html", 429, session=None, error={"message": "Too many failed sign-ins. Wait a minute and try again."})
    form = await form_of(request)
    back = _local_path(form.get("next"))
    secret = str(form.get("key") or "").strip()
    principal = accounts.authenticate(secret) if secret else None
    if principal is not None and os.environ.get("STAGE") == "sandbox" and principal.livemode:
        principal = None  # as the authorizer: a sandbox stage refuses live keys
    if principal is None:
        sessions.signin_failed(ip)
        return render(request, "login.html", 401, session=None, next=back, error={"message": "That key is not valid."})
    old = request.cookies.get(sessions.COOKIE)
    if old:
        sessions.end(old)
    session = sessions.create(secret, principal, secret[-4:])
    response = redirect(request, back or "/")
    response.set_cookie(sessions.COOKIE, session.id, path="/", secure=True, httponly=True, samesite="strict",
                        max_age=sessions.ABSOLUTE_S)
    return response


@app.post("/logout")
async def logout(request: Request, posted: tuple = Depends(posted)) -> Response:
    session, _ = posted
    sessions.end(session.id)
    response = redirect(request, "/login")
    response.delete_cookie(sessions.COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@app.post("/mode")
async def switch_mode(request: Request, posted: tuple = Depends(posted)) -> Response:
    session, form = posted
    mode = form.get("mode")
    if mode not in session.modes:
        raise Refused(403, "Sign in with a live key to see live data.")
    sessions.set_mode(session, mode)
    return redirect(request, _local_path(form.get("back")) or "/")


# --- overview ----------------------------------------------------------------------------


@app.get("/")
async def overview(request: Request, session: sessions.Session = Depends(session_of)) -> Response:
    from resource_api import requestlogs

    hours = requestlogs.usage(session.account_id, session.mode, hours=24, now=clock.now())
    total = sum(h["requests"] for h in hours)
    errors = sum(h["errors"] for h in hours)
    limited = sum(h["rate_limited"] for h in hours)
    recent, _ = requestlogs.query(session.account_id, session.mode, limit=10)
    p50 = [h["p50_ms"] for h in hours if h.get("p50_ms") is not None]
    p99 = [h["p99_ms"] for h in hours if h.get("p99_ms") is not None]
    return render(
        request, "overview.html",
        total=total, errors=errors, limited=limited,
        error_rate=(errors / total * 100) if total else 0.0,
        p50=p50[-1] if p50 else None, p99=max(p99) if p99 else None,
        requests_chart=charts.bars("Requests per hour", hours, [("requests", "#635bff", "requests"), ("errors", "#df1b41", "errors")]),
        latency_chart=charts.lines("Latency per hour", hours, [("p50_ms", "#635bff", "p50"), ("p99_ms", "#e5850b", "p99")]),
        limited_chart=charts.bars("Rate-limited requests per hour", hours, [("rate_limited", "#e5850b", "429 rate limited")]),
        recent=recent,
    )


# --- request logs ------------------------------------------------------------------------


LOG_FILTERS = ("status_class", "method", "path", "since", "until", "key_id", "idempotency_key")


@app.get("/logs")
async def logs(request: Request, session: sessions.Session = Depends(session_of)) -> Response:
    from resource_api import requestlogs

    q = request.query_params
    search = (q.get("request_id") or "").strip()
    if search:
        return redirect(request, "/logs/" + search if search.replace("-", "").replace("_", "").isalnum() else "/logs")
    filters = {k: (q.get(k) or "").strip() for k in LOG_FILTERS}
    status_class = filters["status_class"] if filters["status_class"] in ("2xx", "3xx", "4xx", "5xx") else None
    method = filters["method"] if filters["method"] in ("GET", "POST", "PATCH", "DELETE") else None
    records, has_more = requestlogs.query(
        session.account_id, session.mode,
        status_class=status_class, method=method, path=filters["path"] or None,
        since=_epoch(filters["since"]), until=_epoch(filters["until"]),
        key_id=filters["key_id"] or None, idempotency_key=filters["idempotency_key"] or None,
        limit=PAGE, starting_after=q.get("starting_after") or None,
    )
    keys = [k for k in accounts.list_keys(session.account_id) if k["mode"] == session.mode]
    next_url = None
    if has_more and records:
        next_url = "/logs?" + urlencode({**{k: v for k, v in filters.items() if v}, "starting_after": records[-1]["request_id"]})
    return render(request, "logs.html", records=records, filters=filters, keys=keys, next_url=next_url)


@app.get("/logs/{request_id}")
async def log_detail(request: Request, request_id: str, session: sessions.Session = Depends(session_of)) -> Response:
    from resource_api import requestlogs

    record = requestlogs.get(session.account_id, session.mode, request_id) if len(request_id) <= 64 else None
    if record is None:
        raise NotFound()
    return render(request, "log.html", r=record)


# --- resources ---------------------------------------------------------------------------


def _list_page(request: Request, session: sessions.Session, function: str, filter_name: str) -> tuple[api.Answer, str]:
    """A list endpoint's page: PAGE items, the page's one filter and its cursor."""
    query = [("limit", str(PAGE))]
    chosen = request.query_params.get(filter_name) or ""
    if chosen:
        query.append((filter_name, chosen))
    if request.query_params.get("starting_after"):
        query.append(("starting_after", request.query_params["starting_after"]))
    return api.call(session.as_principal(), function, context_of(request), query=query), chosen


@app.get("/resources")
async def resources(request: Request, session: sessions.Session = Depends(session_of)) -> Response:
    answer, status_filter = _list_page(request, session, "list_resources", "status")
    return render(request, "resources.html", answer=answer, status_filter=status_filter)


@app.get("/resources/{resource_id}")
async def resource(request: Request, resource_id: str, session: sessions.Session = Depends(session_of)) -> Response:
    answer = api.call(session.as_principal(), "get_resource", context_of(request), path_params={"id": resource_id})
    if not answer.ok:
        raise NotFound()
    return render(request, "resource.html", r=answer.body)


# --- webhook endpoints -------------------------------------------------------------------


def _endpoint(request: Request, session: sessions.Session, endpoint_id: str) -> dict[str, Any]:
    answer = api.call(session.as_principal(), "get_webhook_endpoint", context_of(request), path_params={"id": endpoint_id})
    if not answer.ok:
        raise NotFound()
    return answer.body


def _endpoint_page(request: Request, session: sessions.Session, endpoint_id: str, status_code: int = 200, **extra: Any) -> Response:
    from resource_api.events import attempts

    endpoint = _endpoint(request, session, endpoint_id)
    rows, has_more = attempts.list_for_endpoint(session.account_id, session.mode, endpoint_id, limit=PAGE)
    return render(request, "webhook.html", status_code, e=endpoint, attempts=rows, has_more=has_more,
                  event_types=EVENT_TYPES, expiries=EXPIRIES, **extra)


def _events_form(form: dict[str, Any]) -> list[tuple[str, str]]:
    chosen = _list(form.get("enabled_events")) or ["*"]
    return [("enabled_events[]", e) for e in chosen]


@app.get("/webhooks")
async def webhooks(request: Request, session: sessions.Session = Depends(session_of)) -> Response:
    answer = api.call(session.as_principal(), "list_webhook_endpoints", context_of(request), query=[("limit", "100")])
    return render(request, "webhooks.html", answer=answer, event_types=EVENT_TYPES)


@app.post("/webhooks")
async def create_webhook(request: Request, posted: tuple = Depends(posted)) -> Response:
    session, form = posted
    fields = [("url", str(form.get("url") or "")), *_events_form(form)]
    if form.get("description"):
        fields.append(("description", str(form["description"])))
    answer = api.call(session.as_principal(), "create_webhook_endpoint", context_of(request), form=fields)
    if not answer.ok:
        listed = api.call(session.as_principal(), "list_webhook_endpoints", context_of(request), query=[("limit", "100")])
        return render(request, "webhooks.html", 400, answer=listed, event_types=EVENT_TYPES, error=answer.error, form=form)
    return _endpoint_page(request, session, answer.body["id"], secret=answer.body.get("secret"),
                          notice="Endpoint created. Copy its signing secret now: it is shown only once.")


@app.get("/webhooks/{endpoint_id}")
async def webhook(request: Request, endpoint_id: str, session: sessions.Session = Depends(session_of)) -> Response:
    return _endpoint_page(request, session, endpoint_id)


@app.post("/webhooks/{endpoint_id}")
async def update_webhook(request: Request, endpoint_id: str, posted: tuple = Depends(posted)) -> Response:
    session, form = posted
    _endpoint(request, session, endpoint_id)
    fields: list[tuple[str, str]] = []
    if "url" in form:
        fields.append(("url", str(form["url"])))
    if "description" in form:
        fields.append(("description", str(form["description"])))
    if "events_form" in form:
        fields += _events_form(form)
    if form.get("status") in ("enabled", "disabled"):
        fields.append(("status", form["status"]))
    answer = api.call(session.as_principal(), "update_webhook_endpoint", context_of(request),
                      path_params={"id": endpoint_id}, form=fields)
    if not answer.ok:
        return _endpoint_page(request, session, endpoint_id, 400, error=answer.error)
    return redirect(request, f"/webhooks/{endpoint_id}")


@app.post("/webhooks/{endpoint_id}/rotate")
async def rotate_webhook(request: Request, endpoint_id: str, posted: tuple = Depends(posted)) -> Response:
    session, form = posted
    _endpoint(request, session, endpoint_id)
    expires_in = {"now": "0", "1h": "3600", "24h": "86400", "7d": "604800"}.get(str(form.get("expires")), "86400")
    answer = api.call(session.as_principal(), "rotate_webhook_secret", context_of(request),
                      path_params={"id": endpoint_id}, form=[("expires_in", expires_in)])
    if not answer.ok:
        return _endpoint_page(request, session, endpoint_id, 400, error=answer.error)
    return _endpoint_page(request, session, endpoint_id, secret=answer.body.get("secret"),
                          previous_secret_expires_at=answer.body.get("previous_secret_expires_at"),
                          notice="Secret rotated. Copy the new signing secret now: it is shown only once.")


@app.post("/webhooks/{endpoint_id}/replay")
async def replay_webhook(request: Request, endpoint_id: str, posted: tuple = Depends(posted)) -> Response:
    session, form = posted
    _endpoint(request, session, endpoint_id)
    since = _epoch(str(form.get("since") or ""))
    if since is None:
        return _endpoint_page(request, session, endpoint_id, 400, error={"message": "Give a time to replay failures since.", "param": "since"})
    answer = api.call(session.as_principal(), "replay_webhook_deliveries", context_of(request),
                      path_params={"id": endpoint_id}, form=[("since", str(since))])
    if not answer.ok:
        return _endpoint_page(request, session, endpoint_id, 400, error=answer.error)
    n = answer.body.get("count", 0)
    more = " More remain: replay again." if answer.body.get("has_more") else ""
    return _endpoint_page(request, session, endpoint_id, notice=f"{n} failed deliveries queued again.{more}")


@app.post("/webhooks/{endpoint_id}/test")
async def test_webhook(request: Request, endpoint_id: str, posted: tuple = Depends(posted)) -> Response:
    from resource_api.events import domain as events

    session, _ = posted
    endpoint = _endpoint(request, session, endpoint_id)
    if endpoint["status"] != "enabled":
        return _endpoint_page(request, session, endpoint_id, 400, error={"message": "Enable the endpoint to send it a test event."})
    evt_id = events.send_test(session.account_id, session.mode, endpoint_id)
    return _endpoint_page(request, session, endpoint_id, notice=f"Test event {evt_id} queued for this endpoint.")


# --- events --------------------------------------------------------------------------------


@app.get("/events")
async def events_page(request: Request, session: sessions.Session = Depends(session_of)) -> Response:
    answer, type_filter = _list_page(request, session, "list_events", "type")
    return render(request, "events.html", answer=answer, type_filter=type_filter, event_types=EVENT_TYPES)


def _event_page(request: Request, session: sessions.Session, event_id: str, status_code: int = 200, **extra: Any) -> Response:
    principal = session.as_principal()
    answer = api.call(principal, "get_event", context_of(request), path_params={"id": event_id})
    if not answer.ok:
        raise NotFound()
    deliveries = api.call(principal, "list_event_deliveries", context_of(request), path_params={"id": event_id},
                          query=[("limit", "100")])
    endpoints = api.call(principal, "list_webhook_endpoints", context_of(request), query=[("limit", "100")])
    return render(request, "event.html", status_code, ev=answer.body, deliveries=deliveries.body.get("data", []),
                  endpoints=endpoints.body.get("data", []), **extra)


@app.get("/events/{event_id}")
async def event(request: Request, event_id: str, session: sessions.Session = Depends(session_of)) -> Response:
    return _event_page(request, session, event_id)


@app.post("/events/{event_id}/resend")
async def resend(request: Request, event_id: str, posted: tuple = Depends(posted)) -> Response:
    session, form = posted
    fields = []
    if form.get("webhook_endpoint"):
        fields.append(("webhook_endpoint", str(form["webhook_endpoint"])))
    answer = api.call(session.as_principal(), "resend_event", context_of(request), path_params={"id": event_id}, form=fields)
    if answer.status == 404 and (answer.error.get("param") == "id"):
        raise NotFound()
    back = str(form.get("back") or "")
    if back.startswith("/webhooks/we_") and answer.ok:
        return _endpoint_page(request, session, back.split("/")[2], notice=f"Event {event_id} queued again.")
    if not answer.ok:
        return _event_page(request, session, event_id, 400, error=answer.error)
    return _event_page(request, session, event_id, notice="Queued again: the new attempts appear below in a moment.")


# --- API keys --------------------------------------------------------------------------------


def _keys_page(request: Request, session: sessions.Session, status_code: int = 200, **extra: Any) -> Response:
    from resource_api import requestlogs

    rows = [k for k in accounts.list_keys(session.account_id) if k["mode"] == session.mode]
    rows.sort(key=lambda k: k["created"], reverse=True)
    now = clock.now_s()
    for k in rows:
        used, _ = requestlogs.query(session.account_id, session.mode, key_id=k["id"], limit=1)
        k["last_used"] = used[0]["created"] if used else None
        k["state"] = ("revoked" if k["revoked"] else "expired" if k.get("expires") is not None and int(k["expires"]) <= now
                      else "expiring" if k.get("expires") is not None else "active")
    return render(request, "keys.html", status_code, keys=rows, expiries=EXPIRIES, **extra)


def _own_key(session: sessions.Session, key_id: str) -> dict[str, Any]:
    for k in accounts.list_keys(session.account_id):
        if k["id"] == key_id and k["mode"] == session.mode:
            return k
    raise NotFound()


@app.get("/keys")
async def keys_page(request: Request, session: sessions.Session = Depends(session_of)) -> Response:
    return _keys_page(request, session)


@app.post("/keys")
async def create_key(request: Request, posted: tuple = Depends(posted)) -> Response:
    session, _ = posted
    key = accounts.add_key(session.account_id, session.mode)
    return _keys_page(request, session, new_key=key, notice="Key created. Copy it now: it is shown only once.")


@app.post("/keys/{key_id}/roll")
async def roll_key(request: Request, key_id: str, posted: tuple = Depends(posted)) -> Response:
    session, form = posted
    _own_key(session, key_id)
    expires_in = accounts.ROLL_EXPIRIES_S.get(str(form.get("expires")))
    if expires_in is None:
        return _keys_page(request, session, 400, error={"message": "Choose when the old key stops working."})
    try:
        key = accounts.roll_key(session.account_id, key_id, expires_in)
    except ValueError as exc:
        return _keys_page(request, session, 400, error={"message": str(exc)})
    note = f"Key rolled. The old key stops working {'now' if not expires_in else 'at ' + fmt_time(key['old_key_expires'])}."
    if key_id == session.key_id:
        note += " You signed in with it: sign in again with the new key when it expires."
    return _keys_page(request, session, new_key=key, notice=note + " Copy the new key now: it is shown only once.")


@app.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, posted: tuple = Depends(posted)) -> Response:
    session, _ = posted
    _own_key(session, key_id)
    accounts.revoke_key(session.account_id, key_id)
    if key_id == session.key_id:  # revoking the key this session stands on ends it at once
        sessions.end(session.id)
        return redirect(request, "/login")
    return redirect(request, "/keys")


# --- public status ---------------------------------------------------------------------------


@app.get("/status")
async def status_page(request: Request) -> Response:
    return render(request, "status.html", session=None, components=status.components())


handler = Mangum(app, lifespan="off")
