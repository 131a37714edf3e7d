package com.example.exception;

/** authentication_error (401): a missing, invalid or revoked key. */
public class AuthenticationException extends ApiException {
  AuthenticationException(Object[] args) {
    super(args);
  }
}
