package com.example;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Lets the services (another package) make pages without making Page's constructor public. */
public final class PageFactory {
  private PageFactory() {}

  public static <T> Page<T> create(List<T> data, boolean hasMore, ApiResponse response, Map<String, Object> params,
      Function<Map<String, Object>, Page<T>> fetch, Function<T, String> idOf) {
    return new Page<>(data, hasMore, response, params, fetch, idOf);
  }
}
