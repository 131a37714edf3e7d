package com.example.exception;

/** invalid_request_error (400, 404, 413, 415): fix the request; see getParam(). */
public class InvalidRequestException extends ApiException {
  InvalidRequestException(Object[] args) {
    super(args);
  }
}
