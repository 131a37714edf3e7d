"""Must not type-check: a misspelt parameter."""
import example_api

example_api.Client(api_key="sk_test_...").resources.create(nmae="x", type="production")
