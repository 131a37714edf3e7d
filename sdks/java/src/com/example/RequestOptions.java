package com.example;

import java.time.Duration;

/**
 * Per-call options, each overriding the client's for this call only: an API key (e.g. a
 * connected account's or a restricted key), an Api-Version, an Idempotency-Key of your own
 * (else one is generated per call and kept across its retries), a timeout, a maximum number
 * of retries, and If-Match (PATCH/DELETE: only the version whose ETag you read).
 */
public final class RequestOptions {
  public static final RequestOptions NONE = builder().build();

  final String apiKey;
  final String idempotencyKey;
  final String apiVersion;
  final String ifMatch;
  final Integer maxRetries;
  final Duration timeout;

  private RequestOptions(Builder b) {
    this.apiKey = b.apiKey;
    this.idempotencyKey = b.idempotencyKey;
    this.apiVersion = b.apiVersion;
    this.ifMatch = b.ifMatch;
    this.maxRetries = b.maxRetries;
    this.timeout = b.timeout;
  }

  public static Builder builder() { return new Builder(); }

  public static final class Builder {
    private String apiKey;
    private String idempotencyKey;
    private String apiVersion;
    private String ifMatch;
    private Integer maxRetries;
    private Duration timeout;

    public Builder apiKey(String v) { apiKey = v; return this; }
    public Builder idempotencyKey(String v) { idempotencyKey = v; return this; }
    public Builder apiVersion(String v) { apiVersion = v; return this; }
    public Builder ifMatch(String v) { ifMatch = v; return this; }
    public Builder maxRetries(int v) { maxRetries = v; return this; }
    /** How long one attempt may take (the whole answer); retried like a connection error. */
    public Builder timeout(Duration v) { timeout = v; return this; }
    public RequestOptions build() { return new RequestOptions(this); }
  }
}
