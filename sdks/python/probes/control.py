"""Type-checks (mypy --strict): the correct spelling of everything the other probes get wrong."""
import example_api

client = example_api.Client(api_key="sk_test_...", base_url="http://127.0.0.1:8000")
r = client.resources.create(name="x", type="production", configuration={"timeout_ms": 10})
print(r.status == "active", r.configuration.timeout_ms, r.last_response.request_id, r.last_response.etag)
