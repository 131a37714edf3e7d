package example

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Response is what every call exposes besides its object: the request id to quote to
// support, whether the answer was an idempotent replay, the ETag for If-Match.
type Response struct {
	StatusCode         int
	Header             http.Header
	RequestID          string
	IdempotencyKey     string // the key sent (generated or yours); "" on GET
	IdempotentReplayed bool
	ETag               string
	Body               []byte
}

// RequestOption changes one request.
type RequestOption func(*requestOptions)

type requestOptions struct {
	idempotencyKey string
	apiVersion     string
	apiKey         string
	ifMatch        string
	timeout        time.Duration
	maxRetries     *int
	headers        map[string]string
}

// WithRequestAPIKey sends one request with another secret key (e.g. a connected
// account's, or a restricted key) instead of the client's.
func WithRequestAPIKey(k string) RequestOption { return func(o *requestOptions) { o.apiKey = k } }

// WithRequestTimeout bounds each attempt of one request (connect, send, answer); an
// attempt that times out is a ConnectionError and is retried like one.
func WithRequestTimeout(d time.Duration) RequestOption {
	return func(o *requestOptions) { o.timeout = d }
}

// WithRequestMaxRetries overrides the client's MaxRetries for one request (0: no retry).
func WithRequestMaxRetries(n int) RequestOption {
	return func(o *requestOptions) { o.maxRetries = &n }
}

// WithIdempotencyKey sends your own Idempotency-Key (otherwise one is generated for
// every POST, PATCH and DELETE and reused across that call's retries).
func WithIdempotencyKey(k string) RequestOption {
	return func(o *requestOptions) { o.idempotencyKey = k }
}

// WithRequestAPIVersion pins the Api-Version of one request.
func WithRequestAPIVersion(v string) RequestOption {
	return func(o *requestOptions) { o.apiVersion = v }
}

// WithIfMatch makes a PATCH or DELETE conditional on the object's ETag
// (412 precondition_failed when it changed).
func WithIfMatch(etag string) RequestOption { return func(o *requestOptions) { o.ifMatch = etag } }

// WithHeader adds any other header.
func WithHeader(k, v string) RequestOption {
	return func(o *requestOptions) {
		if o.headers == nil {
			o.headers = map[string]string{}
		}
		o.headers[k] = v
	}
}

func newIdempotencyKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand failing is not recoverable
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// call sends one API request with retries and decodes a 2xx answer into out.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body interface{}, out interface{}, opts []RequestOption) (*Response, error) {
	var o requestOptions
	for _, opt := range opts {
		opt(&o)
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("example: encoding the request body: %w", err)
		}
	}
	u := c.BaseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	key := o.idempotencyKey
	if key == "" && method != http.MethodGet {
		key = newIdempotencyKey()
	}
	maxRetries := c.MaxRetries
	if o.maxRetries != nil {
		maxRetries = *o.maxRetries
	}
	for attempt := 0; ; attempt++ {
		r, err := c.attempt(ctx, method, u, payload, body != nil, key, &o)
		if attempt < maxRetries && shouldRetry(r, err) {
			if werr := c.wait(ctx, attempt, r); werr == nil {
				continue
			} else if !errors.Is(werr, errRetryAfterTooLong) {
				return nil, werr
			}
			// the server asked for a longer pause than MaxRetryDelay: its answer now
		}
		if err != nil {
			return r, err // r: the answer of an API error, nil when there was none
		}
		if out != nil && len(r.Body) > 0 {
			if err := json.Unmarshal(r.Body, out); err != nil {
				return r, fmt.Errorf("example: decoding %s %s answer: %w", method, path, err)
			}
		}
		return r, nil
	}
}

// attempt sends the request once: the answer (with its typed API error for a status
// >= 300) or a ConnectionError (no answer: refused, reset, timed out).
func (c *Client) attempt(ctx context.Context, method, u string, payload []byte, hasBody bool, key string, o *requestOptions) (*Response, error) {
	actx := ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	{
		req, err := http.NewRequestWithContext(actx, method, u, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+firstNonEmpty(o.apiKey, c.APIKey))
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "example-go/"+Version)
		if hasBody {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		if v := firstNonEmpty(o.apiVersion, c.APIVersion); v != "" {
			req.Header.Set("Api-Version", v)
		}
		if o.ifMatch != "" {
			req.Header.Set("If-Match", o.ifMatch)
		}
		for k, v := range o.headers {
			req.Header.Set(k, v)
		}
		resp, err := c.HTTPClient.Do(req)
		var r *Response
		var apiErr error
		if err == nil {
			raw, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr != nil {
				err = rerr
			} else {
				r = &Response{
					StatusCode:         resp.StatusCode,
					Header:             resp.Header,
					RequestID:          resp.Header.Get("Request-Id"),
					IdempotencyKey:     key,
					IdempotentReplayed: resp.Header.Get("Idempotent-Replayed") == "true",
					ETag:               resp.Header.Get("ETag"),
					Body:               raw,
				}
				if resp.StatusCode >= 300 {
					apiErr = newAPIError(r)
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &ConnectionError{Err: err}
		}
		return r, apiErr
	}
}

// shouldRetry: connection errors, 409 idempotency_key_in_use, 429 and 5xx; never
// another 4xx (400, 401, 404, 412 ... would fail the same way again).
func shouldRetry(r *Response, err error) bool {
	if r == nil {
		var ce *ConnectionError
		return errors.As(err, &ce)
	}
	switch {
	case r.StatusCode == 409:
		return errorCode(r.Body) == "idempotency_key_in_use"
	case r.StatusCode == 429:
		return true
	case r.StatusCode >= 500:
		return true
	}
	return false
}

var errRetryAfterTooLong = errors.New("example: Retry-After beyond MaxRetryDelay")

// wait sleeps before retry number attempt+1: Retry-After when the server sent one,
// else exponential backoff with jitter (half to full of InitialRetryDelay * 2^attempt,
// capped at MaxRetryDelay). A Retry-After beyond MaxRetryDelay is not waited for:
// errRetryAfterTooLong, and the call returns the server's answer at once.
func (c *Client) wait(ctx context.Context, attempt int, r *Response) error {
	d := time.Duration(-1)
	if r != nil {
		d = retryAfter(r.Header.Get("Retry-After"))
		if d > c.MaxRetryDelay {
			return errRetryAfterTooLong
		}
	}
	if d < 0 {
		backoff := float64(c.InitialRetryDelay) * math.Pow(2, float64(attempt))
		if backoff > float64(c.MaxRetryDelay) {
			backoff = float64(c.MaxRetryDelay)
		}
		d = time.Duration(backoff * (0.5 + mrand.Float64()/2)) // jitter: half to full
	}
	if d > c.MaxRetryDelay {
		d = c.MaxRetryDelay
	}
	if d < 0 {
		d = 0
	}
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter parses delta-seconds or an HTTP date; -1 when absent or unreadable.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
		return 0
	}
	return -1
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
