"""Must not type-check: a misspelt field read."""
import example_api

print(example_api.Client(api_key="sk_test_...").resources.retrieve("res_x").stauts)
