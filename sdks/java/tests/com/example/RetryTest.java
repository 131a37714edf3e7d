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
import com.example.exception.RateLimitException;
import com.example.model.Resource;
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
    List<Double> slept = new ArrayList<>();
    ExampleClient client = ExampleClient.builder().apiKey("sk_test_stub").baseUrl((String) stub.get("base_url")).maxRetries(3)
        .sleeper(slept::add).build();
    Resource resource = client.resources().create(Map.of("name", "Retried", "type", "production"));

    assertEquals("res_0000000000000000000000st", resource.getId());
    assertEquals(4, resource.lastResponse().attempts());
    assertEquals(201, resource.lastResponse().status());
    assertEquals("req_final", resource.lastResponse().requestId());
    assertEquals(3, slept.size());
    assertTrue(slept.get(0) >= 0.25 && slept.get(0) <= 0.5, "409 in use: backoff with jitter, " + slept.get(0));
    assertEquals(0.0, slept.get(1), "Retry-After: 0 honoured");
    assertEquals(1.0, slept.get(2), "Retry-After: 1 honoured");
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
      double d = Requestor.backoff(attempt);
      assertTrue(d >= base / 2 && d <= base, attempt + ": " + d);
    }
    assertEquals(2.0, Requestor.retryDelay(1, "2", 60));
    assertNull(Requestor.retryDelay(1, "3600", 60), "a Retry-After above the cap: no retry");
    double fallback = Requestor.retryDelay(2, "Wed, 21 Oct 2015 07:28:00 GMT", 60);
    assertTrue(fallback >= 0.5 && fallback <= 1.0, "an unreadable Retry-After: backoff, " + fallback);
  }

  @ParameterizedTest
  @MethodSource("tooLongRetryAfter")
  void aRetryAfterBeyondTheMaximumRaisesAtOnce(int status, String type, String code, String retryAfter, Double maxRetryAfter,
      Class<? extends ApiException> expected) throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(status, Map.of("Retry-After", retryAfter), TestSupport.error(type, code, null)),
        TestSupport.response(200, Map.of(), TestSupport.resourceBody())));
    List<Double> slept = new ArrayList<>();
    ExampleClient.Builder b = ExampleClient.builder().apiKey("sk_test_stub").baseUrl((String) stub.get("base_url")).maxRetries(3)
        .sleeper(slept::add);
    if (maxRetryAfter != null) b.maxRetryAfter(maxRetryAfter);
    ApiException e = assertThrows(expected, () -> b.build().resources().retrieve("res_0000000000000000000000st"));
    assertEquals(status, e.getHttpStatus());
    assertEquals(retryAfter, e.getHeaders().get("retry-after"));
    assertTrue(slept.isEmpty(), "nothing waited: " + slept);
    assertEquals(1, TestSupport.stubLog(stub.get("id")).size(), "not retried");
  }

  static Stream<Arguments> tooLongRetryAfter() {
    return Stream.of(
        Arguments.of(429, "rate_limit_error", "monthly_quota_exceeded", "3600", null, RateLimitException.class),
        Arguments.of(503, "api_error", "service_unavailable", "61", null, ApiServerException.class),
        Arguments.of(429, "rate_limit_error", "rate_limited", "6", 5.0, RateLimitException.class));
  }

  @Test
  void aRetryAfterWithinTheMaximumIsWaited() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(429, Map.of("Retry-After", "5"), TestSupport.error("rate_limit_error", "rate_limited", null)),
        TestSupport.response(200, Map.of(), TestSupport.resourceBody())));
    List<Double> slept = new ArrayList<>();
    Resource r = ExampleClient.builder().apiKey("sk_test_stub").baseUrl((String) stub.get("base_url")).maxRetryAfter(5)
        .sleeper(slept::add).build().resources().retrieve("res_0000000000000000000000st");
    assertEquals(List.of(5.0), slept);
    assertEquals(2, r.lastResponse().attempts());
  }

  @Test
  void everyCallTakesItsOwnOptions() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(503, Map.of(), TestSupport.error("api_error", "service_unavailable", null))));
    List<Double> slept = new ArrayList<>();
    ExampleClient client = ExampleClient.builder().apiKey("sk_test_client").baseUrl((String) stub.get("base_url")).maxRetries(3)
        .apiVersion("2023-09-15").sleeper(slept::add).build();
    RequestOptions opts = RequestOptions.builder().apiKey("sk_test_per_call").apiVersion("2024-01-15")
        .idempotencyKey("per-call-key").maxRetries(1).build();
    assertThrows(ApiServerException.class, () -> client.webhookEndpoints().update("we_x", Map.of("description", "d"), opts));
    assertThrows(ApiServerException.class, () -> client.events().list(Map.of("limit", 1), opts));
    assertThrows(ApiServerException.class, () -> client.resources().list(opts));
    List<Map<String, Object>> log = TestSupport.stubLog(stub.get("id"));
    assertEquals(6, log.size(), "maxRetries 1 per call: two attempts each");
    for (Map<String, Object> r : log) {
      assertEquals("Bearer sk_test_per_call", TestSupport.header(r, "authorization"));
      assertEquals("2024-01-15", TestSupport.header(r, "api-version"));
    }
    assertEquals("per-call-key", TestSupport.header(log.get(0), "idempotency-key"));
    assertEquals("per-call-key", TestSupport.header(log.get(1), "idempotency-key"));
  }

  @Test
  void aPerCallTimeoutIsRetriedThenRaised() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) { // accepts, never answers
      List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) accepted.add(silent.accept());
        } catch (java.io.IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      List<Double> slept = new ArrayList<>();
      ExampleClient client = ExampleClient.builder().apiKey("sk_test_x").baseUrl("http://127.0.0.1:" + silent.getLocalPort())
          .sleeper(slept::add).build();
      ApiConnectionException e = assertThrows(ApiConnectionException.class, () -> client.resources().retrieve("res_x",
          RequestOptions.builder().timeout(java.time.Duration.ofMillis(300)).maxRetries(1).build()));
      assertInstanceOf(java.net.http.HttpTimeoutException.class, e.getCause());
      assertEquals(1, slept.size(), "one retry after the first timeout");
      for (java.net.Socket s : accepted) s.close();
    }
  }

  @Test
  void eachObjectKeepsItsOwnAnswerOnOneClient() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(
        TestSupport.response(200, Map.of("Request-Id", "req_a", "ETag", "\"v1\""), TestSupport.resourceBody()),
        TestSupport.response(200, Map.of("Request-Id", "req_b", "ETag", "\"v2\""), TestSupport.resourceBody()),
        TestSupport.response(200, Map.of("Request-Id", "req_list"), Map.of("object", "list", "url", "/v1/resources",
            "data", List.of(TestSupport.resourceBody()), "has_more", false))));
    ExampleClient client = stubClient(stub.get("base_url"), 0);
    Resource first = client.resources().retrieve("res_0000000000000000000000st");
    Resource second = client.resources().retrieve("res_0000000000000000000000st");
    Page<Resource> page = client.resources().list();
    assertEquals("req_a", first.lastResponse().requestId());
    assertEquals("\"v1\"", first.lastResponse().etag());
    assertEquals("req_b", second.lastResponse().requestId());
    assertEquals("\"v2\"", second.lastResponse().etag());
    assertEquals(200, second.lastResponse().status());
    assertEquals("req_list", page.lastResponse().requestId());
    assertEquals("req_list", page.data().get(0).lastResponse().requestId());
  }

  @Test
  void aProxyOrOwnHttpClientCarriesEveryCall() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(TestSupport.response(200, Map.of(), TestSupport.resourceBody())));
    java.net.URI stubUri = java.net.URI.create(TestSupport.env("SDK_STUB_URL"));
    // a host that does not resolve: only the proxy (the stub, which reads the absolute URL it is sent) can answer
    String base = "http://api.example.invalid/s/" + stub.get("id");
    Resource viaProxy = ExampleClient.builder().apiKey("sk_test_stub").baseUrl(base).maxRetries(0)
        .proxy(stubUri.getHost(), stubUri.getPort()).build().resources().retrieve("res_0000000000000000000000st");
    assertEquals("res_0000000000000000000000st", viaProxy.getId());
    java.net.http.HttpClient own = java.net.http.HttpClient.newBuilder()
        .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress(stubUri.getHost(), stubUri.getPort()))).build();
    Resource viaOwn = ExampleClient.builder().apiKey("sk_test_stub").baseUrl(base).maxRetries(0).httpClient(own).build()
        .resources().retrieve("res_0000000000000000000000st");
    assertEquals("res_0000000000000000000000st", viaOwn.getId());
    List<Map<String, Object>> log = TestSupport.stubLog(stub.get("id"));
    assertEquals(2, log.size());
    for (Map<String, Object> r : log) assertEquals("/v1/resources/res_0000000000000000000000st", r.get("path"));
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

  @Test
  void typedListParametersAreSentInBracketForm() throws Exception {
    Map<String, Object> stub = TestSupport.stub(List.of(TestSupport.response(200, Map.of(),
        Map.of("object", "list", "url", "/v1/resources", "data", List.of(), "has_more", false))));
    ExampleClient client = stubClient(stub.get("base_url"), 0);
    client.resources().list(com.example.param.ResourceListParams.builder().setLimit(10).setStatus(Status.ACTIVE)
        .setCreated(com.example.param.RangeFilter.builder().setGte(10).setLt(20).build()).addExpand("data.metrics").build());
    client.events().list(com.example.param.EventListParams.builder().setType(com.example.model.Event.TypeEnum.RESOURCE_UPDATED)
        .setStartingAfter("evt_1").build());
    client.webhookEndpoints().list(com.example.param.ListParams.builder().setLimit(3).build());
    List<Map<String, Object>> log = TestSupport.stubLog(stub.get("id"));
    assertEquals("limit=10&created%5Bgte%5D=10&created%5Blt%5D=20&status=active&expand%5B%5D=data.metrics", log.get(0).get("query"));
    assertEquals("/v1/events", log.get(1).get("path"));
    assertEquals("starting_after=evt_1&type=resource.updated", log.get(1).get("query"));
    assertEquals("limit=3", log.get(2).get("query"));
  }
}
