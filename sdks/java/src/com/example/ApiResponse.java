package com.example;

import java.util.Collections;
import java.util.Map;

/** One HTTP answer: status, lower-case headers, raw body, and how many attempts it took. */
public final class ApiResponse {
  private final int status;
  private final Map<String, String> headers;
  private final String body;
  private final int attempts;

  ApiResponse(int status, Map<String, String> headers, String body, int attempts) {
    this.status = status;
    this.headers = Collections.unmodifiableMap(headers);
    this.body = body;
    this.attempts = attempts;
  }

  public int status() { return status; }
  public Map<String, String> headers() { return headers; }
  public String body() { return body; }
  /** 1 when no retry was needed. */
  public int attempts() { return attempts; }
  public String requestId() { return headers.get("request-id"); }
  public String etag() { return headers.get("etag"); }

  /** True when the API answered from an Idempotency-Key's stored result. */
  public boolean idempotentReplayed() {
    return "true".equalsIgnoreCase(headers.getOrDefault("idempotent-replayed", ""));
  }
}
