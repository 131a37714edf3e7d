//go:build probe

// Must not compile: an enum value the API does not have.
package probe

import (
	"context"

	example "github.com/example/example-go"
)

func Probe(ctx context.Context, c *example.Client) {
	_ = c.Resources.List(ctx, &example.ResourceListParams{Status: example.StatusHibernating})
}
