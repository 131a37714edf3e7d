# frozen_string_literal: true

module Example
  # One page of a list (Enumerable over its objects) that can fetch the pages around it.
  #
  #   client.resources.list(limit: 100, status: "active").auto_paging_each { |r| puts r.id }
  #
  # auto_paging_each walks forward (starting_after) from the first page; a list opened
  # with ending_before walks backward (towards newer objects), each page oldest first.
  # The filters (created, status, type, expand) are carried to every page.
  class ListObject
    include Enumerable

    attr_reader :data, :has_more, :total_count, :url, :params, :opts, :last_response

    def initialize(service:, path:, params:, opts:, model:, data:, has_more:, total_count:, url:, last_response:)
      @service = service
      @path = path
      @params = params
      @opts = opts
      @model = model
      @data = data
      @has_more = has_more
      @total_count = total_count
      @url = url
      @last_response = last_response
    end

    def each(&block) = data.each(&block)
    def empty? = data.empty?
    alias has_more? has_more

    def auto_paging_each(&block)
      return enum_for(:auto_paging_each) unless block

      backward = params.key?(:ending_before) && !params.key?(:starting_after)
      page = self
      loop do
        (backward ? page.data.reverse : page.data).each(&block)
        break unless page.has_more && !page.empty?

        page = backward ? page.previous_page : page.next_page
      end
    end

    # The page after this one (older objects).
    def next_page
      @service.send(:list_page, @path, params.reject { |k, _| k == :ending_before }.merge(starting_after: data.last.id), @model, opts)
    end

    # The page before this one (newer objects).
    def previous_page
      @service.send(:list_page, @path, params.reject { |k, _| k == :starting_after }.merge(ending_before: data.first.id), @model, opts)
    end
  end
end
