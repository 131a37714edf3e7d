package com.example.model;

import com.example.ApiObject;
import com.example.ApiResponse;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** A resource (generated model {@link com.example.generated.model.Resource}), with the HTTP answer it came in ({@link #lastResponse()}). */
public class Resource extends com.example.generated.model.Resource implements ApiObject {
  @JsonIgnore
  private transient ApiResponse lastResponse;

  @Override
  @JsonIgnore
  public ApiResponse lastResponse() { return lastResponse; }

  @Override
  @JsonIgnore
  public void setLastResponse(ApiResponse response) { this.lastResponse = response; }
}
