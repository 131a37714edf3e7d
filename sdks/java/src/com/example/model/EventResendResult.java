package com.example.model;

import com.example.ApiObject;

/** The answer to resending an event, with the HTTP answer it came in ({@link #lastResponse()}). */
public class EventResendResult extends com.example.generated.model.EventResendResult implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
