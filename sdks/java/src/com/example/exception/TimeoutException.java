package com.example.exception;

/** timeout_error (504): retried automatically with the same Idempotency-Key. */
public class TimeoutException extends ApiException {
  TimeoutException(Object[] args) {
    super(args);
  }
}
