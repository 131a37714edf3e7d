package com.example.service;

import com.example.ExampleClient;
import com.example.Page;
import com.example.RequestOptions;
import com.example.generated.model.DeliveryAttempt;
import com.example.model.Event;
import com.example.model.EventResendResult;
import com.example.generated.model.EventResend;
import com.example.param.EventListParams;
import com.example.param.ListParams;
import java.util.Map;

/** /v1/events, their delivery attempts and resending. */
public final class EventService extends AbstractService {
  public EventService(ExampleClient client) { super(client); }

  public Page<Event> list(EventListParams params) { return list(params, null); }
  public Page<Event> list(EventListParams params, RequestOptions opts) { return list(query(params), opts); }
  public Page<Event> list(Map<String, Object> params) { return list(params, null); }
  /** params: limit, starting_after, ending_before, created, type. */
  public Page<Event> list(Map<String, Object> params, RequestOptions opts) {
    return page("/v1/events", params, opts, Event.class, Event::getId);
  }

  public Event retrieve(String id) { return retrieve(id, null); }
  public Event retrieve(String id, RequestOptions opts) { return call("GET", "/v1/events/" + segment(id), null, opts, Event.class); }

  /** params: webhook_endpoint (one; all subscribed ones if absent). */
  public EventResendResult resend(String id, EventResend params) { return resend(id, params, null); }
  public EventResendResult resend(String id, EventResend params, RequestOptions opts) {
    return call("POST", "/v1/events/" + segment(id) + "/resend", params, opts, EventResendResult.class);
  }
  public EventResendResult resend(String id, Map<String, Object> params) { return resend(id, params, null); }
  public EventResendResult resend(String id, Map<String, Object> params, RequestOptions opts) {
    return call("POST", "/v1/events/" + segment(id) + "/resend", params, opts, EventResendResult.class);
  }

  /** The delivery attempts of one event. */
  public Page<com.example.model.DeliveryAttempt> deliveries(String id) { return deliveries(id, (Map<String, Object>) null, null); }
  public Page<com.example.model.DeliveryAttempt> deliveries(String id, ListParams params) { return deliveries(id, params, null); }
  public Page<com.example.model.DeliveryAttempt> deliveries(String id, ListParams params, RequestOptions opts) {
    return deliveries(id, query(params), opts);
  }
  public Page<com.example.model.DeliveryAttempt> deliveries(String id, Map<String, Object> params) { return deliveries(id, params, null); }
  public Page<com.example.model.DeliveryAttempt> deliveries(String id, Map<String, Object> params, RequestOptions opts) {
    return page("/v1/events/" + segment(id) + "/deliveries", params, opts, com.example.model.DeliveryAttempt.class,
        com.example.model.DeliveryAttempt::getId);
  }
}
