package com.example.exception;

/** resource_not_found (404). */
public class NotFoundException extends ApiException {
  NotFoundException(Object[] args) {
    super(args);
  }
}
