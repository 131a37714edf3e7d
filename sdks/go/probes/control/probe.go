//go:build probe

// Must compile: the same calls as the other probes, spelt right.
package probe

import (
	"context"

	example "github.com/example/example-go"
)

func Probe(ctx context.Context, c *example.Client, e *example.Event) (string, error) {
	r, err := c.Resources.Create(ctx, &example.ResourceCreateParams{Name: "x", Type: example.ResourceTypeProduction})
	if err != nil {
		return "", err
	}
	_ = c.Resources.List(ctx, &example.ResourceListParams{Status: example.StatusActive, ListParams: example.ListParams{Limit: 10}})
	_ = c.Events.List(ctx, &example.EventListParams{Type: example.EventTypeResourceCreated})
	if n, ok := e.LimitNotice(); ok {
		_ = n
	}
	return r.Name, nil
}
