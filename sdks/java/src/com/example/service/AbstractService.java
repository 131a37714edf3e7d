package com.example.service;

import com.example.ApiResponse;
import com.example.ExampleClient;
import com.example.Json;
import com.example.Page;
import com.example.PageFactory;
import com.example.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What every service shares: one call, its answer read into a generated model. */
abstract class AbstractService {
  protected final ExampleClient client;

  AbstractService(ExampleClient client) {
    this.client = client;
  }

  protected <T> T call(String method, String path, Object params, RequestOptions opts, Class<T> model) {
    return read(client.request(method, path, params, opts), model);
  }

  protected <L, T> Page<T> page(String path, Map<String, Object> params, RequestOptions opts, Class<L> listModel,
      Function<L, List<T>> data, Function<L, Boolean> hasMore, Function<T, String> idOf) {
    Map<String, Object> query = params == null ? new LinkedHashMap<>() : new LinkedHashMap<>(params);
    ApiResponse response = client.request("GET", path, query, opts);
    L list = read(response, listModel);
    return PageFactory.create(data.apply(list), Boolean.TRUE.equals(hasMore.apply(list)), response, query,
        next -> page(path, next, opts, listModel, data, hasMore, idOf), idOf);
  }

  static <T> T read(ApiResponse response, Class<T> model) {
    try {
      return Json.MAPPER.readValue(response.body(), model);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the answer as " + model.getSimpleName(), e);
    }
  }

  static String segment(String id) {
    if (id == null || id.isEmpty()) throw new IllegalArgumentException("An id is required");
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }
}
