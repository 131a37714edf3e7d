package com.example.model;

import com.example.ApiObject;

/** One delivery attempt of an event, with the HTTP answer its page came in ({@link #lastResponse()}). */
public class DeliveryAttempt extends com.example.generated.model.DeliveryAttempt implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
