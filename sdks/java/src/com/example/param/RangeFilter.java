package com.example.param;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A created filter: {@code created[gt|gte|lt|lte]} in Unix seconds. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RangeFilter {
  @JsonProperty("gt") private final Long gt;
  @JsonProperty("gte") private final Long gte;
  @JsonProperty("lt") private final Long lt;
  @JsonProperty("lte") private final Long lte;

  private RangeFilter(Builder b) {
    this.gt = b.gt;
    this.gte = b.gte;
    this.lt = b.lt;
    this.lte = b.lte;
  }

  public static Builder builder() { return new Builder(); }

  public static final class Builder {
    private Long gt;
    private Long gte;
    private Long lt;
    private Long lte;

    public Builder setGt(long v) { gt = v; return this; }
    public Builder setGte(long v) { gte = v; return this; }
    public Builder setLt(long v) { lt = v; return this; }
    public Builder setLte(long v) { lte = v; return this; }
    public RangeFilter build() { return new RangeFilter(this); }
  }
}
