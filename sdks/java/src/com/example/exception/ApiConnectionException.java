package com.example.exception;

/** No HTTP answer (refused, reset, timed out) after every retry. */
public class ApiConnectionException extends RuntimeException {
  public ApiConnectionException(String message, Throwable cause) {
    super(message, cause);
  }
}
