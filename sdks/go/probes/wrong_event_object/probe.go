//go:build probe

// Must not compile: a limit notice is not a resource (no Configuration).
package probe

import example "github.com/example/example-go"

func Probe(e *example.Event) interface{} {
	if n, ok := e.LimitNotice(); ok {
		return n.Configuration
	}
	return nil
}
