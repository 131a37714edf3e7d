package com.example.service;

import com.example.ExampleClient;
import com.example.Page;
import com.example.RequestOptions;
import com.example.model.DeletedResource;
import com.example.model.Resource;
import com.example.generated.model.ResourceCreate;
import com.example.generated.model.ResourceUpdate;
import com.example.param.ResourceListParams;
import java.util.List;
import java.util.Map;

/** /v1/resources. Parameters as a generated model or a Map (name, type, configuration, metadata, expand). */
public final class ResourceService extends AbstractService {
  public ResourceService(ExampleClient client) { super(client); }

  public Resource create(ResourceCreate params) { return create(params, null); }
  public Resource create(ResourceCreate params, RequestOptions opts) { return call("POST", "/v1/resources", params, opts, Resource.class); }
  public Resource create(Map<String, Object> params) { return create(params, null); }
  public Resource create(Map<String, Object> params, RequestOptions opts) { return call("POST", "/v1/resources", params, opts, Resource.class); }

  public Resource retrieve(String id) { return retrieve(id, (Map<String, Object>) null, null); }
  public Resource retrieve(String id, RequestOptions opts) { return retrieve(id, (Map<String, Object>) null, opts); }
  /** expand: a list of metrics, logs, related_resources. */
  public Resource retrieve(String id, List<String> expand, RequestOptions opts) {
    return retrieve(id, expand == null ? null : Map.<String, Object>of("expand", expand), opts);
  }
  /** params: expand (a list of metrics, logs, related_resources). */
  public Resource retrieve(String id, Map<String, Object> params, RequestOptions opts) {
    return call("GET", "/v1/resources/" + segment(id), params, opts, Resource.class);
  }

  public Resource update(String id, ResourceUpdate params) { return update(id, params, null); }
  /** opts.ifMatch: update only the version you read (its ETag), else 412. */
  public Resource update(String id, ResourceUpdate params, RequestOptions opts) {
    return call("PATCH", "/v1/resources/" + segment(id), params, opts, Resource.class);
  }
  public Resource update(String id, Map<String, Object> params) { return update(id, params, null); }
  public Resource update(String id, Map<String, Object> params, RequestOptions opts) {
    return call("PATCH", "/v1/resources/" + segment(id), params, opts, Resource.class);
  }

  public DeletedResource delete(String id) { return delete(id, null); }
  public DeletedResource delete(String id, RequestOptions opts) {
    return call("DELETE", "/v1/resources/" + segment(id), null, opts, DeletedResource.class);
  }

  public Page<Resource> list() { return list((Map<String, Object>) null, null); }
  public Page<Resource> list(RequestOptions opts) { return list((Map<String, Object>) null, opts); }
  public Page<Resource> list(ResourceListParams params) { return list(params, null); }
  public Page<Resource> list(ResourceListParams params, RequestOptions opts) { return list(query(params), opts); }
  public Page<Resource> list(Map<String, Object> params) { return list(params, null); }
  /** params: limit, starting_after, ending_before, created (gt/gte/lt/lte), status, expand. */
  public Page<Resource> list(Map<String, Object> params, RequestOptions opts) {
    return page("/v1/resources", params, opts, Resource.class, Resource::getId);
  }
}
