package com.example.exception;

/** idempotency_error (400): an Idempotency-Key reused with other parameters. */
public class IdempotencyException extends ApiException {
  IdempotencyException(Object[] args) {
    super(args);
  }
}
