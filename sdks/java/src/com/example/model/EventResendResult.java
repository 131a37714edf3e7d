package com.example.model;

import com.example.ApiObject;
import com.example.ApiResponse;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** The answer to resending an event, with the HTTP answer it came in ({@link #lastResponse()}). */
public class EventResendResult extends com.example.generated.model.EventResendResult implements ApiObject {
  @JsonIgnore
  private transient ApiResponse lastResponse;

  @Override
  @JsonIgnore
  public ApiResponse lastResponse() { return lastResponse; }

  @Override
  @JsonIgnore
  public void setLastResponse(ApiResponse response) { this.lastResponse = response; }
}
