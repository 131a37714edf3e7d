package com.example.model;

import com.example.ApiObject;
import com.example.ApiResponse;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** One delivery attempt of an event, with the HTTP answer its page came in ({@link #lastResponse()}). */
public class DeliveryAttempt extends com.example.generated.model.DeliveryAttempt implements ApiObject {
  @JsonIgnore
  private transient ApiResponse lastResponse;

  @Override
  @JsonIgnore
  public ApiResponse lastResponse() { return lastResponse; }

  @Override
  @JsonIgnore
  public void setLastResponse(ApiResponse response) { this.lastResponse = response; }
}
