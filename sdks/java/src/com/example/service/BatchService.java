package com.example.service;

import com.example.ExampleClient;
import com.example.RequestOptions;
import com.example.generated.model.BatchRequest;
import com.example.model.BatchResult;
import java.util.Map;

/** POST /v1/batch: up to 100 operations, each answered with its own status and body. */
public final class BatchService extends AbstractService {
  public BatchService(ExampleClient client) { super(client); }

  public BatchResult create(BatchRequest params) { return create(params, null); }
  public BatchResult create(BatchRequest params, RequestOptions opts) { return call("POST", "/v1/batch", params, opts, BatchResult.class); }
  public BatchResult create(Map<String, Object> params) { return create(params, null); }
  public BatchResult create(Map<String, Object> params, RequestOptions opts) { return call("POST", "/v1/batch", params, opts, BatchResult.class); }
}
