"""Must not type-check: a parameter of the wrong type."""
import example_api

example_api.Client(api_key="sk_test_...").resources.create(name="x", type="production", configuration={"timeout_ms": "10"})
