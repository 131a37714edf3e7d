package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.exception.ApiConnectionException;
import com.example.exception.ApiException;
import com.example.exception.ApiServerException;
import com.example.exception.AuthenticationException;
import com.example.exception.ConflictException;
import com.example.exception.InvalidRequestException;
import com.example.exception.NotFoundException;
import com.example.generated.model.Resource;
import com.example.generated.model.Status;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Retries, against the scripted stub (SDK_STUB_URL). */
class RetryTest {
  private static ExampleClient stubClient(Object baseUrl, int maxRetries) {
    return ExampleClient.builder().apiKey("sk_test_stub").baseUrl((String) baseUrl).maxRetries(maxRetries).build();
  }

  @Test
  void retries409InUse429And503HonouringRetryAfterWithOneIdempotencyKey() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(409, Map.of(), TestSupport.error("conflict_error", "idempotency_key_in_use", null)),
        TestSupport.response(429, Map.of("Retry-After", "0"), TestSupport.error("rate_limit_error", "rate_limited", null)),
        TestSupport.response(503, Map.of("Retry-After", "1"), TestSupport.error("api_error", "service_unavailable", null)),
        TestSupport.response(201, Map.of("Request-Id", "req_final"), TestSupport.resourceBody())));
    ExampleClient client = stubClient(stub.get("base_url"), 3);
    long started = System.nanoTime();
    Resource resource = client.resources().create(Map.of("name", "Retried", "type", "production"));
    double elapsed = (System.nanoTime() - started) / 1e9;

    assertEquals("res_0000000000000000000000st", resource.getId());
    assertEquals(4, client.lastResponse().attempts());
    assertEquals("req_final", client.lastResponse().requestId());
    assertTrue(elapsed >= 0.95, "Retry-After: 1 was waited, took " + elapsed);
    assertTrue(elapsed < 5.0);
    List<Map<String, Object>> log = TestSupport.stubLog(stub.get("id"));
    assertEquals(4, log.size());
    Set<String> keys = new HashSet<>();
    for (Map<String, Object> r : log) keys.add(TestSupport.header(r, "idempotency-key"));
    assertEquals(1, keys.size(), "one Idempotency-Key on every attempt");
    assertFalse(keys.contains(null));
    assertEquals(Map.of("name", "Retried", "type", "production"), Json.MAPPER.readValue((String) log.get(3).get("body"), Map.class));
  }

  @Test
  void aCallersIdempotencyKeyWins() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(500, Map.of("Retry-After", "0"), TestSupport.error("api_error", "internal_error", null)),
        TestSupport.response(200, Map.of(), TestSupport.resourceBody())));
    stubClient(stub.get("base_url"), 2).resources().update("res_0000000000000000000000st", Map.of("name", "Mine"),
        RequestOptions.builder().idempotencyKey("my-key-1").build());
    List<Map<String, Object>> log = TestSupport.stubLog(stub.get("id"));
    assertEquals(2, log.size());
    for (Map<String, Object> r : log) {
      assertEquals("my-key-1", TestSupport.header(r, "idempotency-key"));
      assertEquals("PATCH", r.get("method"));
    }
  }

  static Stream<Arguments> neverRetried() {
    return Stream.of(
        Arguments.of(400, "invalid_request_error", "parameter_invalid", "name", InvalidRequestException.class),
        Arguments.of(401, "authentication_error", "api_key_invalid", null, AuthenticationException.class),
        Arguments.of(404, "resource_not_found", "resource_missing", "id", NotFoundException.class),
        Arguments.of(409, "conflict_error", "resource_conflict", null, ConflictException.class),
        Arguments.of(412, "conflict_error", "precondition_failed", "If-Match", ConflictException.class));
  }

  @ParameterizedTest
  @MethodSource("neverRetried")
  void noRetryOnClientErrors(int status, String type, String code, String param, Class<? extends ApiException> expected) throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(status, Map.of("Retry-After", "0"), TestSupport.error(type, code, param)),
        TestSupport.response(200, Map.of(), TestSupport.resourceBody())));
    ApiException e = assertThrows(ApiException.class,
        () -> stubClient(stub.get("base_url"), 3).resources().update("res_0000000000000000000000st", Map.of("name", "Nope")));
    assertInstanceOf(expected, e);
    assertEquals(status, e.getHttpStatus());
    assertEquals(type, e.getType());
    assertEquals(code, e.getCode());
    assertEquals(param, e.getParam());
    assertEquals("req_stub123", e.getRequestId());
    assertEquals("https://docs.example.com/errors.md#" + code, e.getDocUrl());
    assertEquals(1, TestSupport.stubLog(stub.get("id")).size());
  }

  @Test
  void givesUpAfterMaxRetries() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(503, Map.of("Retry-After", "0"), TestSupport.error("api_error", "service_unavailable", null))));
    ApiServerException e = assertThrows(ApiServerException.class,
        () -> stubClient(stub.get("base_url"), 2).resources().retrieve("res_0000000000000000000000st"));
    assertEquals(503, e.getHttpStatus());
    assertEquals(3, TestSupport.stubLog(stub.get("id")).size());
  }

  @Test
  void connectionErrorsAreRetriedWithBackoffThenRaised() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nobody listens there
    }
    List<Double> slept = new ArrayList<>();
    ExampleClient client = ExampleClient.builder().apiKey("sk_test_x").baseUrl("http://127.0.0.1:" + port).maxRetries(2)
        .sleeper(slept::add).build();
    assertThrows(ApiConnectionException.class, () -> client.resources().create(Map.of("name", "Unreachable", "type", "production")));
    assertEquals(2, slept.size());
    assertTrue(slept.get(0) > 0 && slept.get(0) <= 0.5);
    assertTrue(slept.get(1) >= 0.5 && slept.get(1) <= 1.0);
  }

  @Test
  void backoffIsExponentialJitteredAndCapped() {
    for (int attempt = 1; attempt <= 8; attempt++) {
      double base = Math.min(0.5 * Math.pow(2, attempt - 1), 8.0);
      double d = Requestor.delay(attempt, null);
      assertTrue(d >= base / 2 && d <= base, attempt + ": " + d);
    }
    assertEquals(2.0, Requestor.delay(1, "2"));
    assertTrue(Requestor.delay(1, "3600") <= 0.5, "a Retry-After above the cap falls back to backoff");
  }

  @Test
  void unknownFieldsAndEnumValuesParseLeniently() throws Exception {
    Map<String, Object> body = new java.util.LinkedHashMap<>(TestSupport.resourceBody());
    body.put("status", "hibernating");
    body.put("brand_new_field", Map.of("nested", true));
    Map<String, Object> stub = TestSupport.stub(List.of(TestSupport.response(200, Map.of(), body)));
    Resource r = stubClient(stub.get("base_url"), 0).resources().retrieve("res_0000000000000000000000st");
    assertEquals(Status.UNKNOWN_DEFAULT_OPEN_API, r.getStatus());
    assertEquals(Map.of("nested", true), r.getAdditionalProperty("brand_new_field"));
  }

  @Test
  void listFiltersAndExpandAreSentInBracketForm() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(TestSupport.response(200, Map.of(),
        Map.of("object", "list", "url", "/v1/resources", "data", List.of(), "has_more", false, "total_count", 0))));
    ExampleClient client = ExampleClient.builder().apiKey("sk_test_stub").baseUrl((String) stub.get("base_url")).apiVersion("2023-09-15").build();
    Map<String, Object> params = new java.util.LinkedHashMap<>();
    params.put("created", new java.util.TreeMap<>(Map.of("gte", 10, "lt", 20)));
    params.put("expand", List.of("data.metrics"));
    params.put("status", "active");
    assertTrue(client.resources().list(params).data().isEmpty());
    Map<String, Object> logged = TestSupport.stubLog(stub.get("id")).get(0);
    assertEquals("/v1/resources", logged.get("path"));
    assertEquals("created%5Bgte%5D=10&created%5Blt%5D=20&expand%5B%5D=data.metrics&status=active", logged.get("query"));
    assertEquals("2023-09-15", TestSupport.header(logged, "api-version"));
    assertEquals("Bearer sk_test_stub", TestSupport.header(logged, "authorization"));
    assertNull(TestSupport.header(logged, "idempotency-key"), "a GET needs none");
  }
}
