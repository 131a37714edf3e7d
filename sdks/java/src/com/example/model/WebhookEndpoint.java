package com.example.model;

import com.example.ApiObject;

/** A webhook endpoint, with the HTTP answer it came in ({@link #lastResponse()}). */
public class WebhookEndpoint extends com.example.generated.model.WebhookEndpoint implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
