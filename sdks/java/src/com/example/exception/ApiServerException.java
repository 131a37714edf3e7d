package com.example.exception;

/** api_error (5xx): retried automatically. */
public class ApiServerException extends ApiException {
  ApiServerException(Object[] args) {
    super(args);
  }
}
