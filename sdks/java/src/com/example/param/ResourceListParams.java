package com.example.param;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import com.example.generated.model.Status;

/** GET /v1/resources: limit, cursors, created, status, expand. Built with {@code ResourceListParams.builder()}: a misspelt or mistyped parameter does not compile. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ResourceListParams {
  @JsonProperty("limit") private final Long limit;
  @JsonProperty("starting_after") private final String startingAfter;
  @JsonProperty("ending_before") private final String endingBefore;
  @JsonProperty("created") private final RangeFilter created;
  @JsonProperty("status") private final Status status;
  @JsonProperty("expand") private final List<String> expand;

  private ResourceListParams(Builder b) {
    this.limit = b.limit;
    this.startingAfter = b.startingAfter;
    this.endingBefore = b.endingBefore;
    this.created = b.created;
    this.status = b.status;
    this.expand = b.expand.isEmpty() ? null : List.copyOf(b.expand);
  }

  public static Builder builder() { return new Builder(); }

  public static final class Builder {
    private Long limit;
    private String startingAfter;
    private String endingBefore;
    private RangeFilter created;
    private Status status;
    private final List<String> expand = new ArrayList<>();

    public Builder setLimit(long v) { limit = v; return this; }
    public Builder setStartingAfter(String v) { startingAfter = v; return this; }
    public Builder setEndingBefore(String v) { endingBefore = v; return this; }
    public Builder setCreated(RangeFilter v) { created = v; return this; }
    public Builder setStatus(Status v) { status = v; return this; }
    /** e.g. "data.metrics" */
    public Builder addExpand(String v) { expand.add(v); return this; }
    public ResourceListParams build() { return new ResourceListParams(this); }
  }
}
