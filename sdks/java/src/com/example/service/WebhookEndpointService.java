package com.example.service;

import com.example.ExampleClient;
import com.example.Page;
import com.example.RequestOptions;
import com.example.model.DeletedWebhookEndpoint;
import com.example.model.WebhookEndpoint;
import com.example.model.WebhookReplayResult;
import com.example.generated.model.WebhookEndpointCreate;
import com.example.generated.model.WebhookEndpointUpdate;
import com.example.generated.model.WebhookReplay;
import com.example.param.ListParams;
import java.util.Map;

/** /v1/webhook_endpoints, with secret rotation and replay of failed deliveries. */
public final class WebhookEndpointService extends AbstractService {
  private static final String BASE = "/v1/webhook_endpoints";

  public WebhookEndpointService(ExampleClient client) { super(client); }

  /** params: url, enabled_events, description, metadata. The answer carries the secret (shown once). */
  public WebhookEndpoint create(WebhookEndpointCreate params) { return create(params, null); }
  public WebhookEndpoint create(WebhookEndpointCreate params, RequestOptions opts) { return call("POST", BASE, params, opts, WebhookEndpoint.class); }
  public WebhookEndpoint create(Map<String, Object> params) { return create(params, null); }
  public WebhookEndpoint create(Map<String, Object> params, RequestOptions opts) { return call("POST", BASE, params, opts, WebhookEndpoint.class); }

  public WebhookEndpoint retrieve(String id) { return retrieve(id, null); }
  public WebhookEndpoint retrieve(String id, RequestOptions opts) { return call("GET", BASE + "/" + segment(id), null, opts, WebhookEndpoint.class); }

  public WebhookEndpoint update(String id, WebhookEndpointUpdate params) { return update(id, params, null); }
  public WebhookEndpoint update(String id, WebhookEndpointUpdate params, RequestOptions opts) {
    return call("PATCH", BASE + "/" + segment(id), params, opts, WebhookEndpoint.class);
  }
  public WebhookEndpoint update(String id, Map<String, Object> params) { return update(id, params, null); }
  public WebhookEndpoint update(String id, Map<String, Object> params, RequestOptions opts) {
    return call("PATCH", BASE + "/" + segment(id), params, opts, WebhookEndpoint.class);
  }

  public DeletedWebhookEndpoint delete(String id) { return delete(id, null); }
  public DeletedWebhookEndpoint delete(String id, RequestOptions opts) {
    return call("DELETE", BASE + "/" + segment(id), null, opts, DeletedWebhookEndpoint.class);
  }

  public Page<WebhookEndpoint> list() { return list((Map<String, Object>) null, null); }
  public Page<WebhookEndpoint> list(ListParams params) { return list(params, null); }
  public Page<WebhookEndpoint> list(ListParams params, RequestOptions opts) { return list(query(params), opts); }
  public Page<WebhookEndpoint> list(Map<String, Object> params) { return list(params, null); }
  public Page<WebhookEndpoint> list(Map<String, Object> params, RequestOptions opts) {
    return page(BASE, params, opts, WebhookEndpoint.class, WebhookEndpoint::getId);
  }

  /** A new secret; the old one keeps signing alongside it for the grace period. */
  public WebhookEndpoint rotateSecret(String id) { return rotateSecret(id, null); }
  public WebhookEndpoint rotateSecret(String id, RequestOptions opts) {
    return call("POST", BASE + "/" + segment(id) + "/rotate_secret", null, opts, WebhookEndpoint.class);
  }

  /** params: since (Unix seconds): sends again the failed deliveries of events created since. */
  public WebhookReplayResult replay(String id, WebhookReplay params) { return replay(id, params, null); }
  public WebhookReplayResult replay(String id, WebhookReplay params, RequestOptions opts) {
    return call("POST", BASE + "/" + segment(id) + "/replay", params, opts, WebhookReplayResult.class);
  }
  public WebhookReplayResult replay(String id, Map<String, Object> params) { return replay(id, params, null); }
  public WebhookReplayResult replay(String id, Map<String, Object> params, RequestOptions opts) {
    return call("POST", BASE + "/" + segment(id) + "/replay", params, opts, WebhookReplayResult.class);
  }
}
