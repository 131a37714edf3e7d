package com.example.exception;

/** conflict_error (409, 412): a key in use, a failed If-Match, a state that forbids the change. */
public class ConflictException extends ApiException {
  ConflictException(Object[] args) {
    super(args);
  }
}
