package example_test

// Tests against the local cloud (SDK_API_URL, SDK_API_KEY), the scripted stub
// (SDK_STUB_URL) and a real signed delivery (SDK_WEBHOOK_FIXTURE); sdks/go/test.sh
// runs them with that environment (tests/sdks/test_go.py from pytest).

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	example "github.com/example/example-go"
)

var ctx = context.Background()

func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run sdks/go/test.sh with the contract's environment", name)
	}
	return v
}

func apiClient(t *testing.T, opts ...example.ClientOption) *example.Client {
	opts = append([]example.ClientOption{example.WithBaseURL(env(t, "SDK_API_URL"))}, opts...)
	return example.NewClient(env(t, "SDK_API_KEY"), opts...)
}

// stub scripts the stub server and returns its base URL and a reader of its log.
type stubRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func stub(t *testing.T, responses ...map[string]interface{}) (string, func() []stubRequest) {
	t.Helper()
	base := env(t, "SDK_STUB_URL")
	body, _ := json.Marshal(map[string]interface{}{"responses": responses})
	resp, err := http.Post(base+"/_script", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		ID      string `json:"id"`
		BaseURL string `json:"base_url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s.BaseURL, func() []stubRequest {
		resp, err := http.Get(base + "/_log/" + s.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var l struct {
			Requests []stubRequest `json:"requests"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
			t.Fatal(err)
		}
		return l.Requests
	}
}

func errBody(typ, code string) map[string]interface{} {
	return map[string]interface{}{"error": map[string]interface{}{
		"type": typ, "code": code, "message": code, "param": nil,
		"doc_url": "http://x/docs/errors.md#" + code, "request_id": "req_stub"}}
}

var stubResource = map[string]interface{}{
	"id": "res_01m8h8y3phbgz0cj001dzhg3", "object": "resource", "created": 1705320000, "updated": 1705320000,
	"livemode": false, "name": "From the stub", "type": "production", "status": "active",
	"configuration": map[string]interface{}{"timeout_ms": 5000, "retry_count": 3, "batch_size": 100},
	"metadata":      map[string]interface{}{},
}

func newParams(name string, meta map[string]string) *example.ResourceCreateParams {
	return &example.ResourceCreateParams{Name: name, Type: example.ResourceTypeProduction, Metadata: meta}
}

func TestContractFlow(t *testing.T) {
	c := apiClient(t)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)

	created, err := c.Resources.Create(ctx, newParams("Go flow", map[string]string{"run": run}))
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != example.StatusPending || created.LastResponse.RequestID == "" || created.LastResponse.IdempotencyKey == "" {
		t.Fatalf("create: status %q request id %q key %q", created.Status, created.LastResponse.RequestID, created.LastResponse.IdempotencyKey)
	}
	got, err := c.Resources.Retrieve(ctx, created.Id, &example.RetrieveParams{Expand: []string{"metrics"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Go flow" || got.Metadata["run"] != run || !got.Metrics.IsSet() || got.LastResponse.ETag == "" {
		t.Fatalf("retrieve: %+v etag %q", got.Resource, got.LastResponse.ETag)
	}

	// a batch types each result: a created resource decodes as one
	res, err := c.Batch.Do(ctx, &example.BatchParams{Operations: []example.BatchOperation{{Method: "POST", Path: "/v1/resources",
		Body: map[string]interface{}{"name": "Go batch", "type": "staging", "metadata": map[string]string{"run": run}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var batched example.Resource
	if len(res.Results) != 1 || res.Results[0].Status != 201 || res.Results[0].Decode(&batched) != nil || batched.Metadata["run"] != run {
		t.Fatalf("batch: %+v", res.Results)
	}

	// list: auto-pagination over the session's shared set, both ways
	paginateTheSharedSet(t)

	// PATCH with If-Match, then a stale ETag is refused (412, not retried). Provisioning
	// changes the resource (and its ETag) until it settles: wait for that first.
	for deadline := time.Now().Add(120 * time.Second); got.Status == example.StatusPending && time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if got, err = c.Resources.Retrieve(ctx, created.Id, nil); err != nil {
			t.Fatal(err)
		}
	}
	updated, err := c.Resources.Update(ctx, created.Id, &example.ResourceUpdateParams{Name: example.String("Go flow renamed")},
		example.WithIfMatch(got.LastResponse.ETag))
	if err != nil {
		t.Fatal(err)
	}
	if updated.Name != "Go flow renamed" {
		t.Fatalf("update: %+v", updated.Resource)
	}
	_, err = c.Resources.Update(ctx, created.Id, &example.ResourceUpdateParams{Name: example.String("lost update")},
		example.WithIfMatch(got.LastResponse.ETag))
	var conflict *example.ConflictError
	if !errors.As(err, &conflict) || conflict.StatusCode != 412 || conflict.Code != "precondition_failed" {
		t.Fatalf("stale If-Match: %v", err)
	}

	deleted, err := c.Resources.Delete(ctx, created.Id)
	if err != nil || !deleted.Deleted || deleted.Id != created.Id {
		t.Fatalf("delete: %+v %v", deleted, err)
	}
	_, err = c.Resources.Retrieve(ctx, created.Id, nil)
	var nf *example.NotFoundError
	if !errors.As(err, &nf) || nf.StatusCode != 404 || nf.Code != "resource_missing" || nf.RequestID == "" || nf.DocURL == "" {
		t.Fatalf("retrieve after delete: %v", err)
	}
	var apiErr *example.APIError
	if !errors.As(err, &apiErr) || apiErr.Type != "resource_not_found" {
		t.Fatalf("a typed error unwraps to *APIError: %v", err)
	}
}

// recorder is an http.RoundTripper that keeps the URL of every request it sends.
type recorder struct{ urls []*url.URL }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL)
	return http.DefaultTransport.RoundTrip(req)
}

// paginateTheSharedSet walks the session's pagination set (sdks/README.md): a created range
// holding exactly SDK_PAGINATION_COUNT resources, with other resources of the account on
// both sides of it, so that a filter not carried to a page would show.
func paginateTheSharedSet(t *testing.T) {
	t.Helper()
	num := func(name string) int64 {
		n, err := strconv.ParseInt(env(t, name), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return n
	}
	gte, lte, count := num("SDK_PAGINATION_CREATED_GTE"), num("SDK_PAGINATION_CREATED_LTE"), int(num("SDK_PAGINATION_COUNT"))
	window := &example.RangeFilter{Gte: example.Int64(gte), Lte: example.Int64(lte)}
	rec := &recorder{}
	c := apiClient(t, example.WithHTTPClient(&http.Client{Transport: rec, Timeout: 60 * time.Second}))

	all := c.Resources.List(ctx, &example.ResourceListParams{ListParams: example.ListParams{Limit: 1}})
	if !all.Next() || all.TotalCount == nil || *all.TotalCount <= int64(count) {
		t.Fatalf("the account should hold more than the set's %d resources: %v %v", count, all.TotalCount, all.Err())
	}

	rec.urls = nil
	it := c.Resources.List(ctx, &example.ResourceListParams{ListParams: example.ListParams{Limit: 100, Created: window}})
	var order []string
	seen := map[string]bool{}
	pages := map[*example.Response]bool{}
	for it.Next() {
		r := it.Current()
		pages[it.LastResponse] = true
		if r.Created < gte || r.Created > lte || seen[r.Id] {
			t.Fatalf("%s (created %d) is outside [%d, %d] or repeated", r.Id, r.Created, gte, lte)
		}
		seen[r.Id] = true
		order = append(order, r.Id)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(order) != count || len(pages) < 3 || len(rec.urls) < len(pages) {
		t.Fatalf("auto-pagination saw %d of %d in %d pages (%d requests)", len(order), count, len(pages), len(rec.urls))
	}
	for i, u := range rec.urls {
		q := u.Query()
		if q.Get("created[gte]") != strconv.FormatInt(gte, 10) || q.Get("created[lte]") != strconv.FormatInt(lte, 10) ||
			q.Get("limit") != "100" || (q.Get("starting_after") != "") != (i > 0) {
			t.Fatalf("page %d: %s", i+1, u)
		}
	}
	if !sort.SliceIsSorted(order, func(i, j int) bool { return order[i] > order[j] }) {
		t.Fatal("list is not newest first")
	}

	// backward from the oldest: every newer one, oldest first, the filter carried
	rec.urls = nil
	back := c.Resources.List(ctx, &example.ResourceListParams{ListParams: example.ListParams{Limit: 100, Created: window, EndingBefore: order[len(order)-1]}})
	var backward []string
	for back.Next() {
		backward = append(backward, back.Current().Id)
	}
	if err := back.Err(); err != nil {
		t.Fatal(err)
	}
	if len(backward) != count-1 || backward[0] != order[len(order)-2] || backward[count-2] != order[0] ||
		!sort.StringsAreSorted(backward) {
		t.Fatalf("backward pagination: %d objects", len(backward))
	}
	for i, u := range rec.urls {
		if u.Query().Get("created[lte]") != strconv.FormatInt(lte, 10) || u.Query().Get("ending_before") == "" {
			t.Fatalf("backward page %d: %s", i+1, u)
		}
	}
}

func TestInvalidRequestError(t *testing.T) {
	_, err := apiClient(t).Resources.Create(ctx, newParams("x", nil))
	var inv *example.InvalidRequestError
	if !errors.As(err, &inv) || inv.StatusCode != 400 || inv.Code != "parameter_invalid" || inv.Param != "name" || inv.RequestID == "" {
		t.Fatalf("short name: %v", err)
	}
}

func TestIdempotentReplay(t *testing.T) {
	c := apiClient(t)
	key := "go-replay-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	first, err := c.Resources.Create(ctx, newParams("Go replay", nil), example.WithIdempotencyKey(key))
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Resources.Create(ctx, newParams("Go replay", nil), example.WithIdempotencyKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if first.Id != second.Id || first.LastResponse.IdempotentReplayed || !second.LastResponse.IdempotentReplayed {
		t.Fatalf("replay: %s/%v then %s/%v", first.Id, first.LastResponse.IdempotentReplayed, second.Id, second.LastResponse.IdempotentReplayed)
	}
	if second.LastResponse.IdempotencyKey != key {
		t.Fatalf("the caller's key was not sent: %q", second.LastResponse.IdempotencyKey)
	}
}

func TestAPIVersionPinning(t *testing.T) {
	c := apiClient(t, example.WithAPIVersion("2023-11-01"))
	r, err := c.Resources.Create(ctx, newParams("Go pinned", nil))
	if err != nil {
		t.Fatal(err)
	}
	if v := r.LastResponse.Header.Get("Api-Version"); v != "2023-11-01" {
		t.Fatalf("rendered by %q", v)
	}
	_, err = c.Resources.Retrieve(ctx, r.Id, nil, example.WithRequestAPIVersion("1999-01-01"))
	var inv *example.InvalidRequestError
	if !errors.As(err, &inv) || inv.Param != "Api-Version" {
		t.Fatalf("unknown version: %v", err)
	}
}

// sleeps records the waits between attempts instead of waiting.
type sleeps struct{ d []time.Duration }

func (s *sleeps) sleep(_ context.Context, d time.Duration) error { s.d = append(s.d, d); return nil }

func TestRetriesHonourRetryAfterWithOneKey(t *testing.T) {
	base, log := stub(t,
		map[string]interface{}{"status": 409, "headers": map[string]string{"Retry-After": "0"}, "body": errBody("conflict_error", "idempotency_key_in_use")},
		map[string]interface{}{"status": 429, "headers": map[string]string{"Retry-After": "7"}, "body": errBody("rate_limit_error", "rate_limited")},
		map[string]interface{}{"status": 503, "headers": map[string]string{"Retry-After": "0.25"}, "body": errBody("api_error", "service_unavailable")},
		map[string]interface{}{"status": 200, "headers": map[string]string{"Request-Id": "req_ok"}, "body": stubResource},
	)
	var s sleeps
	c := example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithMaxRetries(3), example.WithAPIVersion("2024-01-15"), example.WithSleeper(s.sleep))
	r, err := c.Resources.Create(ctx, newParams("Go retry", nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{0, 7 * time.Second, 250 * time.Millisecond}; fmt.Sprint(s.d) != fmt.Sprint(want) {
		t.Fatalf("waited %v, want the Retry-After values %v", s.d, want)
	}
	reqs := log()
	if len(reqs) != 4 || r.Id != stubResource["id"] || r.LastResponse.RequestID != "req_ok" || r.LastResponse.StatusCode != 200 ||
		r.LastResponse.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d requests, %+v", len(reqs), r)
	}
	key := reqs[0].Headers["idempotency-key"]
	for _, q := range reqs {
		if key == "" || q.Headers["idempotency-key"] != key || q.Method != "POST" || q.Path != "/v1/resources" ||
			q.Headers["api-version"] != "2024-01-15" || q.Headers["authorization"] != "Bearer sk_test_stub" {
			t.Fatalf("attempt %+v (first key %q)", q, key)
		}
	}
}

func TestRetryAfterBeyondTheMaximumFailsAtOnce(t *testing.T) {
	for _, status := range []int{429, 503} {
		base, log := stub(t,
			map[string]interface{}{"status": status, "headers": map[string]string{"Retry-After": "3600"}, "body": errBody("rate_limit_error", "rate_limited")},
			map[string]interface{}{"status": 200, "body": stubResource},
		)
		var s sleeps
		c := example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithMaxRetries(3), example.WithSleeper(s.sleep))
		_, err := c.Resources.Delete(ctx, "res_x", example.WithIdempotencyKey("mine-1"))
		var apiErr *example.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Response.Header.Get("Retry-After") != "3600" {
			t.Fatalf("%d with Retry-After 3600 > MaxRetryDelay: %v", status, err)
		}
		if n := len(log()); n != 1 || len(s.d) != 0 {
			t.Fatalf("%d: sent %d times, waited %v", status, n, s.d)
		}
	}
	// within the maximum it is waited for, with the caller's key on every attempt
	base, log := stub(t,
		map[string]interface{}{"status": 500, "headers": map[string]string{"Retry-After": "3600"}, "body": errBody("api_error", "internal_error")},
		map[string]interface{}{"status": 200, "body": stubResource},
	)
	var s sleeps
	c := example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithRetryDelays(time.Second, 2*time.Hour), example.WithSleeper(s.sleep))
	if _, err := c.Resources.Delete(ctx, "res_x", example.WithIdempotencyKey("mine-1")); err != nil {
		t.Fatal(err)
	}
	reqs := log()
	if len(reqs) != 2 || reqs[0].Headers["idempotency-key"] != "mine-1" || reqs[1].Headers["idempotency-key"] != "mine-1" || fmt.Sprint(s.d) != "[1h0m0s]" {
		t.Fatalf("%+v, waited %v", reqs, s.d)
	}
}

func TestExponentialBackoffWithJitter(t *testing.T) {
	e := map[string]interface{}{"status": 502, "body": errBody("api_error", "bad_gateway")}
	base, log := stub(t, e, e, e, e, map[string]interface{}{"status": 200, "body": stubResource})
	var s sleeps
	c := example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithMaxRetries(4),
		example.WithRetryDelays(100*time.Millisecond, 500*time.Millisecond), example.WithSleeper(s.sleep))
	if _, err := c.Resources.Create(ctx, newParams("Go backoff", nil)); err != nil {
		t.Fatal(err)
	}
	if len(s.d) != 4 || len(log()) != 5 {
		t.Fatalf("waited %v", s.d)
	}
	// half to full of 100ms * 2^n, capped at 500ms
	for n, d := range s.d {
		full := 100 * time.Millisecond << n
		if full > 500*time.Millisecond {
			full = 500 * time.Millisecond
		}
		if d < full/2 || d > full {
			t.Fatalf("wait %d: %v not in [%v, %v] (%v)", n, d, full/2, full, s.d)
		}
	}
	// jitter: many clients retrying at once do not all wait the same
	seen := map[time.Duration]bool{}
	for i := 0; i < 5; i++ {
		base, _ := stub(t, e, map[string]interface{}{"status": 200, "body": stubResource})
		var s sleeps
		c := example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithSleeper(s.sleep))
		if _, err := c.Resources.Retrieve(ctx, "res_x", nil); err != nil || len(s.d) != 1 {
			t.Fatal(err, s.d)
		}
		seen[s.d[0]] = true
	}
	if len(seen) < 2 {
		t.Fatalf("5 clients waited the same %v", seen)
	}
	// retries spent: the last answer's error
	base, log = stub(t, e)
	c = example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithMaxRetries(2), example.WithSleeper((&sleeps{}).sleep))
	_, err := c.Resources.Retrieve(ctx, "res_x", nil)
	var apiErr *example.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 502 || len(log()) != 3 {
		t.Fatalf("%v after %d requests", err, len(log()))
	}
}

func TestPerRequestOptionsOnEveryCall(t *testing.T) {
	page := map[string]interface{}{"object": "list", "url": "/v1/resources", "has_more": false, "data": []interface{}{stubResource}}
	calls := []struct {
		name string
		do   func(c *example.Client, opts ...example.RequestOption) error
	}{
		{"Resources.List", func(c *example.Client, o ...example.RequestOption) error {
			it := c.Resources.List(ctx, &example.ResourceListParams{Status: "active"}, o...)
			for it.Next() {
			}
			return it.Err()
		}},
		{"Events.List", func(c *example.Client, o ...example.RequestOption) error {
			it := c.Events.List(ctx, nil, o...)
			for it.Next() {
			}
			return it.Err()
		}},
		{"WebhookEndpoints.List", func(c *example.Client, o ...example.RequestOption) error {
			it := c.WebhookEndpoints.List(ctx, nil, o...)
			for it.Next() {
			}
			return it.Err()
		}},
		{"Events.Deliveries", func(c *example.Client, o ...example.RequestOption) error {
			it := c.Events.Deliveries(ctx, "evt_x", nil, o...)
			for it.Next() {
			}
			return it.Err()
		}},
		{"Resources.Retrieve", func(c *example.Client, o ...example.RequestOption) error {
			_, err := c.Resources.Retrieve(ctx, "res_x", nil, o...)
			return err
		}},
		{"Resources.Update", func(c *example.Client, o ...example.RequestOption) error {
			_, err := c.Resources.Update(ctx, "res_x", &example.ResourceUpdateParams{Name: example.String("n")}, o...)
			return err
		}},
	}
	for _, call := range calls {
		// max retries 0 for this call only: the 503 is not retried although the client would
		base, log := stub(t, map[string]interface{}{"status": 503, "body": errBody("api_error", "service_unavailable")})
		var s sleeps
		c := example.NewClient("sk_test_client", example.WithBaseURL(base), example.WithAPIVersion("2024-01-15"), example.WithMaxRetries(3), example.WithSleeper(s.sleep))
		err := call.do(c, example.WithRequestAPIKey("sk_test_other"), example.WithRequestAPIVersion("2025-01-01"),
			example.WithIdempotencyKey("key-"+call.name), example.WithRequestMaxRetries(0), example.WithRequestTimeout(30*time.Second))
		var apiErr *example.APIError
		reqs := log()
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || len(reqs) != 1 || len(s.d) != 0 {
			t.Fatalf("%s: %v after %d requests", call.name, err, len(reqs))
		}
		h := reqs[0].Headers
		if h["authorization"] != "Bearer sk_test_other" || h["api-version"] != "2025-01-01" || h["idempotency-key"] != "key-"+call.name {
			t.Fatalf("%s sent %v", call.name, h)
		}
		// and the client's settings when the call gives none
		base, log = stub(t, map[string]interface{}{"status": 200, "body": page})
		c = example.NewClient("sk_test_client", example.WithBaseURL(base), example.WithAPIVersion("2024-01-15"))
		_ = call.do(c)
		if h := log()[0].Headers; h["authorization"] != "Bearer sk_test_client" || h["api-version"] != "2024-01-15" {
			t.Fatalf("%s without options sent %v", call.name, h)
		}
	}
	// the raw answer of each page on the iterator
	base, _ := stub(t, map[string]interface{}{"status": 200, "headers": map[string]string{"Request-Id": "req_page"}, "body": page})
	it := example.NewClient("sk_test_client", example.WithBaseURL(base)).Resources.List(ctx, nil)
	if !it.Next() || it.Current().Id != stubResource["id"] || it.LastResponse.RequestID != "req_page" || it.LastResponse.StatusCode != 200 {
		t.Fatalf("%v %+v", it.Err(), it.LastResponse)
	}
}

func TestRequestTimeoutIsRetried(t *testing.T) {
	// the first attempt gets no answer until it gives up; the retry is answered
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		io.Copy(io.Discard, r.Body) // read it all: then the server notices the client hanging up
		if n == 1 {
			select {
			case <-r.Context().Done(): // the client gave up
			case <-time.After(time.Minute):
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(stubResource)
	}))
	defer srv.Close()
	var s sleeps
	c := example.NewClient("sk_test_stub", example.WithBaseURL(srv.URL), example.WithSleeper(s.sleep))
	r, err := c.Resources.Create(ctx, newParams("Go timeout", nil), example.WithRequestTimeout(200*time.Millisecond))
	mu.Lock()
	defer mu.Unlock()
	if err != nil || r.Id != stubResource["id"] || len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Fatalf("%v, keys %v", err, keys)
	}
	// no retries left: a ConnectionError
	keys = nil
	mu.Unlock()
	_, err = c.Resources.Create(ctx, newParams("Go timeout", nil), example.WithRequestTimeout(200*time.Millisecond), example.WithRequestMaxRetries(0))
	mu.Lock()
	var ce *example.ConnectionError
	if !errors.As(err, &ce) || len(keys) != 1 {
		t.Fatalf("%v, keys %v", err, keys)
	}
}

func TestProxyAndCustomHTTPClient(t *testing.T) {
	// the stub as a forward proxy: it gets the absolute URL of a host that does not exist
	base, log := stub(t, map[string]interface{}{"status": 200, "body": stubResource})
	u, _ := url.Parse(base)
	proxy := &url.URL{Scheme: "http", Host: u.Host}
	c := example.NewClient("sk_test_stub", example.WithBaseURL("http://api.example.invalid"+u.Path), example.WithProxy(proxy))
	if _, err := c.Resources.Retrieve(ctx, "res_x", nil); err != nil {
		t.Fatal(err)
	}
	if reqs := log(); len(reqs) != 1 || reqs[0].Path != "/v1/resources/res_x" || reqs[0].Headers["host"] != "api.example.invalid" {
		t.Fatalf("%+v", reqs)
	}
	// your own *http.Client: its transport sends every request
	base, log = stub(t, map[string]interface{}{"status": 200, "body": stubResource})
	var seen []string
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c = example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithHTTPClient(hc))
	if _, err := c.Resources.Retrieve(ctx, "res_x", nil); err != nil || len(seen) != 1 || len(log()) != 1 {
		t.Fatal(err, seen)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNoRetryOnClientErrors(t *testing.T) {
	cases := []struct {
		status  int
		typ     string
		code    string
		asTyped func(error) bool
	}{
		{400, "invalid_request_error", "parameter_invalid", func(e error) bool { var x *example.InvalidRequestError; return errors.As(e, &x) }},
		{401, "authentication_error", "api_key_invalid", func(e error) bool { var x *example.AuthenticationError; return errors.As(e, &x) }},
		{404, "resource_not_found", "resource_missing", func(e error) bool { var x *example.NotFoundError; return errors.As(e, &x) }},
		{412, "conflict_error", "precondition_failed", func(e error) bool { var x *example.ConflictError; return errors.As(e, &x) }},
		{409, "conflict_error", "resource_not_ready", func(e error) bool { var x *example.ConflictError; return errors.As(e, &x) }},
	}
	for _, tc := range cases {
		base, log := stub(t, map[string]interface{}{"status": tc.status, "headers": map[string]string{"Retry-After": "0"}, "body": errBody(tc.typ, tc.code)})
		c := example.NewClient("sk_test_stub", example.WithBaseURL(base), example.WithMaxRetries(3))
		_, err := c.Resources.Update(ctx, "res_x", &example.ResourceUpdateParams{Name: example.String("n")})
		var apiErr *example.APIError
		if !tc.asTyped(err) || !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Code != tc.code || apiErr.RequestID != "req_stub" {
			t.Fatalf("%d: %v", tc.status, err)
		}
		if n := len(log()); n != 1 {
			t.Fatalf("%d was sent %d times", tc.status, n)
		}
	}
}

func TestRetriesConnectionErrors(t *testing.T) {
	// a real server that drops the first connection without answering
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if attempts == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(stubResource)
	}))
	defer srv.Close()
	c := example.NewClient("sk_test_stub", example.WithBaseURL(srv.URL), example.WithSleeper((&sleeps{}).sleep))
	if _, err := c.Resources.Retrieve(ctx, "res_x", nil); err != nil || attempts != 2 {
		t.Fatalf("%v after %d attempts", err, attempts)
	}
	// nothing listening: a ConnectionError once the retries are spent
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c = example.NewClient("sk_test_stub", example.WithBaseURL("http://"+addr), example.WithSleeper((&sleeps{}).sleep))
	_, err := c.Resources.Retrieve(ctx, "res_x", nil)
	var ce *example.ConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("refused connection: %v", err)
	}
}

func TestLenientParsing(t *testing.T) {
	future := map[string]interface{}{}
	for k, v := range stubResource {
		future[k] = v
	}
	future["status"] = "hibernating"
	future["a_field_from_the_future"] = map[string]interface{}{"x": 1}
	base, _ := stub(t, map[string]interface{}{"status": 200, "body": future})
	r, err := example.NewClient("sk_test_stub", example.WithBaseURL(base)).Resources.Retrieve(ctx, "res_x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "hibernating" || r.Status.IsValid() || r.Name != "From the stub" {
		t.Fatalf("%+v", r.Resource)
	}
}

type fixture struct {
	Payload   string            `json:"payload"`
	Headers   map[string]string `json:"headers"`
	Secret    string            `json:"secret"`
	EventID   string            `json:"event_id"`
	EventType string            `json:"event_type"`
}

func loadFixture(t *testing.T) (fixture, http.Header) {
	raw, err := os.ReadFile(env(t, "SDK_WEBHOOK_FIXTURE"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, v := range f.Headers {
		h.Set(k, v)
	}
	return f, h
}

// resigned is the delivery's headers signed again, correctly (the fixture's secret), at another time.
func resigned(t *testing.T, f fixture, h http.Header, ts int64) http.Header {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(f.Secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.%s", h.Get("webhook-id"), ts, f.Payload)
	out := h.Clone()
	out.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	out.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	return out
}

// The delivery is made once per test session and may be older than the tolerance by now: it is
// checked as of its own timestamp (Now), and re-signed copies show what the real clock does.
func TestWebhookVerification(t *testing.T) {
	f, h := loadFixture(t)
	ts, _ := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	at := func(sec int64) func() time.Time { return func() time.Time { return time.Unix(sec, 0) } }
	opts := example.WebhookOptions{Secrets: []string{f.Secret}, Now: at(ts + 10)}

	ev, err := example.ConstructEventWithOptions([]byte(f.Payload), h, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Id != f.EventID || ev.Type != f.EventType {
		t.Fatalf("event %s %s", ev.Id, ev.Type)
	}
	if r := ev.Data.Object.Resource; r == nil || r.Object != "resource" || r.Id == "" || ev.Data.Object.WebhookEndpoint != nil {
		t.Fatalf("data.object is not a typed resource: %+v", ev.Data.Object)
	}

	var sigErr *example.SignatureVerificationError
	tampered := []byte(f.Payload[:len(f.Payload)-1] + " " + f.Payload[len(f.Payload)-1:])
	if _, err := example.ConstructEventWithOptions(tampered, h, opts); !errors.As(err, &sigErr) {
		t.Fatalf("tampered body: %v", err)
	}
	old := opts
	old.Now = at(ts + 6*60)
	if _, err := example.ConstructEventWithOptions([]byte(f.Payload), h, old); !errors.As(err, &sigErr) {
		t.Fatalf("old timestamp: %v", err)
	}
	// at the real clock (ConstructEvent's default): signed just now verifies, 10 minutes ago fails
	now := time.Now().Unix()
	if ev, err := example.ConstructEvent([]byte(f.Payload), resigned(t, f, h, now), f.Secret); err != nil || ev.Id != f.EventID {
		t.Fatalf("signed just now: %v", err)
	}
	if _, err := example.ConstructEvent([]byte(f.Payload), resigned(t, f, h, now-600), f.Secret); !errors.As(err, &sigErr) ||
		!strings.Contains(err.Error(), "tolerance") {
		t.Fatalf("signed 10 minutes ago: %v", err)
	}
	wrong := opts
	wrong.Secrets = []string{"whsec_" + "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="}
	if _, err := example.ConstructEventWithOptions([]byte(f.Payload), h, wrong); !errors.As(err, &sigErr) {
		t.Fatal("wrong secret accepted")
	}
	// during a rotation the endpoint's secrets are tried in turn
	rot := opts
	rot.Secrets = []string{"whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=", f.Secret}
	if _, err := example.ConstructEventWithOptions([]byte(f.Payload), h, rot); err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if hexSig := h.Get("Resource-Signature"); hexSig != "" {
		if !example.VerifyHexSignature([]byte(f.Payload), hexSig, f.Secret) || example.VerifyHexSignature(tampered, hexSig, f.Secret) {
			t.Fatal("hex signature")
		}
	}
}

func TestWebhookEndpointsAndEvents(t *testing.T) {
	c := apiClient(t)
	start := time.Now().Unix()
	we, err := c.WebhookEndpoints.Create(ctx, &example.WebhookEndpointCreateParams{
		Url: "http://127.0.0.1:9/go-sdk", EnabledEvents: []string{"resource.created"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if we.GetSecret() == "" {
		t.Fatal("no secret on create")
	}
	rotated, err := c.WebhookEndpoints.RotateSecret(ctx, we.Id)
	if err != nil || rotated.GetSecret() == "" || rotated.GetSecret() == we.GetSecret() {
		t.Fatalf("rotate: %v", err)
	}
	up := &example.WebhookEndpointUpdateParams{}
	up.SetDescription("Go SDK")
	upd, err := c.WebhookEndpoints.Update(ctx, we.Id, up)
	if err != nil || upd.GetDescription() != "Go SDK" {
		t.Fatalf("update endpoint: %v", err)
	}
	found := false
	for it := c.WebhookEndpoints.List(ctx, &example.ListParams{Limit: 2}); it.Next(); {
		found = found || it.Current().Id == we.Id
	}
	if !found {
		t.Fatal("endpoint not listed")
	}
	replay, err := c.WebhookEndpoints.Replay(ctx, we.Id, &example.WebhookReplayParams{Since: start - 60})
	if err != nil || replay.WebhookEndpoint != we.Id {
		t.Fatalf("replay: %v", err)
	}

	// any resource.created event will do (the account's events are published
	// asynchronously: the session's shared pagination set made the first ones)
	var ev *example.Event
	for deadline := time.Now().Add(120 * time.Second); ev == nil && time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		it := c.Events.List(ctx, &example.EventListParams{Type: "resource.created", ListParams: example.ListParams{Limit: 3}})
		if it.Next() {
			ev = it.Current()
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if ev == nil {
		t.Fatal("no resource.created event")
	}
	var obj example.Resource
	if err := ev.DataObject(&obj); err != nil || obj.Object != "resource" {
		t.Fatalf("data.object: %v", err)
	}
	again, err := c.Events.Retrieve(ctx, ev.Id)
	if err != nil || again.Type != "resource.created" {
		t.Fatalf("retrieve event: %v", err)
	}
	rp := &example.EventResendParams{}
	rp.SetWebhookEndpoint(we.Id)
	resent, err := c.Events.Resend(ctx, ev.Id, rp)
	if err != nil || resent.Event != ev.Id {
		t.Fatalf("resend: %v", err)
	}
	it := c.Events.Deliveries(ctx, ev.Id, nil)
	for it.Next() {
		if it.Current().Event != ev.Id {
			t.Fatalf("delivery of another event: %+v", it.Current())
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if d, err := c.WebhookEndpoints.Delete(ctx, we.Id); err != nil || !d.Deleted {
		t.Fatalf("delete endpoint: %v", err)
	}
}

func TestEventTypesAndNarrowing(t *testing.T) {
	var created, limit example.Event
	res, _ := json.Marshal(map[string]interface{}{"id": "evt_01m8h8y3phbgz0cj001dzhg3", "object": "event", "type": "resource.created",
		"created": 1705320000, "api_version": "2024-01-15", "livemode": false, "data": map[string]interface{}{"object": stubResource}})
	notice, _ := json.Marshal(map[string]interface{}{"id": "evt_01m8h8y3phbgz0cj001dzhg4", "object": "event", "type": "resource.limit_exceeded",
		"created": 1705320000, "api_version": "2024-01-15", "livemode": false,
		"data": map[string]interface{}{"object": map[string]interface{}{"object": "limit", "resource": "res_01m8h8y3phbgz0cj001dzhg3", "limit_type": "requests", "limit": 100, "current_value": 101}}})
	if err := json.Unmarshal(res, &created); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(notice, &limit); err != nil {
		t.Fatal(err)
	}
	if r, ok := created.Resource(); !ok || r.Name != "From the stub" || created.EventType() != example.EventTypeResourceCreated || !created.EventType().IsValid() {
		t.Fatalf("%+v", created)
	}
	if _, ok := created.LimitNotice(); ok {
		t.Fatal("a resource event's object is not a limit notice")
	}
	if _, ok := limit.Resource(); ok || limit.EventType() != example.EventTypeResourceLimitExceeded {
		t.Fatalf("%+v", limit)
	}
	if _, ok := limit.LimitNotice(); !ok {
		t.Fatalf("%+v", limit.Data)
	}
	if example.EventType("resource.hibernated").IsValid() {
		t.Fatal("an unknown type is not valid")
	}
	if got := example.EventTypes(example.EventTypeResourceCreated, example.EventTypeAll); fmt.Sprint(got) != "[resource.created *]" {
		t.Fatal(got)
	}
}
