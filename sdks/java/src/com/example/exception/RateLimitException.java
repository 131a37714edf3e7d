package com.example.exception;

/** rate_limit_error (429): retried automatically, honouring Retry-After. */
public class RateLimitException extends ApiException {
  RateLimitException(Object[] args) {
    super(args);
  }
}
