# frozen_string_literal: true

require "uri"

module Example
  # Shared by the services: calls through the client, builds the generated models.
  class Service
    def initialize(client)
      @client = client
    end

    private

    def call(method, path, model, query: nil, body: nil, opts: {})
      data, response = @client.request(method, path, query: query, body: body, opts: opts)
      build(model, data, response)
    end

    def build(model, data, response = nil)
      obj = Example::Models.const_get(model).build_from_hash(data)
      obj.extend(HasResponse)
      obj.last_response = response
      obj
    end

    def list_page(path, params, model, opts = {})
      data, response = @client.request(:get, path, query: list_query(params), opts: opts)
      items = (data[:data] || []).map { |d| build(model, d) }
      ListObject.new(service: self, path: path, params: params, opts: opts, model: model, data: items,
                     has_more: data[:has_more] == true, total_count: data[:total_count], url: data[:url],
                     last_response: response)
    end

    # created: {gte: t} -> created[gte]=t, expand: [...] -> expand[]=..., others as given.
    def list_query(params)
      params.flat_map do |k, v|
        case v
        when Hash then v.map { |op, t| ["#{k}[#{op}]", t.to_s] }
        when Array then v.map { |e| ["#{k}[]", e.to_s] }
        when nil then []
        else [[k.to_s, v.to_s]]
        end
      end
    end

    def esc(id) = URI.encode_www_form_component(id.to_s)
  end

  # /v1/resources
  class ResourcesService < Service
    # params: name:, type:, configuration:, metadata:, expand: (a Hash or Example::Models::ResourceCreate)
    def create(params, opts = {}) = call(:post, "/v1/resources", :Resource, body: params, opts: opts)

    # expand: %w[metrics logs related_resources]
    def retrieve(id, expand: nil, **opts)
      query = expand ? Array(expand).map { |e| ["expand[]", e] } : nil
      call(:get, "/v1/resources/#{esc(id)}", :Resource, query: query, opts: opts)
    end

    # opts[:if_match] = resource.last_response.etag makes it conditional (412 when it changed).
    def update(id, params, opts = {}) = call(:patch, "/v1/resources/#{esc(id)}", :Resource, body: params, opts: opts)

    def delete(id, opts = {}) = call(:delete, "/v1/resources/#{esc(id)}", :DeletedResource, opts: opts)

    # params: limit:, starting_after:, ending_before:, created: {gt:, gte:, lt:, lte:}, status:, expand:
    # opts (as every call's): api_key:, api_version:, timeout:, max_retries: ..., for every page.
    def list(params = {}, opts = {}) = list_page("/v1/resources", params, :Resource, opts)
  end

  # /v1/webhook_endpoints
  class WebhookEndpointsService < Service
    # The answer's secret (whsec_...) is shown only here and on rotate_secret.
    def create(params, opts = {}) = call(:post, "/v1/webhook_endpoints", :WebhookEndpoint, body: params, opts: opts)
    def retrieve(id, opts = {}) = call(:get, "/v1/webhook_endpoints/#{esc(id)}", :WebhookEndpoint, opts: opts)

    def update(id, params, opts = {})
      call(:patch, "/v1/webhook_endpoints/#{esc(id)}", :WebhookEndpoint, body: params, opts: opts)
    end

    def delete(id, opts = {}) = call(:delete, "/v1/webhook_endpoints/#{esc(id)}", :DeletedWebhookEndpoint, opts: opts)
    def list(params = {}, opts = {}) = list_page("/v1/webhook_endpoints", params, :WebhookEndpoint, opts)

    # A new secret; the old one keeps signing for 24 h.
    def rotate_secret(id, opts = {})
      call(:post, "/v1/webhook_endpoints/#{esc(id)}/rotate_secret", :WebhookEndpoint, body: {}, opts: opts)
    end

    # Redeliver the failed deliveries since a time: replay(id, since: t).
    def replay(id, params, opts = {})
      call(:post, "/v1/webhook_endpoints/#{esc(id)}/replay", :WebhookReplayResult, body: params, opts: opts)
    end
  end

  # /v1/events
  class EventsService < Service
    def retrieve(id, opts = {}) = call(:get, "/v1/events/#{esc(id)}", :Event, opts: opts)

    # params: limit:, starting_after:, ending_before:, created:, type:
    def list(params = {}, opts = {}) = list_page("/v1/events", params, :Event, opts)

    # To one endpoint (webhook_endpoint: "we_...") or to every subscribed one.
    def resend(id, params = {}, opts = {})
      call(:post, "/v1/events/#{esc(id)}/resend", :EventResendResult, body: params, opts: opts)
    end

    # Every delivery attempt of the event.
    def deliveries(id, params = {}, opts = {})
      list_page("/v1/events/#{esc(id)}/deliveries", params, :DeliveryAttempt, opts)
    end
  end
end
