package com.example.model;

import com.example.ApiObject;

/** An event, with the HTTP answer it came in ({@link #lastResponse()}). */
public class Event extends com.example.generated.model.Event implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
