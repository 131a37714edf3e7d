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
	ifMatch        string
	headers        map[string]string
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
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "example-go/"+Version)
		if body != nil {
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
			err = &ConnectionError{Err: err}
		}
		if attempt < c.MaxRetries && shouldRetry(r, err) {
			if werr := c.wait(ctx, attempt, r); werr != nil {
				return nil, werr
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if apiErr != nil {
			return r, apiErr
		}
		if out != nil && len(r.Body) > 0 {
			if err := json.Unmarshal(r.Body, out); err != nil {
				return r, fmt.Errorf("example: decoding %s %s answer: %w", method, path, err)
			}
		}
		return r, nil
	}
}

// shouldRetry: connection errors, 409 idempotency_key_in_use, 429 and 5xx; never
// another 4xx (400, 401, 404, 412 ... would fail the same way again).
func shouldRetry(r *Response, err error) bool {
	if err != nil {
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

// wait sleeps before retry number attempt+1: Retry-After when the server sent one
// (capped at MaxRetryDelay), else exponential backoff with jitter.
func (c *Client) wait(ctx context.Context, attempt int, r *Response) error {
	d := time.Duration(-1)
	if r != nil {
		d = retryAfter(r.Header.Get("Retry-After"))
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
	if d <= 0 {
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
