// Package example is the Go SDK of the Resource API.
//
// The models (every object and request body) are generated from the API's OpenAPI
// document into the `generated` package (see generate.sh) and re-exported here; this
// package is the small hand-written layer that gives them Stripe-grade behaviour:
// one client with retries and idempotency keys, typed errors, auto-pagination and
// webhook verification.
package example

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Version of this SDK, sent in the User-Agent.
const Version = "2.0.0"

// DefaultBaseURL is the production API (paths in the SDK start with /v1).
const DefaultBaseURL = "https://api.example.com"

// Client talks to the API. Build it with NewClient; it is safe for concurrent use.
type Client struct {
	APIKey string
	// BaseURL without the /v1, e.g. http://127.0.0.1:8000 for the local cloud.
	BaseURL string
	// APIVersion pins the Api-Version header for every request ("" = the account's default).
	APIVersion string
	// MaxRetries is how many times a failed request is retried (connection errors,
	// 409 idempotency_key_in_use, 429, 5xx). 0 disables retries.
	MaxRetries int
	// InitialRetryDelay and MaxRetryDelay bound the exponential backoff (with jitter).
	// A Retry-After header is honoured when it is at most MaxRetryDelay; beyond it the
	// call does not wait: it returns the answer's error (a RateLimitError...) at once.
	InitialRetryDelay time.Duration
	MaxRetryDelay     time.Duration
	// HTTPClient sends every request: set your own for a proxy, TLS settings, a
	// transport that records, or a default timeout (NewClient's is 80 s).
	HTTPClient *http.Client
	// Sleep waits between attempts (nil: a timer that ctx cancels). Replace it to
	// record or skip the delays, e.g. in tests.
	Sleep func(ctx context.Context, d time.Duration) error

	Resources        *ResourcesService
	WebhookEndpoints *WebhookEndpointsService
	Events           *EventsService
	Batch            *BatchService
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithBaseURL points the client at another host (e.g. the local cloud).
func WithBaseURL(u string) ClientOption {
	return func(c *Client) { c.BaseURL = strings.TrimRight(u, "/") }
}

// WithAPIVersion pins the Api-Version of every request.
func WithAPIVersion(v string) ClientOption { return func(c *Client) { c.APIVersion = v } }

// WithMaxRetries sets how many retries a request may get (default 2).
func WithMaxRetries(n int) ClientOption { return func(c *Client) { c.MaxRetries = n } }

// WithRetryDelays sets the first backoff delay and the cap on any delay (Retry-After included).
func WithRetryDelays(initial, max time.Duration) ClientOption {
	return func(c *Client) { c.InitialRetryDelay, c.MaxRetryDelay = initial, max }
}

// WithHTTPClient uses your own *http.Client (timeouts, proxies, transports).
func WithHTTPClient(h *http.Client) ClientOption { return func(c *Client) { c.HTTPClient = h } }

// WithProxy sends every request through an HTTP(S) proxy, e.g. http://proxy.internal:3128
// (applied to the client's HTTPClient; put it after WithHTTPClient if you use both).
func WithProxy(proxyURL *url.URL) ClientOption {
	return func(c *Client) {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if base, ok := c.HTTPClient.Transport.(*http.Transport); ok && base != nil {
			t = base.Clone()
		}
		t.Proxy = http.ProxyURL(proxyURL)
		h := *c.HTTPClient
		h.Transport = t
		c.HTTPClient = &h
	}
}

// WithSleeper replaces the wait between retries (see Client.Sleep).
func WithSleeper(sleep func(ctx context.Context, d time.Duration) error) ClientOption {
	return func(c *Client) { c.Sleep = sleep }
}

// NewClient returns a client for the given secret key (sk_test_... or sk_live_...).
func NewClient(apiKey string, opts ...ClientOption) *Client {
	c := &Client{
		APIKey:            apiKey,
		BaseURL:           DefaultBaseURL,
		MaxRetries:        2,
		InitialRetryDelay: 500 * time.Millisecond,
		MaxRetryDelay:     20 * time.Second,
		HTTPClient:        &http.Client{Timeout: 80 * time.Second},
	}
	for _, o := range opts {
		o(c)
	}
	c.Resources = &ResourcesService{c}
	c.WebhookEndpoints = &WebhookEndpointsService{c}
	c.Events = &EventsService{c}
	c.Batch = &BatchService{c}
	return c
}
