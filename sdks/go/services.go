package example

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/example/example-go/generated"
)

func newIter[E any, T any](ctx context.Context, c *Client, path string, p *ListParams, extra url.Values, opts []RequestOption, conv func(E) T, id func(T) string) *Iter[T] {
	q := p.query()
	for k, v := range extra {
		q[k] = v
	}
	return &Iter[T]{
		ctx: ctx, client: c, path: path, query: q, id: id, opts: opts,
		backward: p != nil && p.EndingBefore != "" && p.StartingAfter == "",
		fetch: func(body []byte) ([]T, bool, *int64, error) {
			var page listPage[E]
			if err := json.Unmarshal(body, &page); err != nil {
				return nil, false, nil, err
			}
			out := make([]T, len(page.Data))
			for i, e := range page.Data {
				out[i] = conv(e)
			}
			return out, page.HasMore, page.TotalCount, nil
		},
	}
}

func expandQuery(expand []string) url.Values {
	q := url.Values{}
	for _, e := range expand {
		q.Add("expand[]", e)
	}
	return q
}

// ResourcesService: /v1/resources.
type ResourcesService struct{ c *Client }

// RetrieveParams are a retrieve's options.
type RetrieveParams struct {
	// Expand: metrics, logs, related_resources, related_resources.data.metrics.
	Expand []string
}

// ResourceListParams filter a resource list.
type ResourceListParams struct {
	ListParams
	Status Status   // StatusPending, StatusActive, StatusPaused, StatusArchived, StatusFailed
	Expand []string // with the data. prefix, e.g. data.metrics
}

// Create makes a resource (it starts pending while it is provisioned).
func (s *ResourcesService) Create(ctx context.Context, params *ResourceCreateParams, opts ...RequestOption) (*Resource, error) {
	out := &Resource{}
	r, err := s.c.call(ctx, "POST", "/v1/resources", nil, params, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// Retrieve gets one resource; params may be nil.
func (s *ResourcesService) Retrieve(ctx context.Context, id string, params *RetrieveParams, opts ...RequestOption) (*Resource, error) {
	var q url.Values
	if params != nil {
		q = expandQuery(params.Expand)
	}
	out := &Resource{}
	r, err := s.c.call(ctx, "GET", "/v1/resources/"+url.PathEscape(id), q, nil, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// Update changes the given fields (WithIfMatch(etag) makes it conditional).
func (s *ResourcesService) Update(ctx context.Context, id string, params *ResourceUpdateParams, opts ...RequestOption) (*Resource, error) {
	out := &Resource{}
	r, err := s.c.call(ctx, "PATCH", "/v1/resources/"+url.PathEscape(id), nil, params, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// Delete removes a resource for good.
func (s *ResourcesService) Delete(ctx context.Context, id string, opts ...RequestOption) (*DeletedResource, error) {
	out := &DeletedResource{}
	r, err := s.c.call(ctx, "DELETE", "/v1/resources/"+url.PathEscape(id), nil, nil, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// List walks resources newest first (or backward from EndingBefore), page by page;
// opts apply to every page's request.
func (s *ResourcesService) List(ctx context.Context, params *ResourceListParams, opts ...RequestOption) *Iter[*Resource] {
	extra := url.Values{}
	var lp *ListParams
	if params != nil {
		lp = &params.ListParams
		extra = expandQuery(params.Expand)
		if params.Status != "" {
			extra.Set("status", string(params.Status))
		}
	}
	return newIter(ctx, s.c, "/v1/resources", lp, extra, opts,
		func(e generated.Resource) *Resource { return &Resource{Resource: e} },
		func(r *Resource) string { return r.Id })
}

// WebhookEndpointsService: /v1/webhook_endpoints.
type WebhookEndpointsService struct{ c *Client }

// Create registers an endpoint; the answer's Secret (whsec_...) is shown only here.
func (s *WebhookEndpointsService) Create(ctx context.Context, params *WebhookEndpointCreateParams, opts ...RequestOption) (*WebhookEndpoint, error) {
	out := &WebhookEndpoint{}
	r, err := s.c.call(ctx, "POST", "/v1/webhook_endpoints", nil, params, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

func (s *WebhookEndpointsService) Retrieve(ctx context.Context, id string, opts ...RequestOption) (*WebhookEndpoint, error) {
	out := &WebhookEndpoint{}
	r, err := s.c.call(ctx, "GET", "/v1/webhook_endpoints/"+url.PathEscape(id), nil, nil, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

func (s *WebhookEndpointsService) Update(ctx context.Context, id string, params *WebhookEndpointUpdateParams, opts ...RequestOption) (*WebhookEndpoint, error) {
	out := &WebhookEndpoint{}
	r, err := s.c.call(ctx, "PATCH", "/v1/webhook_endpoints/"+url.PathEscape(id), nil, params, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

func (s *WebhookEndpointsService) Delete(ctx context.Context, id string, opts ...RequestOption) (*DeletedWebhookEndpoint, error) {
	out := &DeletedWebhookEndpoint{}
	r, err := s.c.call(ctx, "DELETE", "/v1/webhook_endpoints/"+url.PathEscape(id), nil, nil, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

func (s *WebhookEndpointsService) List(ctx context.Context, params *ListParams, opts ...RequestOption) *Iter[*WebhookEndpoint] {
	return newIter(ctx, s.c, "/v1/webhook_endpoints", params, nil, opts,
		func(e generated.WebhookEndpoint) *WebhookEndpoint { return &WebhookEndpoint{WebhookEndpoint: e} },
		func(w *WebhookEndpoint) string { return w.Id })
}

// RotateSecret issues a new signing secret; the old one keeps signing for 24 h.
func (s *WebhookEndpointsService) RotateSecret(ctx context.Context, id string, opts ...RequestOption) (*WebhookEndpoint, error) {
	out := &WebhookEndpoint{}
	r, err := s.c.call(ctx, "POST", "/v1/webhook_endpoints/"+url.PathEscape(id)+"/rotate_secret", nil, struct{}{}, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// Replay redelivers the endpoint's failed deliveries since a time.
func (s *WebhookEndpointsService) Replay(ctx context.Context, id string, params *WebhookReplayParams, opts ...RequestOption) (*WebhookReplayResult, error) {
	out := &WebhookReplayResult{}
	r, err := s.c.call(ctx, "POST", "/v1/webhook_endpoints/"+url.PathEscape(id)+"/replay", nil, params, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// EventsService: /v1/events.
type EventsService struct{ c *Client }

// EventListParams filter an event list.
type EventListParams struct {
	ListParams
	Type EventType // e.g. EventTypeResourceCreated
}

func (s *EventsService) Retrieve(ctx context.Context, id string, opts ...RequestOption) (*Event, error) {
	out := &Event{}
	r, err := s.c.call(ctx, "GET", "/v1/events/"+url.PathEscape(id), nil, nil, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

func (s *EventsService) List(ctx context.Context, params *EventListParams, opts ...RequestOption) *Iter[*Event] {
	extra := url.Values{}
	var lp *ListParams
	if params != nil {
		lp = &params.ListParams
		if params.Type != "" {
			extra.Set("type", string(params.Type))
		}
	}
	return newIter(ctx, s.c, "/v1/events", lp, extra, opts,
		func(e Event) *Event { return &e },
		func(e *Event) string { return e.Id })
}

// Resend sends the event again, to one endpoint (params.WebhookEndpoint) or to all subscribed.
func (s *EventsService) Resend(ctx context.Context, id string, params *EventResendParams, opts ...RequestOption) (*EventResendResult, error) {
	if params == nil {
		params = &EventResendParams{}
	}
	out := &EventResendResult{}
	r, err := s.c.call(ctx, "POST", "/v1/events/"+url.PathEscape(id)+"/resend", nil, params, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// Deliveries lists every delivery attempt of the event.
func (s *EventsService) Deliveries(ctx context.Context, id string, params *ListParams, opts ...RequestOption) *Iter[*DeliveryAttempt] {
	return newIter(ctx, s.c, "/v1/events/"+url.PathEscape(id)+"/deliveries", params, nil, opts,
		func(e generated.DeliveryAttempt) *DeliveryAttempt { return &DeliveryAttempt{DeliveryAttempt: e} },
		func(d *DeliveryAttempt) string { return d.Id })
}

// BatchService: POST /v1/batch.
type BatchService struct{ c *Client }

// BatchResult is the answer of a batch: one result per operation, in order.
type BatchResult struct {
	Object       string                 `json:"object"`
	Results      []BatchOperationResult `json:"results"`
	Summary      generated.BatchSummary `json:"summary"`
	Atomic       *generated.BatchAtomic `json:"atomic,omitempty"`
	LastResponse *Response              `json:"-"`
}

// BatchOperationResult: the status and body the single call would have answered. The
// body is kept raw (a resource, a deleted resource, a list or an error object, told
// apart by the status) and decoded on demand, so no union guessing can fail a batch.
type BatchOperationResult struct {
	Status             int             `json:"status"`
	Body               json.RawMessage `json:"body"`
	IdempotentReplayed bool            `json:"idempotent_replayed"`
}

// Decode decodes the operation's body into v (a *Resource, *DeletedResource ...).
func (b BatchOperationResult) Decode(v interface{}) error { return json.Unmarshal(b.Body, v) }

// Do runs up to 100 operations (Atomic: all or none).
func (s *BatchService) Do(ctx context.Context, params *BatchParams, opts ...RequestOption) (*BatchResult, error) {
	out := &BatchResult{}
	r, err := s.c.call(ctx, "POST", "/v1/batch", nil, params, out, opts)
	return withResponse(out, &out.LastResponse, r, err)
}

// withResponse attaches the answer's Response to the object; on error the object is nil.
func withResponse[T any](out *T, slot **Response, r *Response, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	*slot = r
	return out, nil
}
