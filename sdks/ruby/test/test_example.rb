# frozen_string_literal: true

# Tests against the local cloud (SDK_API_URL, SDK_API_KEY), the scripted stub
# (SDK_STUB_URL) and a real signed delivery (SDK_WEBHOOK_FIXTURE); sdks/ruby/test.sh runs
# them with that environment (tests/sdks/test_ruby.py from pytest).

require "minitest/autorun"
require "base64"
require "json"
require "net/http"
require "openssl"
require "socket"
require "example"
require_relative "test_vectors"

module Env
  def env(name)
    ENV.fetch(name) { flunk "#{name} is not set: run sdks/ruby/test.sh with the contract's environment" }
  end

  def api_client(**kw)
    Example::Client.new(api_key: env("SDK_API_KEY"), base_url: env("SDK_API_URL"), **kw)
  end

  # Scripts the stub; returns [base_url, a lambda reading its request log].
  def stub(*responses)
    base = env("SDK_STUB_URL")
    res = Net::HTTP.post(URI("#{base}/_script"), JSON.generate(responses: responses), "Content-Type" => "application/json")
    s = JSON.parse(res.body)
    [s["base_url"], -> { JSON.parse(Net::HTTP.get(URI("#{base}/_log/#{s["id"]}")))["requests"] }]
  end

  def err_body(type, code)
    { error: { type: type, code: code, message: code, param: nil, doc_url: "http://x/docs/errors.md##{code}", request_id: "req_stub" } }
  end

  STUB_RESOURCE = {
    id: "res_01m8h8y3phbgz0cj001dzhg3", object: "resource", created: 1_705_320_000, updated: 1_705_320_000,
    livemode: false, name: "From the stub", type: "production", status: "active",
    configuration: { timeout_ms: 5000, retry_count: 3, batch_size: 100 }, metadata: {}
  }.freeze
end

class ContractFlowTest < Minitest::Test
  include Env

  def test_create_retrieve_list_update_delete
    c = api_client
    run = "rb#{Time.now.to_f.to_s.delete(".")}"

    created = c.resources.create({ name: "Ruby flow", type: "production", metadata: { run: run } })
    assert_equal "pending", created.status
    refute_nil created.last_response.request_id
    refute_nil created.last_response.idempotency_key
    got = c.resources.retrieve(created.id, expand: ["metrics"])
    assert_equal "Ruby flow", got.name
    assert_equal run, got.metadata["run"]
    refute_nil got.metrics
    assert_instance_of Example::Models::Resource, got

    # a batch types each result: a created resource is a Resource
    res = c.batch({ operations: [{ method: "POST", path: "/v1/resources", body: { name: "Ruby batch", type: "staging", metadata: { run: run } } }] })
    assert_equal [201], res.results.map(&:status)
    assert_instance_of Example::Models::Resource, res.results[0].body
    assert_equal run, res.results[0].body.metadata["run"]

    paginate_the_shared_set(c)

    # If-Match: provisioning changes the resource (and its ETag) until it settles
    deadline = Time.now + 120
    while got.status == "pending" && Time.now < deadline
      sleep 0.25
      got = c.resources.retrieve(created.id)
    end
    updated = c.resources.update(created.id, { name: "Ruby flow renamed" }, if_match: got.last_response.etag)
    assert_equal "Ruby flow renamed", updated.name
    e = assert_raises(Example::ConflictError) do
      c.resources.update(created.id, { name: "lost update" }, if_match: got.last_response.etag)
    end
    assert_equal [412, "precondition_failed"], [e.http_status, e.code]

    deleted = c.resources.delete(created.id)
    assert deleted.deleted
    e = assert_raises(Example::NotFoundError) { c.resources.retrieve(created.id) }
    assert_equal [404, "resource_not_found", "resource_missing"], [e.http_status, e.type, e.code]
    refute_nil e.request_id
    refute_nil e.doc_url
    assert_kind_of Example::APIError, e
  end

  # The session's shared pagination set (sdks/README.md): a created range holding exactly
  # SDK_PAGINATION_COUNT resources, with other resources of the account on both sides of it.
  def paginate_the_shared_set(c)
    window = { gte: Integer(env("SDK_PAGINATION_CREATED_GTE")), lte: Integer(env("SDK_PAGINATION_CREATED_LTE")) }
    count = Integer(env("SDK_PAGINATION_COUNT"))
    assert_operator c.resources.list(limit: 1).total_count, :>, count, "the account holds resources outside the range"

    first = c.resources.list(limit: 100, created: window)
    assert_kind_of Enumerable, first
    walked = first.auto_paging_each.to_a
    order = walked.map(&:id)
    assert_equal count, order.uniq.size, "auto-pagination saw #{order.size} of #{count}"
    assert_equal count, order.size, "no object twice"
    assert(walked.all? { |r| r.created.between?(window[:gte], window[:lte]) }, "only the range")
    assert_equal order.sort.reverse, order, "newest first"
    # the same pages one by one: at least 3, each filtered (its total_count is the range's, not the account's)
    pages = [first]
    pages << pages.last.next_page while pages.last.has_more?
    assert_operator pages.size, :>=, 3
    assert_equal [count] * pages.size, pages.map(&:total_count)
    assert_equal order, pages.flat_map { |p| p.data.map(&:id) }

    # backward from the oldest: every newer one, oldest first, the filter carried
    back = c.resources.list(limit: 100, created: window, ending_before: order.last)
    assert_equal order[0...-1].reverse, back.auto_paging_each.map(&:id)
  end

  def test_invalid_request_error
    e = assert_raises(Example::InvalidRequestError) { api_client.resources.create({ name: "x", type: "production" }) }
    assert_equal [400, "parameter_invalid", "name"], [e.http_status, e.code, e.param]
    assert_match(/\Areq_/, e.request_id)
  end

  def test_idempotent_replay
    c = api_client
    key = "rb-replay-#{Time.now.to_f}"
    first = c.resources.create({ name: "Ruby replay", type: "production" }, idempotency_key: key)
    second = c.resources.create({ name: "Ruby replay", type: "production" }, idempotency_key: key)
    assert_equal first.id, second.id
    refute first.last_response.idempotent_replayed?
    assert second.last_response.idempotent_replayed?
    assert_equal key, second.last_response.idempotency_key
  end

  def test_api_version_pinning
    c = api_client(api_version: "2023-11-01")
    r = c.resources.create({ name: "Ruby pinned", type: "production" })
    assert_equal "2023-11-01", r.last_response.api_version
    e = assert_raises(Example::InvalidRequestError) { c.resources.retrieve(r.id, api_version: "1999-01-01") }
    assert_equal "Api-Version", e.param
  end

  def test_webhook_endpoints_and_events
    c = api_client
    we = c.webhook_endpoints.create({ url: "http://127.0.0.1:9/ruby-sdk", enabled_events: ["resource.created"] })
    refute_nil we.secret
    rotated = c.webhook_endpoints.rotate_secret(we.id)
    refute_equal we.secret, rotated.secret
    assert_equal "Ruby SDK", c.webhook_endpoints.update(we.id, { description: "Ruby SDK" }).description
    assert c.webhook_endpoints.list(limit: 2).auto_paging_each.any? { |w| w.id == we.id }
    assert_equal we.id, c.webhook_endpoints.replay(we.id, { since: Time.now.to_i - 60 }).webhook_endpoint

    # any resource.created event (published asynchronously: the shared pagination set made the first ones)
    ev = nil
    deadline = Time.now + 120
    until ev || Time.now > deadline
      ev = c.events.list(type: "resource.created", limit: 3).first
      sleep 0.25 unless ev
    end
    refute_nil ev, "no resource.created event"
    assert_instance_of Example::Models::Resource, ev.data.object
    assert_equal "resource.created", c.events.retrieve(ev.id).type
    assert_equal ev.id, c.events.resend(ev.id, { webhook_endpoint: we.id }).event
    c.events.deliveries(ev.id).auto_paging_each { |d| assert_equal ev.id, d.event }
    assert c.webhook_endpoints.delete(we.id).deleted
  end
end

class RetryTest < Minitest::Test
  include Env

  # A sleeper that records the waits instead of waiting.
  def recorder = [].tap { |waits| waits.define_singleton_method(:call) { |s| push(s) } }

  def test_retries_honour_retry_after_with_one_key
    base, log = stub(
      { status: 409, headers: { "Retry-After" => "0" }, body: err_body("conflict_error", "idempotency_key_in_use") },
      { status: 429, headers: { "Retry-After" => "7" }, body: err_body("rate_limit_error", "rate_limited") },
      { status: 503, headers: { "Retry-After" => "0.25" }, body: err_body("api_error", "service_unavailable") },
      { status: 200, headers: { "Request-Id" => "req_ok" }, body: STUB_RESOURCE }
    )
    waits = recorder
    c = Example::Client.new(api_key: "sk_test_stub", base_url: base, max_retries: 3, api_version: "2024-01-15", sleeper: waits)
    r = c.resources.create({ name: "Ruby retry", type: "production" })
    assert_equal [0, 7, 0.25], waits, "the Retry-After values are waited for"
    assert_equal [STUB_RESOURCE[:id], "req_ok", 200, "application/json"],
                 [r.id, r.last_response.request_id, r.last_response.status, r.last_response.headers["content-type"]]
    reqs = log.call
    assert_equal 4, reqs.size
    key = reqs[0]["headers"]["idempotency-key"]
    refute_nil key
    reqs.each do |q|
      assert_equal ["POST", "/v1/resources", key, "2024-01-15", "Bearer sk_test_stub"],
                   [q["method"], q["path"], q["headers"]["idempotency-key"], q["headers"]["api-version"], q["headers"]["authorization"]]
    end
  end

  def test_retry_after_beyond_the_maximum_raises_at_once
    [[429, Example::RateLimitError], [503, Example::APIError]].each do |status, klass|
      base, log = stub({ status: status, headers: { "Retry-After" => "3600" }, body: err_body("rate_limit_error", "rate_limited") },
                       { status: 200, body: STUB_RESOURCE })
      waits = recorder
      c = Example::Client.new(api_key: "sk_test_stub", base_url: base, max_retries: 3, sleeper: waits)
      e = assert_raises(klass) { c.resources.delete("res_x", idempotency_key: "mine-1") }
      assert_equal [status, "3600"], [e.http_status, e.response.headers["retry-after"]]
      assert_equal [1, []], [log.call.size, waits], "#{status}: Retry-After 3600 > max_retry_delay is not waited for"
    end
    # within the maximum it is waited for, with the caller's key on every attempt
    base, log = stub({ status: 500, headers: { "Retry-After" => "3600" }, body: err_body("api_error", "internal_error") },
                     { status: 200, body: STUB_RESOURCE })
    waits = recorder
    c = Example::Client.new(api_key: "sk_test_stub", base_url: base, max_retry_delay: 7200, sleeper: waits)
    c.resources.delete("res_x", idempotency_key: "mine-1")
    assert_equal [%w[mine-1 mine-1], [3600]], [log.call.map { |q| q["headers"]["idempotency-key"] }, waits]
  end

  def test_exponential_backoff_with_jitter
    e = { status: 502, body: err_body("api_error", "bad_gateway") }
    base, log = stub(e, e, e, e, { status: 200, body: STUB_RESOURCE })
    waits = recorder
    c = Example::Client.new(api_key: "sk_test_stub", base_url: base, max_retries: 4, initial_retry_delay: 0.1,
                            max_retry_delay: 0.5, sleeper: waits)
    c.resources.create({ name: "Ruby backoff", type: "production" })
    assert_equal [5, 4], [log.call.size, waits.size]
    waits.each_with_index do |w, n|
      full = [0.1 * (2**n), 0.5].min
      assert_includes (full / 2)..full, w, "wait #{n} of #{waits}"
    end
    seen = Array.new(5) do
      b, = stub(e, { status: 200, body: STUB_RESOURCE })
      w = recorder
      Example::Client.new(api_key: "sk_test_stub", base_url: b, sleeper: w).resources.retrieve("res_x")
      w.first
    end
    assert_operator seen.uniq.size, :>=, 2, "5 clients waited the same #{seen}"
    base, log = stub(e)
    c = Example::Client.new(api_key: "sk_test_stub", base_url: base, max_retries: 2, sleeper: recorder)
    assert_equal 502, assert_raises(Example::APIError) { c.resources.retrieve("res_x") }.http_status
    assert_equal 3, log.call.size
  end

  def test_per_request_options_on_every_call
    page = { object: "list", url: "/v1/resources", has_more: false, data: [STUB_RESOURCE] }
    calls = {
      "resources.list" => ->(c, o) { c.resources.list({ status: "active" }, o).auto_paging_each.to_a },
      "events.list" => ->(c, o) { c.events.list({}, o).to_a },
      "webhook_endpoints.list" => ->(c, o) { c.webhook_endpoints.list({}, o).to_a },
      "events.deliveries" => ->(c, o) { c.events.deliveries("evt_x", {}, o).to_a },
      "resources.retrieve" => ->(c, o) { c.resources.retrieve("res_x", **o) },
      "resources.update" => ->(c, o) { c.resources.update("res_x", { name: "n" }, o) },
      "events.retrieve" => ->(c, o) { c.events.retrieve("evt_x", o) },
      "batch" => ->(c, o) { c.batch({ operations: [] }, o) }
    }
    calls.each do |name, call|
      base, log = stub({ status: 503, body: err_body("api_error", "service_unavailable") })
      waits = recorder
      c = Example::Client.new(api_key: "sk_test_client", base_url: base, api_version: "2024-01-15", max_retries: 3, sleeper: waits)
      opts = { api_key: "sk_test_other", api_version: "2025-01-01", idempotency_key: "key-#{name}", max_retries: 0, timeout: 30 }
      assert_raises(Example::APIError) { call.call(c, opts) }
      reqs = log.call
      assert_equal [1, []], [reqs.size, waits], "#{name}: max_retries: 0 for this call"
      h = reqs[0]["headers"]
      assert_equal ["Bearer sk_test_other", "2025-01-01", "key-#{name}"], [h["authorization"], h["api-version"], h["idempotency-key"]], name
      base, log = stub({ status: 200, body: page })
      c = Example::Client.new(api_key: "sk_test_client", base_url: base, api_version: "2024-01-15")
      call.call(c, {}) rescue nil # rubocop:disable Style/RescueModifier -- the page is not every call's answer
      h = log.call[0]["headers"]
      assert_equal ["Bearer sk_test_client", "2024-01-15"], [h["authorization"], h["api-version"]], "#{name} without options"
    end
    # a misspelt option is refused, not ignored
    assert_raises(ArgumentError) { Example::Client.new(api_key: "k", base_url: "http://127.0.0.1:1").resources.list({}, { max_retires: 0 }) }
    # the raw answer of each page on the list
    base, = stub({ status: 200, headers: { "Request-Id" => "req_page" }, body: page })
    list = Example::Client.new(api_key: "sk_test_client", base_url: base).resources.list
    assert_equal [STUB_RESOURCE[:id], "req_page", 200], [list.first.id, list.last_response.request_id, list.last_response.status]
  end

  def test_request_timeout_is_retried
    server = TCPServer.new("127.0.0.1", 0)
    keys = []
    thread = Thread.new do
      3.times do |i|
        conn = server.accept
        keys << conn.readpartial(65_536)[/^idempotency-key: (.*)\r$/i, 1]
        if i.zero? || i == 2
          conn.read # no answer: until the client gives up and hangs up
        else
          body = JSON.generate(STUB_RESOURCE)
          conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}")
        end
        conn.close
      end
    end
    c = Example::Client.new(api_key: "sk_test_stub", base_url: "http://127.0.0.1:#{server.addr[1]}", sleeper: recorder)
    assert_equal STUB_RESOURCE[:id], c.resources.create({ name: "Ruby timeout", type: "production" }, timeout: 0.2).id
    assert_equal 2, keys.size
    assert_equal keys[0], keys[1]
    refute_nil keys[0]
    assert_raises(Example::ConnectionError) { c.resources.create({ name: "Ruby timeout", type: "production" }, timeout: 0.2, max_retries: 0) }
    thread.join
    assert_equal 3, keys.size
    server.close
  end

  def test_proxy_and_http_hook
    # the stub as a forward proxy: it gets the absolute URL of a host that does not exist
    base, log = stub({ status: 200, body: STUB_RESOURCE })
    u = URI(base)
    c = Example::Client.new(api_key: "sk_test_stub", base_url: "http://api.example.invalid#{u.path}", proxy: "http://#{u.host}:#{u.port}")
    c.resources.retrieve("res_x")
    reqs = log.call
    assert_equal [1, "/v1/resources/res_x", "api.example.invalid"], [reqs.size, reqs[0]["path"], reqs[0]["headers"]["host"]]
    # the hook sees (and may change) every connection before it opens
    base, log = stub({ status: 200, body: STUB_RESOURCE })
    seen = []
    c = Example::Client.new(api_key: "sk_test_stub", base_url: base, http_hook: lambda { |http|
      seen << [http.address, http.read_timeout]
      http.read_timeout = 5
    })
    c.resources.retrieve("res_x")
    assert_equal [[URI(base).host, 80]], seen
    assert_equal 1, log.call.size
  end

  def test_no_retry_on_client_errors
    [[400, "invalid_request_error", "parameter_invalid", Example::InvalidRequestError],
     [401, "authentication_error", "api_key_invalid", Example::AuthenticationError],
     [404, "resource_not_found", "resource_missing", Example::NotFoundError],
     [412, "conflict_error", "precondition_failed", Example::ConflictError],
     [409, "conflict_error", "resource_not_ready", Example::ConflictError]].each do |status, type, code, klass|
      base, log = stub({ status: status, headers: { "Retry-After" => "0" }, body: err_body(type, code) })
      c = Example::Client.new(api_key: "sk_test_stub", base_url: base, max_retries: 3)
      e = assert_raises(klass) { c.resources.update("res_x", { name: "n" }) }
      assert_equal [status, code, "req_stub"], [e.http_status, e.code, e.request_id]
      assert_equal 1, log.call.size, "#{status} was retried"
    end
  end

  def test_retries_connection_errors
    server = TCPServer.new("127.0.0.1", 0)
    attempts = 0
    thread = Thread.new do
      2.times do
        conn = server.accept
        attempts += 1
        conn.readpartial(65_536)
        if attempts == 1
          conn.close # no answer at all
        else
          body = JSON.generate(STUB_RESOURCE)
          conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}")
          conn.close
        end
      end
    end
    c = Example::Client.new(api_key: "sk_test_stub", base_url: "http://127.0.0.1:#{server.addr[1]}", sleeper: recorder)
    assert_equal STUB_RESOURCE[:id], c.resources.retrieve("res_x").id
    thread.join
    assert_equal 2, attempts
    server.close

    port = TCPServer.open("127.0.0.1", 0).then { |s| s.addr[1].tap { s.close } }
    c = Example::Client.new(api_key: "sk_test_stub", base_url: "http://127.0.0.1:#{port}", sleeper: recorder)
    assert_raises(Example::ConnectionError) { c.resources.retrieve("res_x") }
  end

  def test_lenient_parsing
    future = STUB_RESOURCE.merge(status: "hibernating", a_field_from_the_future: { x: 1 })
    base, = stub({ status: 200, body: future })
    r = Example::Client.new(api_key: "sk_test_stub", base_url: base).resources.retrieve("res_x")
    assert_equal ["hibernating", "From the stub"], [r.status, r.name]
  end
end

class WebhookTest < Minitest::Test
  include Env

  # The delivery is made once per test session and may be older than the tolerance by now: it is
  # checked as of its own timestamp (now:), and re-signed copies show what the real clock does.
  def setup
    @f = JSON.parse(File.read(env("SDK_WEBHOOK_FIXTURE")))
    @ts = @f["headers"]["webhook-timestamp"].to_i
  end

  def test_valid_delivery_gives_a_typed_event
    ev = Example::Webhook.construct_event(@f["payload"], @f["headers"], @f["secret"], now: Time.at(@ts + 10))
    assert_instance_of Example::Models::Event, ev
    assert_equal [@f["event_id"], @f["event_type"]], [ev.id, ev.type]
    assert_instance_of Example::Models::Resource, ev.data.object
  end

  def test_tampered_body_fails
    tampered = @f["payload"].sub("}", " }")
    assert_raises(Example::SignatureVerificationError) do
      Example::Webhook.construct_event(tampered, @f["headers"], @f["secret"], now: Time.at(@ts + 10))
    end
  end

  def test_old_timestamp_fails
    assert_raises(Example::SignatureVerificationError) do
      Example::Webhook.construct_event(@f["payload"], @f["headers"], @f["secret"], now: Time.at(@ts + 360))
    end
  end

  # The delivery signed again, correctly (the fixture's secret), at another time.
  def resigned(timestamp)
    key = Base64.strict_decode64(@f["secret"].delete_prefix("whsec_"))
    mac = OpenSSL::HMAC.digest("SHA256", key, "#{@f["headers"]["webhook-id"]}.#{timestamp}.#{@f["payload"]}")
    @f["headers"].merge("webhook-timestamp" => timestamp.to_s, "webhook-signature" => "v1,#{Base64.strict_encode64(mac)}")
  end

  def test_at_the_real_clock_signed_now_verifies_and_signed_10_minutes_ago_fails
    now = Time.now.to_i
    assert_equal @f["event_id"], Example::Webhook.construct_event(@f["payload"], resigned(now), @f["secret"]).id
    e = assert_raises(Example::SignatureVerificationError) do
      Example::Webhook.construct_event(@f["payload"], resigned(now - 600), @f["secret"])
    end
    assert_match(/tolerance/, e.message)
  end

  def test_wrong_secret_fails_and_rotation_tries_each_secret
    other = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
    assert_raises(Example::SignatureVerificationError) do
      Example::Webhook.construct_event(@f["payload"], @f["headers"], other, now: Time.at(@ts))
    end
    ev = Example::Webhook.construct_event(@f["payload"], @f["headers"], [other, @f["secret"]], now: Time.at(@ts))
    assert_equal @f["event_id"], ev.id
  end

  def test_hex_signature
    sig = @f["headers"]["resource-signature"]
    refute_nil sig, "the delivery carries no Resource-Signature"
    assert Example::Webhook.verify_hex_signature(@f["payload"], sig, @f["secret"])
    refute Example::Webhook.verify_hex_signature(@f["payload"] + " ", sig, @f["secret"])
  end
end

require_relative "test_readme"
