# frozen_string_literal: true

module Example
  VERSION = "2.0.0"
end
