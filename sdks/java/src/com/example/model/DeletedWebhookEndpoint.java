package com.example.model;

import com.example.ApiObject;

/** The answer to deleting a webhook endpoint, with the HTTP answer it came in ({@link #lastResponse()}). */
public class DeletedWebhookEndpoint extends com.example.generated.model.DeletedWebhookEndpoint implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
