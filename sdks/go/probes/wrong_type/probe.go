//go:build probe

// Must not compile: a parameter of the wrong type (Limit is an int).
package probe

import (
	"context"

	example "github.com/example/example-go"
)

func Probe(ctx context.Context, c *example.Client) {
	_ = c.Resources.List(ctx, &example.ResourceListParams{ListParams: example.ListParams{Limit: "10"}})
}
