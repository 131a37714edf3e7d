package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.exception.AuthenticationException;
import com.example.exception.ConflictException;
import com.example.exception.InvalidRequestException;
import com.example.exception.NotFoundException;
import com.example.generated.model.BatchOperationResult;
import com.example.model.BatchResult;
import com.example.model.DeletedResource;
import com.example.model.DeletedWebhookEndpoint;
import com.example.model.Event;
import com.example.model.Resource;
import com.example.generated.model.ResourceCreate;
import com.example.generated.model.ResourceType;
import com.example.generated.model.ResourceUpdate;
import com.example.generated.model.Status;
import com.example.model.WebhookEndpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The contract flow against the local cloud (SDK_API_URL). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContractTest {
  @Test
  @Order(1)
  void createRetrieveUpdateWithIfMatchDelete() throws Exception {
    ExampleClient client = TestSupport.client().build();
    Resource created = client.resources().create(new ResourceCreate().name("Java SDK resource").type(ResourceType.PRODUCTION)
        .metadata(Map.of("team", "platform")));
    assertTrue(created.getId().startsWith("res_"));
    assertEquals(ResourceType.PRODUCTION, created.getType());
    assertTrue(created.lastResponse().requestId().startsWith("req_"));
    assertEquals(201, created.lastResponse().status());
    assertFalse(created.lastResponse().idempotentReplayed());

    // provisioning changes the resource (and its ETag) until it is active: read it then
    Resource got = client.resources().retrieve(created.getId());
    for (long deadline = System.currentTimeMillis() + 120_000; got.getStatus() != Status.ACTIVE && System.currentTimeMillis() < deadline; ) {
      Thread.sleep(200);
      got = client.resources().retrieve(created.getId());
    }
    assertEquals(Status.ACTIVE, got.getStatus());
    assertEquals(created.getId(), got.getId());
    assertEquals("Java SDK resource", got.getName());
    String etag = got.lastResponse().etag();
    assertNotNull(etag);

    Resource updated = client.resources().update(created.getId(), new ResourceUpdate().name("Renamed by Java"),
        RequestOptions.builder().ifMatch(etag).build());
    assertEquals("Renamed by Java", updated.getName());
    assertEquals(Map.of("team", "platform"), updated.getMetadata(), "a model update sends only what was set");
    ConflictException stale = assertThrows(ConflictException.class, () -> client.resources().update(created.getId(),
        Map.of("name", "Lost update"), RequestOptions.builder().ifMatch(etag).build()));
    assertEquals(412, stale.getHttpStatus());
    assertEquals("precondition_failed", stale.getCode());
    assertEquals("Renamed by Java", client.resources().retrieve(created.getId()).getName());

    DeletedResource deleted = client.resources().delete(created.getId());
    assertEquals(DeletedResource.DeletedEnum.TRUE, deleted.getDeleted());
    NotFoundException gone = assertThrows(NotFoundException.class, () -> client.resources().retrieve(created.getId()));
    assertEquals(404, gone.getHttpStatus());
    assertEquals("resource_missing", gone.getCode());
    assertEquals("id", gone.getParam());
    assertTrue(gone.getRequestId().startsWith("req_"));
    assertNotNull(gone.getDocUrl());
  }

  @Test
  @Order(2)
  void idempotentReplayAnswersTheSameObject() {
    ExampleClient client = TestSupport.client().build();
    RequestOptions key = RequestOptions.builder().idempotencyKey("java-replay-" + System.nanoTime()).build();
    Resource first = client.resources().create(Map.of("name", "Once only", "type", "staging"), key);
    assertFalse(first.lastResponse().idempotentReplayed());
    Resource second = client.resources().create(Map.of("name", "Once only", "type", "staging"), key);
    assertTrue(second.lastResponse().idempotentReplayed());
    assertFalse(first.lastResponse().idempotentReplayed(), "each object keeps its own answer");
    assertEquals(first.getId(), second.getId());
  }

  @Test
  @Order(3)
  void typedErrors() {
    ExampleClient client = TestSupport.client().build();
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> client.resources().create(Map.of("name", "ab", "type", "production")));
    assertEquals(400, e.getHttpStatus());
    assertEquals("invalid_request_error", e.getType());
    assertEquals("parameter_invalid", e.getCode());
    assertEquals("name", e.getParam());
    assertTrue(e.getRequestId().startsWith("req_"));
    ExampleClient bad = TestSupport.client().apiKey("sk_test_not_a_real_key_000000000").build();
    assertThrows(AuthenticationException.class, () -> bad.resources().list());
  }

  @Test
  @Order(4)
  void expandAndApiVersionPinning() {
    ExampleClient client = TestSupport.client().apiVersion("2023-11-01").build();
    Resource created = client.resources().create(Map.of("name", "Pinned", "type", "production"));
    assertEquals("2023-11-01", created.lastResponse().headers().get("api-version"));
    Resource again = client.resources().retrieve(created.getId(), RequestOptions.builder().apiVersion("2024-01-15").build());
    assertEquals("2024-01-15", again.lastResponse().headers().get("api-version"));
    assertEquals("2023-11-01", created.lastResponse().headers().get("api-version"));
    assertNotNull(client.resources().retrieve(created.getId(), Map.of("expand", List.of("metrics")), null).getMetrics());
    assertNull(client.resources().retrieve(created.getId()).getMetrics());
  }

  @Test
  @Order(5)
  void webhookEndpointsEventsAndDeliveries() throws Exception {
    ExampleClient client = TestSupport.client().build();
    WebhookEndpoint endpoint = client.webhookEndpoints().create(
        Map.of("url", TestSupport.env("SDK_STUB_URL") + "/java-receiver", "enabled_events", List.of("*")));
    assertTrue(endpoint.getSecret().startsWith("whsec_"));
    assertEquals(endpoint.getId(), client.webhookEndpoints().retrieve(endpoint.getId()).getId());
    WebhookEndpoint rotated = client.webhookEndpoints().rotateSecret(endpoint.getId());
    assertNotEquals(endpoint.getSecret(), rotated.getSecret());
    assertEquals("Java SDK", client.webhookEndpoints().update(endpoint.getId(), Map.of("description", "Java SDK")).getDescription());
    List<String> listed = new ArrayList<>();
    for (WebhookEndpoint e : client.webhookEndpoints().list(Map.of("limit", 100)).autoPagingIterable()) listed.add(e.getId());
    assertTrue(listed.contains(endpoint.getId()));

    // Events are written off the request path (the table's stream), which a busy machine
    // can leave minutes behind: any event of the account will do here (the session's shared
    // pagination set made the first ones).
    Event event = null;
    long deadline = System.currentTimeMillis() + 120_000;
    while (event == null && System.currentTimeMillis() < deadline) {
      List<Event> page = client.events().list(Map.of("limit", 1)).data();
      if (page.isEmpty()) Thread.sleep(500); else event = page.get(0);
    }
    assertNotNull(event, "an event is listed");
    assertTrue(event.getId().startsWith("evt_"));
    assertNotNull(event.getType());
    assertNotNull(event.getData().getObject().getActualInstance(), "data.object is typed");
    assertEquals(event.getId(), client.events().retrieve(event.getId()).getId());
    assertNotNull(client.events().deliveries(event.getId(), Map.of()).data());
    assertNotNull(client.events().resend(event.getId(), Map.of("webhook_endpoint", endpoint.getId())));
    assertNotNull(client.webhookEndpoints().replay(endpoint.getId(), Map.of("since", System.currentTimeMillis() / 1000 - 60)));
    assertEquals(DeletedWebhookEndpoint.DeletedEnum.TRUE, client.webhookEndpoints().delete(endpoint.getId()).getDeleted());
  }

  /**
   * The session's shared pagination set (sdks/README.md): a created range holding exactly
   * SDK_PAGINATION_COUNT resources, with other resources of the account on both sides of it.
   */
  private static Map<String, Object> paginationWindow() {
    Map<String, Object> window = new LinkedHashMap<>();
    window.put("gte", Long.parseLong(TestSupport.env("SDK_PAGINATION_CREATED_GTE")));
    window.put("lte", Long.parseLong(TestSupport.env("SDK_PAGINATION_CREATED_LTE")));
    return window;
  }

  private static long totalCount(Page<?> page) throws Exception {
    return Json.MAPPER.readTree(page.lastResponse().body()).get("total_count").asLong();
  }

  @Test
  @Order(6)
  void autoPaginationForwardAndBackwardOverMoreThan250() throws Exception {
    ExampleClient client = TestSupport.client().build();
    Map<String, Object> window = paginationWindow();
    long gte = (Long) window.get("gte");
    long lte = (Long) window.get("lte");
    int count = Integer.parseInt(TestSupport.env("SDK_PAGINATION_COUNT"));
    assertTrue(count > 250);
    assertTrue(totalCount(client.resources().list(Map.of("limit", 1))) > count, "the account holds resources outside the range");
    Map<String, Object> filters = new LinkedHashMap<>();
    filters.put("created", window);
    filters.put("limit", 100);

    Page<Resource> first = client.resources().list(filters);
    List<String> forward = new ArrayList<>();
    for (Resource r : first.autoPagingIterable()) {
      assertTrue(r.getCreated() >= gte && r.getCreated() <= lte, r.getId() + " is outside the range");
      forward.add(r.getId());
    }
    assertEquals(count, forward.size(), "every object of the set, and nothing else");
    assertEquals(forward.size(), new HashSet<>(forward).size(), "no object twice");
    List<String> newestFirst = new ArrayList<>(forward);
    newestFirst.sort(Collections.reverseOrder());
    assertEquals(newestFirst, forward, "newest first");
    // the same pages one by one: at least 3, each filtered (its total_count is the range's, not the account's)
    List<Page<Resource>> pages = new ArrayList<>(List.of(first));
    while (pages.get(pages.size() - 1).hasMore()) pages.add(pages.get(pages.size() - 1).nextPage());
    assertTrue(pages.size() >= 3, pages.size() + " pages");
    List<String> paged = new ArrayList<>();
    for (Page<Resource> page : pages) {
      assertEquals(count, totalCount(page));
      for (Resource r : page) paged.add(r.getId());
    }
    assertEquals(forward, paged);

    Map<String, Object> backwardParams = new LinkedHashMap<>(filters);
    backwardParams.put("ending_before", forward.get(forward.size() - 1));
    List<String> backward = new ArrayList<>();
    for (Resource r : client.resources().list(backwardParams).autoPagingIterable()) backward.add(r.getId());
    List<String> expected = new ArrayList<>(forward.subList(0, forward.size() - 1));
    Collections.reverse(expected);
    assertEquals(expected, backward);

    // a batch types each result: a created resource is a Resource
    BatchResult result = client.batch().create(Map.of("operations", List.of(
        Map.of("method", "POST", "path", "/v1/resources", "body", Map.of("name", "Batched", "type", "development")))));
    BatchOperationResult item = result.getResults().get(0);
    assertEquals(201, item.getStatus());
    assertEquals("Batched", ((com.example.generated.model.Resource) item.getBody().getActualInstance()).getName());
  }
}
