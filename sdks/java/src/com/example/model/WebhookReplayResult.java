package com.example.model;

import com.example.ApiObject;

/** The answer to a replay of failed deliveries, with the HTTP answer it came in ({@link #lastResponse()}). */
public class WebhookReplayResult extends com.example.generated.model.WebhookReplayResult implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
