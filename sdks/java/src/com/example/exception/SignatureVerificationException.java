package com.example.exception;

/** A webhook whose signature, timestamp or headers do not verify. Answer 400 to it. */
public class SignatureVerificationException extends Exception {
  public SignatureVerificationException(String message) {
    super(message);
  }
}
