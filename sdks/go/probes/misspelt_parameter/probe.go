//go:build probe

// Must not compile: a parameter the API does not have (Nmae).
package probe

import (
	"context"

	example "github.com/example/example-go"
)

func Probe(ctx context.Context, c *example.Client) {
	_, _ = c.Resources.Create(ctx, &example.ResourceCreateParams{Nmae: "x", Type: example.ResourceTypeProduction})
}
