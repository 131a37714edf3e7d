# frozen_string_literal: true

require "json"
require "net/http"
require "securerandom"
require "time"
require "uri"

module Example
  # One client per key; safe to share between threads.
  #
  #   client = Example::Client.new(api_key: "sk_test_...", base_url: "http://127.0.0.1:8000")
  #   client.resources.create({ name: "My First Resource", type: "production" })
  class Client
    DEFAULT_BASE_URL = "https://api.example.com"
    # No answer at all: worth another attempt (the Idempotency-Key makes it safe).
    CONNECTION_ERRORS = [
      Errno::ECONNREFUSED, Errno::ECONNRESET, Errno::EPIPE, Errno::EHOSTUNREACH, EOFError, IOError,
      SocketError, Net::OpenTimeout, Net::ReadTimeout, Net::WriteTimeout
    ].freeze
    WRITE_METHODS = %w[POST PATCH DELETE].freeze

    # The per-request options every call takes (its last argument, a Hash).
    REQUEST_OPTIONS = %i[api_key api_version idempotency_key timeout max_retries if_match headers].freeze

    attr_reader :api_key, :base_url, :api_version, :max_retries, :initial_retry_delay, :max_retry_delay,
                :open_timeout, :read_timeout, :proxy, :resources, :webhook_endpoints, :events

    # max_retries: retries of a failed call (connection errors and timeouts, 409
    # idempotency_key_in_use, 429, 5xx); delays: exponential backoff with jitter from
    # initial_retry_delay, capped at max_retry_delay (seconds). An answer's Retry-After is
    # waited for when it is at most max_retry_delay; beyond it the call raises at once.
    # open_timeout / read_timeout (seconds) bound each attempt (write_timeout = read_timeout).
    # proxy: "http://user:pass@proxy:3128" sends every request through that proxy.
    # http_hook: called with each Net::HTTP before it connects (TLS settings, debug
    # output, your own proxy logic). sleeper: waits between attempts (tests record them).
    def initialize(api_key:, base_url: DEFAULT_BASE_URL, api_version: nil, max_retries: 2,
                   initial_retry_delay: 0.5, max_retry_delay: 20.0, open_timeout: 30, read_timeout: 80,
                   proxy: nil, http_hook: nil, sleeper: ->(seconds) { sleep(seconds) })
      @api_key = api_key
      @base_url = base_url.sub(%r{/+\z}, "")
      @api_version = api_version
      @max_retries = max_retries
      @initial_retry_delay = initial_retry_delay
      @max_retry_delay = max_retry_delay
      @open_timeout = open_timeout
      @read_timeout = read_timeout
      @proxy = proxy && URI(proxy)
      @http_hook = http_hook
      @sleeper = sleeper
      @resources = ResourcesService.new(self)
      @webhook_endpoints = WebhookEndpointsService.new(self)
      @events = EventsService.new(self)
    end

    # POST /v1/batch: up to 100 operations ({method:, path:, body:}); atomic: all or none.
    # Each result's body is the model the single call would have answered, told apart by
    # its `object` (resource, list, deleted) or its `error`.
    def batch(params, opts = {})
      data, response = request(:post, "/v1/batch", body: params, opts: opts)
      result = Example::Models::BatchResult.build_from_hash(data)
      result.results.zip(data[:results]) { |r, raw| r.body = batch_body(raw[:body]) }
      result.extend(HasResponse)
      result.last_response = response
      result
    end

    # Sends one request with retries; returns [parsed JSON, Response] or raises a typed error.
    # opts: api_key:, api_version:, idempotency_key:, timeout: (seconds, each attempt),
    # max_retries:, if_match:, headers:
    def request(method, path, query: nil, body: nil, opts: {})
      unknown = opts.keys - REQUEST_OPTIONS
      raise ArgumentError, "unknown request option(s) #{unknown.inspect}; known: #{REQUEST_OPTIONS.inspect}" if unknown.any?

      method = method.to_s.upcase
      uri = URI(base_url + path)
      uri.query = URI.encode_www_form(query) if query && !query.empty?
      payload = body.nil? ? nil : JSON.generate(body.respond_to?(:to_hash) ? body.to_hash : body)
      key = opts[:idempotency_key] || (WRITE_METHODS.include?(method) ? SecureRandom.uuid : nil)
      retries = opts.fetch(:max_retries, max_retries)
      attempt = 0
      loop do
        response, error = perform(method, uri, payload, key, opts)
        if attempt < retries && retry?(response, error) && (wait = delay(attempt, response))
          @sleeper.call(wait)
          attempt += 1
          next
        end
        raise error if error
        raise Example.error_for(response) if response.status >= 300

        # symbol keys: what the generated models' build_from_hash and unions expect
        data = response.body.nil? || response.body.empty? ? nil : JSON.parse(response.body, symbolize_names: true)
        return [data, response]
      end
    end

    private

    def batch_body(body)
      return body unless body.is_a?(Hash)

      model = if body.key?(:error) then :Error
              elsif body[:deleted] then :DeletedResource
              elsif body[:object] == "list" then :ResourceList
              elsif body[:object] == "resource" then :Resource
              end
      model ? Example::Models.const_get(model).build_from_hash(body) : body
    end

    def perform(method, uri, payload, key, opts)
      req = Net::HTTPGenericRequest.new(method, !payload.nil?, true, uri.request_uri)
      req["Authorization"] = "Bearer #{opts[:api_key] || api_key}"
      req["Accept"] = "application/json"
      req["User-Agent"] = "example-ruby/#{VERSION}"
      req["Idempotency-Key"] = key if key
      version = opts[:api_version] || api_version
      req["Api-Version"] = version if version
      req["If-Match"] = opts[:if_match] if opts[:if_match]
      (opts[:headers] || {}).each { |k, v| req[k] = v }
      if payload
        req["Content-Type"] = "application/json"
        req.body = payload
      end
      http = if proxy
               Net::HTTP.new(uri.host, uri.port, proxy.host, proxy.port, proxy.user, proxy.password)
             else
               Net::HTTP.new(uri.host, uri.port) # http_proxy / no_proxy from the environment
             end
      http.use_ssl = uri.scheme == "https"
      http.max_retries = 0 # retries are ours (with backoff and one Idempotency-Key), not Net::HTTP's silent one
      http.open_timeout = opts[:timeout] || open_timeout
      http.read_timeout = http.write_timeout = opts[:timeout] || read_timeout
      @http_hook&.call(http)
      res = http.start { |h| h.request(req) }
      headers = res.each_header.to_h { |k, v| [k.downcase, v] }
      [Response.new(status: res.code.to_i, headers: headers, body: res.body, idempotency_key: key), nil]
    rescue *CONNECTION_ERRORS => e
      [nil, ConnectionError.new("#{e.class}: #{e.message}")]
    end

    # Connection errors, 409 idempotency_key_in_use, 429 and 5xx; never another 4xx.
    def retry?(response, error)
      return true if error
      return true if response.status == 429 || response.status >= 500
      return false unless response.status == 409

      JSON.parse(response.body).dig("error", "code") == "idempotency_key_in_use"
    rescue JSON::ParserError
      false
    end

    # Seconds to wait before retry number attempt+1, or nil: the answer's Retry-After is
    # beyond max_retry_delay (the caller gets that answer's error now, not a long sleep).
    def delay(attempt, response)
      after = response && retry_after(response.headers["retry-after"])
      return nil if after && after > max_retry_delay
      return after if after

      [initial_retry_delay * (2**attempt), max_retry_delay].min * (0.5 + (rand / 2)) # jitter: half to full
    end

    # Delta-seconds or an HTTP date; nil when absent or unreadable.
    def retry_after(value)
      return nil if value.nil? || value.strip.empty?
      return [Float(value), 0].max if value.strip.match?(/\A\d+(\.\d+)?\z/)

      [Time.httpdate(value) - Time.now, 0].max
    rescue ArgumentError
      nil
    end
  end
end
