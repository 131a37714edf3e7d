package com.example.model;

import com.example.ApiObject;

/** The answer to deleting a resource, with the HTTP answer it came in ({@link #lastResponse()}). */
public class DeletedResource extends com.example.generated.model.DeletedResource implements ApiObject {
  private final transient ResponseHolder response = new ResponseHolder();

  @Override
  public ResponseHolder responseHolder() { return response; }
}
