package com.example.param;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A plain list (webhook endpoints, delivery attempts): limit and cursors. Built with {@code ListParams.builder()}: a misspelt or mistyped parameter does not compile. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ListParams {
  @JsonProperty("limit") private final Long limit;
  @JsonProperty("starting_after") private final String startingAfter;
  @JsonProperty("ending_before") private final String endingBefore;

  private ListParams(Builder b) {
    this.limit = b.limit;
    this.startingAfter = b.startingAfter;
    this.endingBefore = b.endingBefore;
  }

  public static Builder builder() { return new Builder(); }

  public static final class Builder {
    private Long limit;
    private String startingAfter;
    private String endingBefore;

    public Builder setLimit(long v) { limit = v; return this; }
    public Builder setStartingAfter(String v) { startingAfter = v; return this; }
    public Builder setEndingBefore(String v) { endingBefore = v; return this; }
    public ListParams build() { return new ListParams(this); }
  }
}
