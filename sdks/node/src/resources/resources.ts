/** `client.resources`: /v1/resources. */
import type { RequestOptions, WithResponse } from "../core/http";
import { makeListPromise, type ListPromise } from "../core/pagination";
import { Namespace } from "../core/resource";
import type {
  DeletedResource,
  Resource,
  ResourceCreateParams,
  ResourceList,
  ResourceListParams,
  ResourceRetrieveParams,
  ResourceUpdateParams,
} from "../types";

const BASE = "/v1/resources";

export class Resources extends Namespace {
  /** Create a resource (answers `pending`; provisioning runs asynchronously). */
  create(params: ResourceCreateParams, options?: RequestOptions): Promise<WithResponse<Resource>> {
    return this.http.request("POST", BASE, { body: params }, options);
  }

  /** Retrieve a resource; `expand: ["metrics", "logs", "related_resources"]` adds those. */
  retrieve(id: string, params?: ResourceRetrieveParams, options?: RequestOptions): Promise<WithResponse<Resource>> {
    return this.http.request("GET", this.path(BASE, id), { query: params }, options);
  }

  /** Update: `configuration` is merged, `metadata` replaced. Pass `{ ifMatch: r.lastResponse.etag }` to guard against lost updates. */
  update(id: string, params: ResourceUpdateParams, options?: RequestOptions): Promise<WithResponse<Resource>> {
    return this.http.request("PATCH", this.path(BASE, id), { body: params }, options);
  }

  /** Delete for good. */
  delete(id: string, options?: RequestOptions): Promise<WithResponse<DeletedResource>> {
    return this.http.request("DELETE", this.path(BASE, id), {}, options);
  }

  /** One page (await it) or every resource (for await). Newest first. */
  list(params: ResourceListParams = {}, options?: RequestOptions): ListPromise<Resource, ResourceList> {
    return makeListPromise<Resource, ResourceList, ResourceListParams>(
      (p) => this.http.request("GET", BASE, { query: p }, options),
      params,
    );
  }
}
