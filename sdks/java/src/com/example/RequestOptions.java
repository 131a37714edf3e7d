package com.example;

/**
 * Per-call options: an Idempotency-Key of your own (else one is generated per call and kept
 * across its retries), an Api-Version for this call, If-Match (PATCH/DELETE), max retries.
 */
public final class RequestOptions {
  public static final RequestOptions NONE = builder().build();

  final String idempotencyKey;
  final String apiVersion;
  final String ifMatch;
  final Integer maxRetries;

  private RequestOptions(Builder b) {
    this.idempotencyKey = b.idempotencyKey;
    this.apiVersion = b.apiVersion;
    this.ifMatch = b.ifMatch;
    this.maxRetries = b.maxRetries;
  }

  public static Builder builder() { return new Builder(); }

  public static final class Builder {
    private String idempotencyKey;
    private String apiVersion;
    private String ifMatch;
    private Integer maxRetries;

    public Builder idempotencyKey(String v) { idempotencyKey = v; return this; }
    public Builder apiVersion(String v) { apiVersion = v; return this; }
    public Builder ifMatch(String v) { ifMatch = v; return this; }
    public Builder maxRetries(int v) { maxRetries = v; return this; }
    public RequestOptions build() { return new RequestOptions(this); }
  }
}
