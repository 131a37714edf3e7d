package example

import (
	"encoding/json"

	"github.com/example/example-go/generated"
)

// Request bodies and enums: the generated models, under the SDK's names.
type (
	ResourceCreateParams        = generated.ResourceCreate
	ResourceUpdateParams        = generated.ResourceUpdate
	WebhookEndpointCreateParams = generated.WebhookEndpointCreate
	WebhookEndpointUpdateParams = generated.WebhookEndpointUpdate
	WebhookReplayParams         = generated.WebhookReplay
	EventResendParams           = generated.EventResend
	BatchParams                 = generated.BatchRequest
	BatchOperation              = generated.BatchOperation
	ResourceConfiguration       = generated.ResourceConfiguration
	ConfigurationPatch          = generated.ConfigurationPatch
	MetadataValue               = generated.MetadataValue
	ResourceType                = generated.ResourceType
	Status                      = generated.Status
	SettableStatus              = generated.SettableStatus
	EndpointStatus              = generated.EndpointStatus
)

const (
	ResourceTypeProduction  = generated.RESOURCETYPE_PRODUCTION
	ResourceTypeStaging     = generated.RESOURCETYPE_STAGING
	ResourceTypeDevelopment = generated.RESOURCETYPE_DEVELOPMENT
	StatusPending           = generated.STATUS_PENDING
	StatusActive            = generated.STATUS_ACTIVE
	StatusPaused            = generated.STATUS_PAUSED
	StatusArchived          = generated.STATUS_ARCHIVED
	StatusFailed            = generated.STATUS_FAILED
	SettableStatusActive    = generated.SETTABLESTATUS_ACTIVE
	SettableStatusPaused    = generated.SETTABLESTATUS_PAUSED
	SettableStatusArchived  = generated.SETTABLESTATUS_ARCHIVED
	EndpointStatusEnabled   = generated.ENDPOINTSTATUS_ENABLED
	EndpointStatusDisabled  = generated.ENDPOINTSTATUS_DISABLED
)

// Objects the API answers: the generated model plus the answer's Response
// (Request-Id, Idempotent-Replayed, ETag). Fields of the model are promoted:
// r.Id, r.Status, r.GetMetrics().
type (
	Resource struct {
		generated.Resource
		LastResponse *Response `json:"-"`
	}
	DeletedResource struct {
		generated.DeletedResource
		LastResponse *Response `json:"-"`
	}
	WebhookEndpoint struct {
		generated.WebhookEndpoint
		LastResponse *Response `json:"-"`
	}
	DeletedWebhookEndpoint struct {
		generated.DeletedWebhookEndpoint
		LastResponse *Response `json:"-"`
	}
	Event struct {
		generated.Event
		LastResponse *Response `json:"-"`
	}
	DeliveryAttempt struct {
		generated.DeliveryAttempt
		LastResponse *Response `json:"-"`
	}
	EventResendResult struct {
		generated.EventResendResult
		LastResponse *Response `json:"-"`
	}
	WebhookReplayResult struct {
		generated.WebhookReplayResult
		LastResponse *Response `json:"-"`
	}
)

// DataObject decodes the event's data.object into v (a *Resource for resource.*
// events, a *WebhookEndpoint for webhook_endpoint.*).
func (e *Event) DataObject(v interface{}) error {
	raw, err := json.Marshal(e.Data.Object)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// Metadata turns plain strings into the metadata map the request models take.
func Metadata(m map[string]string) map[string]MetadataValue {
	out := make(map[string]MetadataValue, len(m))
	for k, v := range m {
		v := v
		out[k] = MetadataValue{String: &v}
	}
	return out
}

// EnabledEvents is the enabled_events of a webhook endpoint ("*" alone: every type).
func EnabledEvents(types ...string) generated.EnabledEvents {
	return generated.EnabledEvents{ArrayOfString: &types}
}

// String, Int32, Int64 and Bool return pointers, for optional fields.
func String(v string) *string { return &v }
func Int32(v int32) *int32    { return &v }
func Int64(v int64) *int64    { return &v }
func Bool(v bool) *bool       { return &v }
