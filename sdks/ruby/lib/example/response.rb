# frozen_string_literal: true

module Example
  # What every call exposes besides its object: the request id to quote to support,
  # whether the answer was an idempotent replay, the ETag for if_match.
  class Response
    attr_reader :status, :headers, :body, :idempotency_key

    def initialize(status:, headers:, body:, idempotency_key:)
      @status = status
      @headers = headers # lower-case names
      @body = body
      @idempotency_key = idempotency_key
    end

    def request_id = headers["request-id"]
    def etag = headers["etag"]
    def idempotent_replayed? = headers["idempotent-replayed"] == "true"
    def api_version = headers["api-version"]
  end

  # Mixed into every object the API answered (a generated model): obj.last_response.
  module HasResponse
    attr_accessor :last_response
  end
end
