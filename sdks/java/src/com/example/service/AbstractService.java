package com.example.service;

import com.example.ApiObject;
import com.example.ApiResponse;
import com.example.ExampleClient;
import com.example.Json;
import com.example.Page;
import com.example.PageFactory;
import com.example.RequestOptions;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

  /** One call; the object returned carries its answer (lastResponse()). */
  protected <T extends ApiObject> T call(String method, String path, Object params, RequestOptions opts, Class<T> model) {
    ApiResponse response = client.request(method, path, params, opts);
    T object = read(response, model);
    object.setLastResponse(response);
    return object;
  }

  /** One page of a list; each item carries the answer of its page (lastResponse()). */
  protected <T extends ApiObject> Page<T> page(String path, Map<String, Object> params, RequestOptions opts, Class<T> model,
      Function<T, String> idOf) {
    Map<String, Object> query = params == null ? new LinkedHashMap<>() : new LinkedHashMap<>(params);
    ApiResponse response = client.request("GET", path, query, opts);
    List<T> items = new ArrayList<>();
    boolean hasMore;
    try {
      JsonNode list = Json.MAPPER.readTree(response.body());
      for (JsonNode item : list.path("data")) {
        T object = Json.MAPPER.treeToValue(item, model);
        object.setLastResponse(response);
        items.add(object);
      }
      hasMore = list.path("has_more").asBoolean(false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the answer as a list of " + model.getSimpleName(), e);
    }
    return PageFactory.create(items, hasMore, response, query, next -> page(path, next, opts, model, idOf), idOf);
  }

  /** Typed parameters (a builder's) as the query they stand for. */
  protected static Map<String, Object> query(Object params) {
    if (params == null) return null;
    Map<String, Object> map = Json.MAPPER.convertValue(params, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {});
    map.values().removeIf(v -> v == null);
    return map;
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
