//go:build probe

// Must not compile: a field the answer does not have (Nmae).
package probe

import (
	"context"

	example "github.com/example/example-go"
)

func Probe(ctx context.Context, c *example.Client) string {
	r, _ := c.Resources.Retrieve(ctx, "res_x", nil)
	return r.Nmae
}
