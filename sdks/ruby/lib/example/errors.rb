# frozen_string_literal: true

require "json"

module Example
  # Base of every error the SDK raises.
  class Error < StandardError; end

  # No HTTP answer at all (refused, reset, timed out) once the retries are spent.
  class ConnectionError < Error; end

  # A non-2xx answer: the API's error object plus the HTTP status and the response.
  class APIError < Error
    attr_reader :type, :code, :param, :doc_url, :request_id, :http_status, :response

    def initialize(message, type: nil, code: nil, param: nil, doc_url: nil, request_id: nil, http_status: nil, response: nil)
      super(message)
      @type = type
      @code = code
      @param = param
      @doc_url = doc_url
      @request_id = request_id
      @http_status = http_status
      @response = response
    end

    def to_s
      parts = ["#{super} (#{http_status} #{type}/#{code})"]
      parts << "param=#{param}" if param
      parts << "request_id=#{request_id}" if request_id
      parts.join(" ")
    end
  end

  # One class per error `type` of the spec; an unknown type raises APIError itself.
  class InvalidRequestError < APIError; end # invalid_request_error
  class AuthenticationError < APIError; end # authentication_error
  class PermissionError < APIError; end     # permission_error
  class NotFoundError < APIError; end       # resource_not_found
  class ConflictError < APIError; end       # conflict_error (409, 412)
  class IdempotencyError < APIError; end    # idempotency_error
  class RateLimitError < APIError; end      # rate_limit_error
  class APIServerError < APIError; end      # api_error (500, 503)
  class TimeoutError < APIError; end        # timeout_error (504)

  ERROR_CLASSES = {
    "invalid_request_error" => InvalidRequestError,
    "authentication_error" => AuthenticationError,
    "permission_error" => PermissionError,
    "resource_not_found" => NotFoundError,
    "conflict_error" => ConflictError,
    "idempotency_error" => IdempotencyError,
    "rate_limit_error" => RateLimitError,
    "api_error" => APIServerError,
    "timeout_error" => TimeoutError
  }.freeze

  # The typed error of a non-2xx answer; a body that is not the error object (a
  # proxy's page) still gives an APIServerError/APIError with the status.
  def self.error_for(response)
    detail = begin
      JSON.parse(response.body)["error"]
    rescue JSON::ParserError, TypeError
      nil
    end
    detail = nil unless detail.is_a?(Hash) && detail["type"]
    detail ||= { "type" => "api_error", "message" => "unexpected answer with status #{response.status}" }
    klass = ERROR_CLASSES.fetch(detail["type"], APIError)
    klass.new(detail["message"], type: detail["type"], code: detail["code"], param: detail["param"],
                                 doc_url: detail["doc_url"], request_id: detail["request_id"] || response.request_id,
                                 http_status: response.status, response: response)
  end
end
