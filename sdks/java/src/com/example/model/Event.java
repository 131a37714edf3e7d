package com.example.model;

import com.example.ApiObject;
import com.example.ApiResponse;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** An event, with the HTTP answer it came in ({@link #lastResponse()}). */
public class Event extends com.example.generated.model.Event implements ApiObject {
  @JsonIgnore
  private transient ApiResponse lastResponse;

  @Override
  @JsonIgnore
  public ApiResponse lastResponse() { return lastResponse; }

  @Override
  @JsonIgnore
  public void setLastResponse(ApiResponse response) { this.lastResponse = response; }
}
