package com.example;

import com.example.exception.ApiConnectionException;
import com.example.exception.ApiException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * HTTP over java.net.http with Stripe's retry rules.
 *
 * <p>Retried: no answer at all (refused, reset, timed out), 409 idempotency_key_in_use, 429 and
 * every 5xx; never any other 4xx (400/401/404/412 would fail the same way again). The wait is
 * the answer's Retry-After; one longer than the client's maxRetryAfter (default
 * {@link #MAX_RETRY_AFTER} s, e.g. a monthly quota) is not waited: the error is raised at once.
 * Without one: exponential backoff (0.5 s doubling, capped at 8 s) with jitter (50-100 % of it). Every
 * POST/PATCH/DELETE carries an Idempotency-Key, the caller's or a fresh UUID, and the same one
 * on each attempt, so a retry can never apply a write twice.
 */
public final class Requestor {
  public static final double INITIAL_DELAY = 0.5;
  public static final double MAX_DELAY = 8.0;
  public static final double MAX_RETRY_AFTER = 60.0;

  /** Waits between attempts; tests may record instead of sleeping. */
  public interface Sleeper {
    void sleep(double seconds) throws InterruptedException;
  }

  private final ExampleClient.Config config;
  private final HttpClient http;
  private final Sleeper sleeper;

  Requestor(ExampleClient.Config config, Sleeper sleeper) {
    this.config = config;
    this.sleeper = sleeper;
    if (config.httpClient != null) {
      this.http = config.httpClient;
    } else {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
      if (config.proxy != null) b.proxy(config.proxy);
      this.http = b.build();
    }
  }

  /** params: the query of a GET, the JSON body of a write (a Map or a generated model). */
  public ApiResponse request(String method, String path, Object params, RequestOptions opts) {
    opts = opts == null ? RequestOptions.NONE : opts;
    String url = config.baseUrl.replaceAll("/+$", "") + path;
    HttpRequest.Builder b = HttpRequest.newBuilder()
        .timeout(opts.timeout != null ? opts.timeout : config.timeout)
        .header("Authorization", "Bearer " + (opts.apiKey != null ? opts.apiKey : config.apiKey))
        .header("Accept", "application/json")
        .header("User-Agent", "example-java/" + ExampleClient.VERSION + " java/" + System.getProperty("java.version"));
    String version = opts.apiVersion != null ? opts.apiVersion : config.apiVersion;
    if (version != null) b.header("Api-Version", version);
    if (opts.ifMatch != null) b.header("If-Match", opts.ifMatch);
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
    if (method.equals("GET")) {
      String query = encodeQuery(toMap(params));
      if (!query.isEmpty()) url += (url.contains("?") ? "&" : "?") + query;
    } else {
      b.header("Idempotency-Key", opts.idempotencyKey != null ? opts.idempotencyKey : UUID.randomUUID().toString());
      Map<String, Object> map = toMap(params);
      if (!map.isEmpty()) {
        b.header("Content-Type", "application/json");
        try {
          body = HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(map));
        } catch (IOException e) {
          throw new IllegalArgumentException("Parameters cannot be written as JSON", e);
        }
      }
    }
    HttpRequest request = b.uri(URI.create(url)).method(method, body).build();
    int maxRetries = opts.maxRetries != null ? opts.maxRetries : config.maxRetries;

    for (int attempt = 1; ; attempt++) {
      boolean retriesLeft = attempt <= maxRetries;
      HttpResponse<String> resp;
      try {
        resp = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (retriesLeft) {
          pause(backoff(attempt));
          continue;
        }
        String what = e instanceof HttpTimeoutException ? "No answer in time" : "Could not reach the API";
        throw new ApiConnectionException(what + " (" + method + " " + path + ", " + attempt + " attempts): " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ApiConnectionException("Interrupted", e);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      resp.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
      ApiResponse response = new ApiResponse(resp.statusCode(), headers, resp.body(), attempt);
      if (resp.statusCode() < 400) return response;
      Map<String, Object> error = errorOf(response.body());
      if (retriesLeft && shouldRetry(resp.statusCode(), error)) {
        Double wait = retryDelay(attempt, headers.get("retry-after"), config.maxRetryAfter);
        if (wait != null) {
          pause(wait);
          continue;
        }
      }
      throw ApiException.create(resp.statusCode(), error, headers);
    }
  }

  static boolean shouldRetry(int status, Map<String, Object> error) {
    if (status == 409) return "idempotency_key_in_use".equals(error.get("code"));
    return status == 429 || status >= 500;
  }

  /**
   * Seconds to wait before attempt {@code attempt + 1} of a retryable answer, or null: raise
   * now (its Retry-After is longer than {@code maxRetryAfter}).
   */
  public static Double retryDelay(int attempt, String retryAfter, double maxRetryAfter) {
    if (retryAfter != null) {
      try {
        double s = Double.parseDouble(retryAfter.trim());
        if (s > maxRetryAfter) return null;
        if (s >= 0) return s;
      } catch (NumberFormatException e) {
        // an HTTP date or garbage: back off instead
      }
    }
    return backoff(attempt);
  }

  /** Exponential backoff with jitter: 0.5 s doubling per attempt, capped at 8 s, times 0.5-1. */
  public static double backoff(int attempt) {
    double base = Math.min(INITIAL_DELAY * Math.pow(2, attempt - 1), MAX_DELAY);
    return base * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.5);
  }

  private void pause(double seconds) {
    try {
      sleeper.sleep(seconds);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiConnectionException("Interrupted while waiting to retry", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> errorOf(String body) {
    try {
      Map<String, Object> map = Json.MAPPER.readValue(body, new TypeReference<Map<String, Object>>() {});
      Object error = map == null ? null : map.get("error");
      return error instanceof Map ? (Map<String, Object>) error : new LinkedHashMap<>();
    } catch (IOException e) {
      return new LinkedHashMap<>(); // not JSON (a proxy's HTML page): still a typed error by status
    }
  }

  /** A Map as given, a generated model as its JSON members; nulls dropped. */
  static Map<String, Object> toMap(Object params) {
    if (params == null) return new LinkedHashMap<>();
    Map<String, Object> map = Json.MAPPER.convertValue(params, new TypeReference<LinkedHashMap<String, Object>>() {});
    map.values().removeIf(v -> v == null);
    return map;
  }

  /** Stripe's bracket encoding: created[gte]=1, expand[]=metrics, metadata[k]=v. */
  static String encodeQuery(Map<String, Object> params) {
    List<String> pairs = new ArrayList<>();
    params.forEach((k, v) -> encode(k, v, pairs));
    return String.join("&", pairs);
  }

  private static void encode(String name, Object value, List<String> pairs) {
    if (value == null) return;
    if (value instanceof Map) {
      ((Map<?, ?>) value).forEach((k, v) -> encode(name + "[" + k + "]", v, pairs));
    } else if (value instanceof Collection) {
      for (Object v : (Collection<?>) value) encode(name + "[]", v, pairs);
    } else if (value.getClass().isArray()) {
      for (Object v : (Object[]) value) encode(name + "[]", v, pairs);
    } else {
      pairs.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8));
    }
  }
}
