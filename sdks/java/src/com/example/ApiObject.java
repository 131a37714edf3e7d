package com.example;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * An object a call returned, carrying the HTTP answer it came in: {@code lastResponse()} gives
 * its status, headers, request id, ETag and whether it was an idempotent replay. It lives on
 * the object, not on the client, so calls made at the same time on one client never see each
 * other's answer.
 */
public interface ApiObject {
  /** Where the object keeps its answer (one per object). */
  @JsonIgnore
  ResponseHolder responseHolder();

  /** The answer this object came in (null for an object you built yourself). */
  @JsonIgnore
  default ApiResponse lastResponse() { return responseHolder().response; }

  /** Set by the SDK when it reads an answer. */
  @JsonIgnore
  default void setLastResponse(ApiResponse response) { responseHolder().response = response; }

  /** The answer of one object. */
  final class ResponseHolder {
    private volatile ApiResponse response;
  }
}
