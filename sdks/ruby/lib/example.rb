# frozen_string_literal: true

# The Ruby SDK of the Resource API: generated models (Example::Models, from the
# OpenAPI document) and a small hand-written layer with Stripe-grade behaviour
# (retries with idempotency keys, typed errors, auto-pagination, webhook verification).
# Standard library only: Net::HTTP, JSON, OpenSSL.

require "date"
require "time"

module Example
  module Models; end
end

require_relative "../generated/api_model_base"
Dir[File.join(__dir__, "..", "generated", "models", "*.rb")].sort.each { |f| require f }

require_relative "example/version"
require_relative "example/errors"
require_relative "example/response"
require_relative "example/list_object"
require_relative "example/client"
require_relative "example/services"
require_relative "example/webhook"
