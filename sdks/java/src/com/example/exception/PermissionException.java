package com.example.exception;

/** permission_error (403). */
public class PermissionException extends ApiException {
  PermissionException(Object[] args) {
    super(args);
  }
}
