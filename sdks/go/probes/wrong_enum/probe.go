//go:build probe

// Must not compile: a value of another enum (an event type as a resource status filter).
package probe

import (
	"context"

	example "github.com/example/example-go"
)

func Probe(ctx context.Context, c *example.Client) {
	_ = c.Resources.List(ctx, &example.ResourceListParams{Status: example.EventTypeResourceCreated})
}
