package com.example;

/**
 * An object a call returned, carrying the HTTP answer it came in: {@code lastResponse()} gives
 * its status, headers, request id, ETag and whether it was an idempotent replay. It lives on
 * the object, not on the client, so calls made at the same time on one client never see each
 * other's answer.
 */
public interface ApiObject {
  /** The answer this object came in (null for an object you built yourself). */
  ApiResponse lastResponse();

  /** Set by the SDK when it reads an answer. */
  void setLastResponse(ApiResponse response);
}
