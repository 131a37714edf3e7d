# frozen_string_literal: true

# The shared webhook vectors (sdks/testdata/webhook-vectors.json): the same cases in every SDK.
require "minitest/autorun"
require "json"
require "example"

class WebhookVectorsTest < Minitest::Test
  VECTORS = JSON.parse(File.read(File.join(__dir__, "..", "..", "testdata", "webhook-vectors.json")))["vectors"]

  VECTORS.each do |v|
    define_method("test_vector_#{v['name']}") do
      verify = lambda do
        Example::Webhook.construct_event(v["payload"], v["headers"], v["secrets"], tolerance: v["tolerance"],
                                         now: Time.at(v["now"]), allow_hex_only: v["allow_hex_only"])
      end
      if v["expect"] == "accept"
        assert_equal "resource.created", verify.call.type
      else
        assert_raises(Example::SignatureVerificationError) { verify.call }
      end
    end
  end
end
