package example

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The shared webhook vectors (../testdata/webhook-vectors.json): the same cases in every SDK.
type vector struct {
	Name         string            `json:"name"`
	Payload      string            `json:"payload"`
	Headers      map[string]string `json:"headers"`
	Secrets      []string          `json:"secrets"`
	Now          int64             `json:"now"`
	Tolerance    int64             `json:"tolerance"`
	AllowHexOnly bool              `json:"allow_hex_only"`
	Expect       string            `json:"expect"`
}

func TestWebhookVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "webhook-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Vectors []vector }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		v := v
		t.Run(v.Name, func(t *testing.T) {
			h := http.Header{}
			for k, val := range v.Headers {
				h.Set(k, val)
			}
			ev, err := ConstructEventWithOptions([]byte(v.Payload), h, WebhookOptions{
				Secrets:      v.Secrets,
				Tolerance:    time.Duration(v.Tolerance) * time.Second,
				Now:          func() time.Time { return time.Unix(v.Now, 0) },
				AllowHexOnly: v.AllowHexOnly,
			})
			var sigErr *SignatureVerificationError
			switch v.Expect {
			case "accept":
				if err != nil {
					t.Fatalf("want accept, got %v", err)
				}
				if ev.Type != "resource.created" {
					t.Fatalf("event type %q", ev.Type)
				}
			case "reject":
				if !errors.As(err, &sigErr) {
					t.Fatalf("want SignatureVerificationError, got %v", err)
				}
			}
		})
	}
}
