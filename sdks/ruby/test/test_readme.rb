# frozen_string_literal: true

# The README's examples, run as written: every ```ruby block of README.md, in order, in one
# binding, against the local cloud (SDK_API_URL, SDK_API_KEY). Only the host, the key and the
# webhook secret change (and the spec's idempotency key gets a suffix: the SDKs share one
# account in these tests); the webhook block gets a delivery signed moments ago as `payload`
# and `headers` (what a web framework would hand it).
class ReadmeTest < Minitest::Test
  include Env

  README = File.join(__dir__, "..", "README.md")

  def blocks = File.read(README).scan(/^```ruby\n(.*?)^```/m).map(&:first)

  def program(secret)
    blocks.join("\n")
          .gsub('"sk_test_..."', env("SDK_API_KEY").inspect)
          .gsub('"http://127.0.0.1:8000"', env("SDK_API_URL").inspect)
          .gsub('"whsec_..."', secret.inspect)
          .gsub('"order_12345_create_resource"', "order_12345_create_resource_ruby_#{Process.pid}_#{Time.now.to_i}".inspect)
  end

  def test_readme_examples_run
    f = JSON.parse(File.read(env("SDK_WEBHOOK_FIXTURE")))
    stamp = Time.now.to_i
    key = Base64.strict_decode64(f["secret"].delete_prefix("whsec_"))
    mac = OpenSSL::HMAC.digest("SHA256", key, "#{f["headers"]["webhook-id"]}.#{stamp}.#{f["payload"]}")
    scope = binding
    scope.local_variable_set(:payload, f["payload"])
    scope.local_variable_set(:headers, f["headers"].merge("webhook-timestamp" => stamp.to_s,
                                                          "webhook-signature" => "v1,#{Base64.strict_encode64(mac)}"))
    assert_operator blocks.size, :>=, 5
    out, = capture_io { eval(program(f["secret"]), scope, README, 1) } # rubocop:disable Security/Eval
    assert_includes out, "Active resources: "
    assert_equal true, scope.local_variable_get(:deleted).deleted
    assert_equal f["event_id"], scope.local_variable_get(:event).id
  end
end
