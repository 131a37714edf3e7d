"""Must not type-check: an enum value the API does not have."""
import example_api

example_api.Client(api_key="sk_test_...").resources.create(name="x", type="prod")
