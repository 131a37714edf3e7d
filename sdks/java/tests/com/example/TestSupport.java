package com.example;

import com.fasterxml.jackson.core.type.TypeReference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The contract's environment (sdks/java/test.sh gets it from tests/sdks/conftest.py) and the stub. */
final class TestSupport {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestSupport() {}

  static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isEmpty()) throw new IllegalStateException(name + " is not set: run sdks/java/test.sh through tests/sdks/test_java.py");
    return v;
  }

  static ExampleClient.Builder client() {
    return ExampleClient.builder().apiKey(env("SDK_API_KEY")).baseUrl(env("SDK_API_URL"));
  }

  /** A scripted stub: {base_url, id}. */
  static Map<String, Object> stub(List<Map<String, Object>> responses) throws Exception {
    String body = Json.MAPPER.writeValueAsString(Map.of("responses", responses));
    HttpRequest req = HttpRequest.newBuilder(URI.create(env("SDK_STUB_URL") + "/_script"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return Json.MAPPER.readValue(HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body(), new TypeReference<Map<String, Object>>() {});
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> stubLog(Object id) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(env("SDK_STUB_URL") + "/_log/" + id)).build();
    Map<String, Object> log = Json.MAPPER.readValue(HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body(), new TypeReference<Map<String, Object>>() {});
    return (List<Map<String, Object>>) log.get("requests");
  }

  @SuppressWarnings("unchecked")
  static String header(Map<String, Object> logged, String name) {
    return ((Map<String, String>) logged.get("headers")).get(name);
  }

  static Map<String, Object> response(int status, Map<String, String> headers, Object body) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("status", status);
    r.put("headers", headers);
    r.put("body", body);
    return r;
  }

  static Map<String, Object> error(String type, String code, String param) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", type);
    e.put("code", code);
    e.put("message", "scripted " + code);
    e.put("param", param);
    e.put("doc_url", "https://docs.example.com/errors.md#" + code);
    e.put("request_id", "req_stub123");
    return Map.of("error", e);
  }

  static Map<String, Object> resourceBody() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", "res_0000000000000000000000st");
    r.put("object", "resource");
    r.put("created", 1705320000);
    r.put("updated", 1705320000);
    r.put("livemode", false);
    r.put("name", "Stubbed");
    r.put("type", "production");
    r.put("status", "active");
    r.put("configuration", Map.of("timeout_ms", 5000, "retry_count", 3, "batch_size", 100));
    r.put("metadata", Map.of());
    return r;
  }
}
