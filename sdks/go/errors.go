package example

import (
	"encoding/json"
	"fmt"

	"github.com/example/example-go/generated"
)

// APIError is the API's error object plus the HTTP status. Every typed error below
// embeds it (and unwraps to it), so errors.As finds either the typed error or *APIError:
//
//	var nf *example.NotFoundError
//	if errors.As(err, &nf) { fmt.Println(nf.Code, nf.RequestID) }
type APIError struct {
	Type       string
	Code       string
	Message    string
	Param      string
	DocURL     string
	RequestID  string
	StatusCode int
	Response   *Response
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s (%d %s/%s)", e.Message, e.StatusCode, e.Type, e.Code)
	if e.Param != "" {
		s += " param=" + e.Param
	}
	if e.RequestID != "" {
		s += " request_id=" + e.RequestID
	}
	return s
}

// One Go type per error `type` of the spec; unknown types come back as *APIError.
type (
	InvalidRequestError struct{ *APIError } // invalid_request_error (400, 404 url_invalid, 413, 415, 424)
	AuthenticationError struct{ *APIError } // authentication_error (401)
	PermissionError     struct{ *APIError } // permission_error (403)
	NotFoundError       struct{ *APIError } // resource_not_found (404)
	ConflictError       struct{ *APIError } // conflict_error (409, 412)
	IdempotencyError    struct{ *APIError } // idempotency_error (400 idempotency_key_reused)
	RateLimitError      struct{ *APIError } // rate_limit_error (429)
	APIServerError      struct{ *APIError } // api_error (500, 503)
	TimeoutError        struct{ *APIError } // timeout_error (504)
)

func (e *InvalidRequestError) Unwrap() error { return e.APIError }
func (e *AuthenticationError) Unwrap() error { return e.APIError }
func (e *PermissionError) Unwrap() error     { return e.APIError }
func (e *NotFoundError) Unwrap() error       { return e.APIError }
func (e *ConflictError) Unwrap() error       { return e.APIError }
func (e *IdempotencyError) Unwrap() error    { return e.APIError }
func (e *RateLimitError) Unwrap() error      { return e.APIError }
func (e *APIServerError) Unwrap() error      { return e.APIError }
func (e *TimeoutError) Unwrap() error        { return e.APIError }

// ConnectionError: no HTTP answer at all (refused, reset, timed out) after the retries.
type ConnectionError struct{ Err error }

func (e *ConnectionError) Error() string { return "example: connection error: " + e.Err.Error() }
func (e *ConnectionError) Unwrap() error { return e.Err }

func errorCode(body []byte) string {
	var env generated.Error
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	return env.Error.Code
}

// newAPIError builds the typed error of a non-2xx answer; a body that is not the
// error object (a proxy's HTML page) still gives an *APIError with the status.
func newAPIError(r *Response) error {
	e := &APIError{StatusCode: r.StatusCode, RequestID: r.RequestID, Response: r}
	var env generated.Error
	if json.Unmarshal(r.Body, &env) == nil && env.Error.Type != "" {
		d := env.Error
		e.Type, e.Code, e.Message, e.DocURL = d.Type, d.Code, d.Message, d.DocUrl
		e.Param = d.GetParam()
		if d.RequestId != "" {
			e.RequestID = d.RequestId
		}
	} else {
		e.Type, e.Message = "api_error", fmt.Sprintf("unexpected answer with status %d", r.StatusCode)
	}
	switch e.Type {
	case "invalid_request_error":
		return &InvalidRequestError{e}
	case "authentication_error":
		return &AuthenticationError{e}
	case "permission_error":
		return &PermissionError{e}
	case "resource_not_found":
		return &NotFoundError{e}
	case "conflict_error":
		return &ConflictError{e}
	case "idempotency_error":
		return &IdempotencyError{e}
	case "rate_limit_error":
		return &RateLimitError{e}
	case "api_error":
		return &APIServerError{e}
	case "timeout_error":
		return &TimeoutError{e}
	}
	return e
}
