# frozen_string_literal: true

require "base64"
require "json"
require "openssl"

module Example
  # The payload is not a genuine, fresh delivery.
  class SignatureVerificationError < Error; end

  # Verifies deliveries and returns typed events.
  #
  #   event = Example::Webhook.construct_event(request.body.read, request.headers, "whsec_...")
  module Webhook
    DEFAULT_TOLERANCE = 300 # seconds between webhook-timestamp and now

    module_function

    # Checks the Standard Webhooks headers (webhook-id, webhook-timestamp,
    # webhook-signature "v1,<base64>") of a raw payload against one secret or several
    # (a rotation's new and old), and returns an Example::Models::Event.
    # allow_hex_only: true also accepts a delivery carrying only the spec's hex
    # Resource-Signature; it has no timestamp (a captured delivery could be replayed
    # forever), so it is refused by default.
    def construct_event(payload, headers, secrets, tolerance: DEFAULT_TOLERANCE, now: Time.now, allow_hex_only: false)
      verify(payload, headers, secrets, tolerance: tolerance, now: now, allow_hex_only: allow_hex_only)
      event = Example::Models::Event.build_from_hash(JSON.parse(payload, symbolize_names: true))
      raise SignatureVerificationError, "payload is not an event" unless event

      event
    rescue JSON::ParserError
      raise SignatureVerificationError, "payload is not JSON"
    end

    def verify(payload, headers, secrets, tolerance: DEFAULT_TOLERANCE, now: Time.now, allow_hex_only: false)
      h = headers.to_h.transform_keys { |k| k.to_s.downcase.tr("_", "-").sub(/\Ahttp-/, "") }
      id, ts, sigs = h.values_at("webhook-id", "webhook-timestamp", "webhook-signature")
      if sigs.nil? && allow_hex_only && h["resource-signature"]
        hex = h.values_at("resource-signature", "resource-signature-previous").compact
        return true if Array(secrets).any? { |s| hex.any? { |sig| verify_hex_signature(payload, sig, s) } }

        raise SignatureVerificationError, "no Resource-Signature matches"
      end
      unless id && ts && sigs
        raise SignatureVerificationError, "missing webhook-id, webhook-timestamp or webhook-signature header"
      end
      raise SignatureVerificationError, "webhook-timestamp is not a Unix time" unless ts.match?(/\A\d+\z/)
      raise SignatureVerificationError, "webhook-timestamp outside the tolerance" if (now.to_i - ts.to_i).abs > tolerance

      signed = "#{id}.#{ts}.#{payload}"
      given = sigs.split(" ").filter_map do |s|
        version, sig = s.split(",", 2)
        sig if version == "v1" && sig
      end
      Array(secrets).each do |secret|
        key = Base64.strict_decode64(secret.delete_prefix("whsec_"))
        want = Base64.strict_encode64(OpenSSL::HMAC.digest("SHA256", key, signed))
        return true if given.any? { |g| OpenSSL.secure_compare(g, want) }
      end
      raise SignatureVerificationError, "no signature matches"
    end

    # The spec's own Resource-Signature (hex HMAC-SHA256 of the body keyed with the
    # secret string). No timestamp, so no replay protection: prefer construct_event.
    def verify_hex_signature(payload, signature, secret)
      OpenSSL.secure_compare(OpenSSL::HMAC.hexdigest("SHA256", secret, payload), signature.to_s.strip.downcase)
    end
  end
end
