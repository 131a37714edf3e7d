package example

import (
	"encoding/json"
	"fmt"

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
	ResourceConfigurationParams = generated.ResourceConfigurationParams
	ResourceConfigurationPatch  = generated.ResourceConfigurationPatch
	LimitNotice                 = generated.LimitNotice
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
		rawObject    json.RawMessage
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

// UnmarshalJSON decodes an event, and its data.object by its `object` field into
// Data.Object.Resource, .WebhookEndpoint or .LimitNotice (an object kind newer than this
// SDK leaves all three nil; DataObject still reads it).
func (e *Event) UnmarshalJSON(b []byte) error {
	// data.object is decoded below, by its "object": left to encoding/json, the oneOf
	// struct would match a limit notice's "resource" (an id) to its Resource field and fail.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	var data map[string]json.RawMessage
	if raw, ok := top["data"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &data); err != nil {
			return err
		}
		e.rawObject = data["object"]
		delete(data, "object")
		stripped, err := json.Marshal(data)
		if err != nil {
			return err
		}
		top["data"] = stripped
	}
	rest, err := json.Marshal(top)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(rest, &e.Event); err != nil {
		return err
	}
	var kind struct {
		Object string `json:"object"`
	}
	if len(e.rawObject) == 0 || json.Unmarshal(e.rawObject, &kind) != nil {
		return nil
	}
	obj := &e.Data.Object
	switch kind.Object {
	case "resource":
		obj.Resource = &generated.Resource{}
		return json.Unmarshal(e.rawObject, obj.Resource)
	case "webhook_endpoint":
		obj.WebhookEndpoint = &generated.WebhookEndpoint{}
		return json.Unmarshal(e.rawObject, obj.WebhookEndpoint)
	case "limit":
		obj.LimitNotice = &generated.LimitNotice{}
		return json.Unmarshal(e.rawObject, obj.LimitNotice)
	}
	return nil
}

// DataObject decodes the event's data.object into v (e.g. a *Resource).
func (e *Event) DataObject(v interface{}) error {
	if len(e.rawObject) == 0 {
		return fmt.Errorf("example: event %s has no data.object", e.Id)
	}
	return json.Unmarshal(e.rawObject, v)
}

// String, Int32, Int64 and Bool return pointers, for optional fields.
func String(v string) *string { return &v }
func Int32(v int32) *int32    { return &v }
func Int64(v int64) *int64    { return &v }
func Bool(v bool) *bool       { return &v }
