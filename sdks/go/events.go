package example

import "github.com/example/example-go/generated"

// EventType is an event's type; the constants are every type the API sends today (an
// event of a newer type still parses: compare e.EventType() with the constants, or use
// IsValid).
type EventType string

const (
	EventTypeResourceCreated         EventType = "resource.created"
	EventTypeResourceUpdated         EventType = "resource.updated"
	EventTypeResourceDeleted         EventType = "resource.deleted"
	EventTypeResourceStatusChanged   EventType = "resource.status_changed"
	EventTypeResourceLimitExceeded   EventType = "resource.limit_exceeded"
	EventTypeWebhookEndpointDisabled EventType = "webhook_endpoint.disabled"
	// EventTypeAll subscribes an endpoint to every type, now and added later (alone).
	EventTypeAll EventType = "*"
)

// IsValid reports whether t is a type this SDK knows.
func (t EventType) IsValid() bool {
	switch t {
	case EventTypeResourceCreated, EventTypeResourceUpdated, EventTypeResourceDeleted,
		EventTypeResourceStatusChanged, EventTypeResourceLimitExceeded, EventTypeWebhookEndpointDisabled:
		return true
	}
	return false
}

// EventTypes converts typed event types to the []string of WebhookEndpointCreateParams.EnabledEvents:
//
//	EnabledEvents: example.EventTypes(example.EventTypeResourceCreated, example.EventTypeResourceUpdated)
func EventTypes(types ...EventType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

// EventType is the event's type, typed.
func (e *Event) EventType() EventType { return EventType(e.Type) }

// Resource narrows data.object: the resource of a resource.* event (created, updated,
// deleted, status_changed), ok false for any other object.
func (e *Event) Resource() (*generated.Resource, bool) {
	return e.Data.Object.Resource, e.Data.Object.Resource != nil
}

// LimitNotice narrows data.object: the notice of a resource.limit_exceeded event.
func (e *Event) LimitNotice() (*generated.LimitNotice, bool) {
	return e.Data.Object.LimitNotice, e.Data.Object.LimitNotice != nil
}

// WebhookEndpoint narrows data.object: the endpoint of a webhook_endpoint.disabled event.
func (e *Event) WebhookEndpoint() (*generated.WebhookEndpoint, bool) {
	return e.Data.Object.WebhookEndpoint, e.Data.Object.WebhookEndpoint != nil
}
