"""The dashboard in a real browser (issue 19 item 6): Chromium through Playwright, against
the local cloud `make run` starts, over real HTTP (docs/dashboard.md)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from .conftest import wait_for

HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def api(cloud, key: str):
    return cloud.client(key)


# --- sign-in and the session cookie ------------------------------------------------------


def test_sign_in_with_a_key_and_a_wrong_key_is_refused(dash, account):
    page = dash.sign_in(account["keys"]["test"][:-4] + "XXXX")
    assert "That key is not valid." in page.content()
    assert page.url.endswith("/login")
    dash.shot("login")
    assert dash.context.cookies() == []

    page = dash.sign_in(account["keys"]["test"])
    assert page.url == dash.url + "/"
    assert page.get_by_role("heading", name="Overview").is_visible()
    assert account["id"] in page.content()

    (cookie,) = dash.context.cookies()
    assert cookie["name"].startswith("__Host-")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script could read it


def test_each_sign_in_gets_a_new_session_and_signing_out_ends_it(dash, account):
    dash.sign_in(account["keys"]["test"])
    first = dash.context.cookies()[0]["value"]
    dash.sign_in(account["keys"]["test"])
    second = dash.context.cookies()[0]["value"]
    assert first != second
    # The first session is over: its cookie no longer opens a page.
    old = requests.get(dash.url + "/keys", cookies={"__Host-dashboard_session": first}, allow_redirects=False, timeout=10)
    assert old.status_code == 303 and old.headers["location"] == "/login?next=%2Fkeys"

    dash.page.get_by_role("button", name="Sign out").click()
    dash.page.wait_for_url("**/login")
    again = requests.get(dash.url + "/keys", cookies={"__Host-dashboard_session": second}, allow_redirects=False, timeout=10)
    assert again.status_code == 303


def test_revoking_the_session_key_ends_the_session_at_once(dash, cloud, account):
    dash.sign_in(account["keys"]["test"])
    key_id = next(k["id"] for k in cloud.apictl("list-keys", account["id"])["data"] if k["mode"] == "test")
    cloud.apictl("revoke-key", account["id"], key_id)
    dash.goto("/keys")
    assert dash.page.url.endswith("/login?next=%2Fkeys")


def test_failed_sign_ins_are_rate_limited_per_source_address(cloud):
    # From a source address of its own (127.0.0.2: Linux routes all of 127/8 to lo), so the
    # other tests' sign-ins from 127.0.0.1 are not limited by it.
    import http.client
    from urllib.parse import urlencode, urlsplit

    host, port = urlsplit(cloud.dashboard_url).hostname, urlsplit(cloud.dashboard_url).port

    def attempt(key: str) -> int:
        conn = http.client.HTTPConnection(host, port, timeout=10, source_address=("127.0.0.2", 0))
        conn.request("POST", "/login", urlencode({"key": key}),
                     {"Origin": cloud.dashboard_url, "Content-Type": "application/x-www-form-urlencoded"})
        status = conn.getresponse().status
        conn.close()
        return status

    statuses = [attempt("sk_test_wrong" + str(i)) for i in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert attempt(cloud.keys["test"]) == 429  # refused before the key is even looked at
    # 127.0.0.1 is not affected.
    ok = requests.post(cloud.dashboard_url + "/login", data={"key": cloud.keys["test"]},
                       headers={"Origin": cloud.dashboard_url}, allow_redirects=False, timeout=10)
    assert ok.status_code == 303


# --- request logs ------------------------------------------------------------------------


def test_a_failing_requests_request_log_url_opens_its_page_with_its_status(dash, cloud, account):
    client = api(cloud, account["keys"]["test"])
    error = client.post("/v1/resources", data={"name": "x", "type": "nope"}).json()["error"]
    url = error["request_log_url"]
    assert url == f"{cloud.dashboard_url}/logs/{error['request_id']}"

    # Opened signed out, the link asks for a key, then opens the request's page.
    dash.page.goto(url)
    assert "/login?next=" in dash.page.url
    dash.page.get_by_label("Secret key").fill(account["keys"]["test"])
    with dash.page.expect_navigation():
        dash.page.get_by_role("button", name="Sign in").click()
    assert dash.page.url.split("?")[0] == url
    # Recorded off the request path: wait for the page to exist.
    wait_for(lambda: dash.page.goto(url).status == 200)
    assert dash.page.locator("#request-id").inner_text() == error["request_id"]
    assert dash.page.locator("#status").inner_text() == "400"
    assert "parameter_invalid" in dash.page.content() or error["code"] in dash.page.content()
    dash.shot("log")


def test_filters_narrow_the_log(dash, cloud, account):
    client = api(cloud, account["keys"]["test"])
    ok = client.post("/v1/resources", data={"name": "kept", "type": "production"}, headers={"Idempotency-Key": "filter-me"})
    assert ok.status_code == 201
    missing = client.get("/v1/resources/res_0000000000missing000000")
    assert missing.status_code == 404
    client.get("/v1/resources")

    dash.sign_in(account["keys"]["test"])

    def rows(query: str = "") -> list[str]:
        dash.goto("/logs" + query)
        return dash.page.locator("table.rows tbody tr").all_inner_texts()

    wait_for(lambda: len(rows()) >= 3)
    dash.shot("logs")
    dash.goto("/")
    assert dash.page.locator(".stat strong").first.inner_text() == "3"  # requests in the last 24 hours
    dash.shot("overview")
    failed = rows("?status_class=4xx")
    assert len(failed) == 1 and "404" in failed[0] and "res_0000000000missing000000" in failed[0]
    posts = rows("?method=POST")
    assert len(posts) == 1 and "201" in posts[0]
    assert len(rows("?idempotency_key=filter-me")) == 1
    assert len(rows("?path=/v1/resources/res_")) == 1

    # The filter form itself, as a user uses it.
    dash.goto("/logs")
    dash.page.get_by_label("Status").select_option("4xx")
    dash.page.get_by_role("button", name="Filter").click()
    dash.page.wait_for_url("**status_class=4xx**")
    assert len(dash.page.locator("table.rows tbody tr").all()) == 1

    # Search by request id opens its page.
    request_id = missing.headers["Request-Id"]
    dash.page.get_by_label("Find a request").fill(request_id)
    dash.page.get_by_role("button", name="Open").click()
    dash.page.wait_for_url(f"**/logs/{request_id}")
    assert dash.page.locator("#status").inner_text() == "404"


# --- webhooks --------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 answering what it is told (real HTTP)."""

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.answer = (500, HOSTILE)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.hits.append(json.loads(body))
                status, text = receiver.answer
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_webhook_endpoint_attempts_show_and_resend_works(dash, account, receiver):
    page = dash.sign_in(account["keys"]["test"])
    dash.goto("/webhooks")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill(HOSTILE)
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("whsec_")
    dash.shot("webhook-created")
    endpoint_url = page.url  # the POST's answer; the endpoint's own page has no secret
    endpoint_id = page.locator("dd.mono").first.inner_text()
    dash.goto(f"/webhooks/{endpoint_id}")
    assert secret not in page.content()

    page.get_by_role("button", name="Send test event").click()
    assert "Test event" in page.locator(".notice").inner_text()
    wait_for(lambda: receiver.hits)

    def attempts() -> list[str]:
        dash.goto(f"/webhooks/{endpoint_id}")
        return page.locator("table.attempts tbody tr").all_inner_texts()

    first = wait_for(attempts)
    assert "failed" in first[0] and "500" in first[0]
    # The receiver's HTML answer is shown as text, and ran nothing.
    assert "<script>window.pwned = 1</script>" in page.locator("table.attempts").inner_text()
    assert page.evaluate("window.pwned") is None
    assert HOSTILE in page.locator("dl.fields").inner_text()  # the description, as text
    dash.shot("webhook")

    receiver.answer = (200, "ok")
    before = len(receiver.hits)
    page.get_by_role("button", name="Resend").first.click()
    assert "queued again" in page.locator(".notice").inner_text()
    wait_for(lambda: len(receiver.hits) > before)
    rows = wait_for(lambda: [r for r in attempts() if "succeeded" in r])
    assert "200" in rows[0] and "resend" in rows[0]

    # The event's page lists its deliveries.
    page.locator("table.attempts a[href*='/events/evt_']").first.click()
    page.wait_for_url("**/events/evt_*")
    assert len(page.locator("table.rows tbody tr").all()) >= 2
    dash.shot("event")
    dash.goto("/events")
    dash.shot("events")

    # Disable, then rotate the secret: the old one keeps signing for the chosen time.
    dash.goto(f"/webhooks/{endpoint_id}")
    page.get_by_label("Old secret stops").select_option("1h")
    page.get_by_role("button", name="Rotate secret").click()
    rotated = page.locator("#secret").inner_text()
    assert rotated.startswith("whsec_") and rotated != secret
    assert "also signs until" in page.content()
    page.get_by_role("button", name="Disable").click()
    page.wait_for_url(f"**/webhooks/{endpoint_id}")
    assert page.locator("h1 .pill").inner_text() == "disabled"
    assert endpoint_url


# --- keys ----------------------------------------------------------------------------------


def test_a_key_roll_makes_the_old_key_fail_after_its_expiry(dash, cloud, account):
    old = account["keys"]["test"]
    assert api(cloud, old).get("/v1/resources").status_code == 200
    page = dash.sign_in(account["keys"]["live"])  # a live key may manage both modes
    page.get_by_role("button", name="Test").click()
    dash.goto("/keys")
    row = page.locator("tr", has_text="…" + old[-4:])
    row.get_by_label("old key stops").select_option("now")
    row.get_by_role("button", name="Roll").click()
    new = page.locator("#new-key").inner_text()
    assert new.startswith("sk_test_") and new != old
    dash.shot("keys")

    requests.delete(f"{cloud.url}/_local/authorizer_cache", timeout=5)  # API Gateway's cache, as it expires
    assert api(cloud, old).get("/v1/resources").status_code == 401
    assert api(cloud, new).get("/v1/resources").status_code == 200
    assert "expired" in page.locator("tr", has_text="…" + old[-4:]).inner_text()


# --- CSRF, Origin, other accounts, hostile data, the key ----------------------------------------


def test_a_form_without_the_csrf_token_or_from_another_origin_is_refused(dash, account):
    page = dash.sign_in(account["keys"]["test"])
    dash.goto("/keys")
    token = dash.csrf()
    before = page.locator("table.rows tbody tr").count()
    # The browser's own cookie jar (the session), posting the way a forged form would.
    no_token = dash.context.request.post(dash.url + "/keys", form={}, headers={"Origin": dash.url})
    assert no_token.status == 403
    wrong_token = dash.context.request.post(dash.url + "/keys", form={"csrf_token": token + "x"}, headers={"Origin": dash.url})
    assert wrong_token.status == 403
    elsewhere = dash.context.request.post(dash.url + "/keys", form={"csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert elsewhere.status == 403
    no_origin = dash.context.request.post(dash.url + "/keys", form={"csrf_token": token}, headers={"Origin": "null"})
    assert no_origin.status == 403
    dash.goto("/keys")
    assert page.locator("table.rows tbody tr").count() == before  # nothing was created
    good = dash.context.request.post(dash.url + "/keys", form={"csrf_token": token}, headers={"Origin": dash.url})
    assert good.status == 200 and "sk_test_" in good.text()


def test_another_accounts_ids_are_404(dash, cloud, account, receiver):
    other = cloud.new_account()
    client = api(cloud, other["keys"]["test"])
    res = client.post("/v1/resources", data={"name": "theirs", "type": "production"})
    we = client.post("/v1/webhook_endpoints", data={"url": receiver.url, "enabled_events[]": "*"}).json()
    evt = wait_for(lambda: client.get("/v1/events").json()["data"])[0]
    other_key = next(k["id"] for k in cloud.apictl("list-keys", other["id"])["data"])

    dash.sign_in(account["keys"]["live"])
    for path in (f"/resources/{res.json()['id']}", f"/webhooks/{we['id']}", f"/events/{evt['id']}",
                 f"/logs/{res.headers['Request-Id']}"):
        assert dash.goto(path).status == 404, path
        assert "theirs" not in dash.page.content()
    dash.shot("not-found")
    token = dash.csrf()
    for path in (f"/keys/{other_key}/revoke", f"/webhooks/{we['id']}/rotate", f"/events/{evt['id']}/resend"):
        answer = dash.context.request.post(dash.url + path, form={"csrf_token": token}, headers={"Origin": dash.url})
        assert answer.status == 404, path
    # The live view of the account's own test object is 404 too (mode is part of the id's scope).
    mine = api(cloud, account["keys"]["test"]).post("/v1/resources", data={"name": "test only", "type": "production"}).json()
    dash.page.get_by_role("button", name="Live").click()
    assert dash.goto(f"/resources/{mine['id']}").status == 404


def test_a_resource_name_carrying_script_is_shown_as_text_and_runs_nothing(dash, cloud, account):
    res = api(cloud, account["keys"]["test"]).post(
        "/v1/resources", data={"name": HOSTILE, "type": "production", "metadata[x]": HOSTILE}
    ).json()
    page = dash.sign_in(account["keys"]["test"])
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = dash.goto("/resources")
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.get_by_role("link", name=HOSTILE).is_visible()
    dash.shot("resources")
    dash.goto(f"/resources/{res['id']}")
    assert page.locator("#resource-name").inner_text().startswith(HOSTILE)
    assert page.locator("script").count() == 0
    assert page.evaluate("window.pwned") is None and dialogs == []
    dash.shot("resource")


def test_the_status_page_is_public_and_follows_the_alarms(dash, cloud):
    import boto3

    page = dash.page
    dash.goto("/status")
    assert "All systems operational" in page.content()
    cw = boto3.client("cloudwatch", endpoint_url=cloud.moto_url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    cw.set_alarm_state(AlarmName="resource-api-local-WebhookDeliveryErrors", StateValue="ALARM", StateReason="test")
    try:
        # The page caches CloudWatch's answer for 30 s: wait on the final state.
        wait_for(lambda: "Some systems are degraded" in (dash.goto("/status") and page.content()), timeout=45, interval=2)
        row = page.locator("tr", has_text="Webhook delivery")
        assert "degraded" in row.inner_text() and "Webhook deliveries are failing" in row.inner_text()
        assert "operational" in page.locator("tr", has_text="Provisioning").inner_text()
        dash.shot("status")
    finally:
        cw.set_alarm_state(AlarmName="resource-api-local-WebhookDeliveryErrors", StateValue="OK", StateReason="test")


def test_the_key_never_appears_in_a_url_a_page_or_a_log_line(dash, cloud, account):
    key = account["keys"]["live"]
    page = dash.sign_in(key)
    for path in ("/", "/logs", "/resources", "/webhooks", "/events", "/keys", "/status"):
        dash.goto(path)
        assert key not in page.content()
    assert not [u for u in dash.urls if key in u]
    assert dash.pages and not [p for p in dash.pages if key in p]
    with open(cloud.log_path) as f:
        printed = f.read()
    assert key not in printed
    assert f"Dashboard: {cloud.dashboard_url}" in printed  # what `make run` prints beside the keys
