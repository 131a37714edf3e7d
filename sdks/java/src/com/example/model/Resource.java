package com.example.model;

import com.example.ApiObject;

/** A resource (generated model {@link com.example.generated.model.Resource}), with the HTTP answer it came in ({@link #lastResponse()}). */
public class Resource extends com.example.generated.model.Resource implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
