package com.example.model;

import com.example.ApiObject;

/** The answer to a batch, with the HTTP answer it came in ({@link #lastResponse()}). */
public class BatchResult extends com.example.generated.model.BatchResult implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
