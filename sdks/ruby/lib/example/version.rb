# frozen_string_literal: true

module Example
  VERSION = "0.1.0"
end
