package example

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultWebhookTolerance is how far webhook-timestamp may be from now (replay guard).
const DefaultWebhookTolerance = 5 * time.Minute

// SignatureVerificationError: the payload is not a genuine, fresh delivery.
type SignatureVerificationError struct{ Reason string }

func (e *SignatureVerificationError) Error() string {
	return "example: webhook signature verification failed: " + e.Reason
}

// WebhookOptions tune ConstructEventWithOptions.
type WebhookOptions struct {
	// Secrets: every secret to accept (during a rotation, the new and the old one).
	Secrets []string
	// Tolerance on webhook-timestamp (default DefaultWebhookTolerance).
	Tolerance time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// AllowHexOnly accepts a delivery that carries only the spec's hex Resource-Signature
	// (no webhook-* headers). That scheme has no timestamp, so a captured delivery could be
	// replayed forever: leave it false unless a receiver cannot get the webhook-* headers.
	AllowHexOnly bool
}

// ConstructEvent verifies a delivery's Standard Webhooks headers (webhook-id,
// webhook-timestamp, webhook-signature) against the endpoint's secret and returns the
// typed event. payload must be the raw body, byte for byte.
func ConstructEvent(payload []byte, header http.Header, secret string) (*Event, error) {
	return ConstructEventWithOptions(payload, header, WebhookOptions{Secrets: []string{secret}})
}

// ConstructEventWithOptions is ConstructEvent with several secrets, another tolerance or clock.
func ConstructEventWithOptions(payload []byte, header http.Header, o WebhookOptions) (*Event, error) {
	if err := VerifyWebhook(payload, header, o); err != nil {
		return nil, err
	}
	ev := &Event{}
	if err := json.Unmarshal(payload, ev); err != nil {
		return nil, fmt.Errorf("example: webhook payload is not an event: %w", err)
	}
	return ev, nil
}

// VerifyWebhook checks the Standard Webhooks signature and timestamp. A delivery with only
// the hex Resource-Signature is refused unless o.AllowHexOnly is set.
func VerifyWebhook(payload []byte, header http.Header, o WebhookOptions) error {
	id, ts, sigs := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	if sigs == "" && o.AllowHexOnly && header.Get("Resource-Signature") != "" {
		for _, secret := range o.Secrets {
			for _, name := range []string{"Resource-Signature", "Resource-Signature-Previous"} {
				if sig := header.Get(name); sig != "" && VerifyHexSignature(payload, sig, secret) {
					return nil
				}
			}
		}
		return &SignatureVerificationError{"no Resource-Signature matches"}
	}
	if id == "" || ts == "" || sigs == "" {
		return &SignatureVerificationError{"missing webhook-id, webhook-timestamp or webhook-signature header"}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return &SignatureVerificationError{"webhook-timestamp is not a Unix time"}
	}
	tol, now := o.Tolerance, o.Now
	if tol <= 0 {
		tol = DefaultWebhookTolerance
	}
	if now == nil {
		now = time.Now
	}
	if math.Abs(float64(now().Unix()-sec)) > tol.Seconds() {
		return &SignatureVerificationError{"webhook-timestamp outside the tolerance"}
	}
	signed := []byte(id + "." + ts + ".")
	signed = append(signed, payload...)
	for _, secret := range o.Secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		if err != nil {
			return &SignatureVerificationError{"secret is not whsec_<base64>"}
		}
		m := hmac.New(sha256.New, key)
		m.Write(signed)
		want := m.Sum(nil)
		for _, s := range strings.Fields(sigs) {
			version, b64, ok := strings.Cut(s, ",")
			if !ok || version != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return &SignatureVerificationError{"no signature matches"}
}

// VerifyHexSignature checks the spec's own Resource-Signature header (hex
// HMAC-SHA256 of the body keyed with the secret string). It carries no timestamp, so
// it cannot detect a replayed delivery: prefer ConstructEvent.
func VerifyHexSignature(payload []byte, signature, secret string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(payload)
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	return err == nil && hmac.Equal(got, m.Sum(nil))
}
