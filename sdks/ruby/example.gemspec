# frozen_string_literal: true

require_relative "lib/example/version"

Gem::Specification.new do |s|
  s.name = "example"
  s.version = Example::VERSION
  s.summary = "Ruby SDK of the Resource API"
  s.description = "Generated models and a small client with retries, idempotency keys, " \
                  "typed errors, auto-pagination and webhook verification. Standard library only."
  s.authors = ["Example"]
  s.license = "MIT"
  s.required_ruby_version = ">= 3.0"
  s.files = Dir["lib/**/*.rb", "generated/**/*.rb", "README.md"]
  s.require_paths = ["lib"]
end
