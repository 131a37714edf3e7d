package com.example;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * One page of a list ({@code for (T x : page)} walks this page only), and the way to every
 * page after it: {@link #autoPagingIterable()} fetches the next page on demand with the same
 * filters, forward with starting_after = the last id, or, when the first request had
 * ending_before, backward with ending_before = the first id (each page then walked
 * last-to-first, as stripe-java does).
 */
public final class Page<T> implements Iterable<T> {
  private final List<T> data;
  private final boolean hasMore;
  private final ApiResponse lastResponse;
  private final Map<String, Object> params;
  private final Function<Map<String, Object>, Page<T>> fetch;
  private final Function<T, String> idOf;

  Page(List<T> data, boolean hasMore, ApiResponse lastResponse, Map<String, Object> params,
      Function<Map<String, Object>, Page<T>> fetch, Function<T, String> idOf) {
    this.data = data == null ? Collections.emptyList() : Collections.unmodifiableList(data);
    this.hasMore = hasMore;
    this.lastResponse = lastResponse;
    this.params = params;
    this.fetch = fetch;
    this.idOf = idOf;
  }

  public List<T> data() { return data; }
  public boolean hasMore() { return hasMore; }
  public ApiResponse lastResponse() { return lastResponse; }

  @Override
  public Iterator<T> iterator() { return data.iterator(); }

  public Page<T> nextPage() {
    Map<String, Object> next = new LinkedHashMap<>(params);
    next.remove("ending_before");
    next.put("starting_after", idOf.apply(data.get(data.size() - 1)));
    return fetch.apply(next);
  }

  public Page<T> previousPage() {
    Map<String, Object> next = new LinkedHashMap<>(params);
    next.remove("starting_after");
    next.put("ending_before", idOf.apply(data.get(0)));
    return fetch.apply(next);
  }

  /** Every object of every page, fetched lazily. */
  public Iterable<T> autoPagingIterable() {
    boolean backward = params.containsKey("ending_before");
    return () -> new Iterator<T>() {
      private Page<T> page = Page.this;
      private List<T> items = order(page.data);
      private int i = 0;

      private List<T> order(List<T> d) {
        if (!backward) return d;
        List<T> r = new ArrayList<>(d);
        Collections.reverse(r);
        return r;
      }

      @Override
      public boolean hasNext() {
        while (i >= items.size()) {
          if (!page.hasMore || page.data.isEmpty()) return false;
          page = backward ? page.previousPage() : page.nextPage();
          items = order(page.data);
          i = 0;
        }
        return true;
      }

      @Override
      public T next() {
        if (!hasNext()) throw new NoSuchElementException();
        return items.get(i++);
      }
    };
  }
}
