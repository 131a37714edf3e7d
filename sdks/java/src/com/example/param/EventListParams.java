package com.example.param;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.example.generated.model.Event;
import com.fasterxml.jackson.annotation.JsonProperty;

/** GET /v1/events: limit, cursors, created, type. Built with {@code EventListParams.builder()}: a misspelt or mistyped parameter does not compile. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class EventListParams {
  @JsonProperty("limit") private final Long limit;
  @JsonProperty("starting_after") private final String startingAfter;
  @JsonProperty("ending_before") private final String endingBefore;
  @JsonProperty("created") private final RangeFilter created;
  @JsonProperty("type") private final Event.TypeEnum type;

  private EventListParams(Builder b) {
    this.limit = b.limit;
    this.startingAfter = b.startingAfter;
    this.endingBefore = b.endingBefore;
    this.created = b.created;
    this.type = b.type;
  }

  public static Builder builder() { return new Builder(); }

  public static final class Builder {
    private Long limit;
    private String startingAfter;
    private String endingBefore;
    private RangeFilter created;
    private Event.TypeEnum type;

    public Builder setLimit(long v) { limit = v; return this; }
    public Builder setStartingAfter(String v) { startingAfter = v; return this; }
    public Builder setEndingBefore(String v) { endingBefore = v; return this; }
    public Builder setCreated(RangeFilter v) { created = v; return this; }
    public Builder setType(Event.TypeEnum v) { type = v; return this; }
    public EventListParams build() { return new EventListParams(this); }
  }
}
