package com.example;

import com.example.service.BatchService;
import com.example.service.EventService;
import com.example.service.ResourceService;
import com.example.service.WebhookEndpointService;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The entry point:
 *
 * <pre>{@code
 * ExampleClient client = ExampleClient.builder().apiKey("sk_test_...").build();
 * Resource r = client.resources().create(Map.of("name", "My First Resource", "type", "production"));
 * }</pre>
 *
 * Options: apiKey (required), baseUrl, apiVersion (pins every call; else the account's),
 * maxRetries (default 2), timeout (default 80 s per attempt), maxRetryAfter (default 60 s: a
 * longer Retry-After raises at once), proxy (host and port, or a ProxySelector), httpClient
 * (your own java.net.http.HttpClient: proxy, TLS, executor, authenticator...). Every call
 * also takes {@link RequestOptions} for itself. Each returned object carries the answer it
 * came in: {@code resource.lastResponse().requestId()}.
 */
public final class ExampleClient {
  public static final String VERSION = "2.0.0";
  public static final String DEFAULT_BASE_URL = "https://api.example.com";

  static final class Config {
    String apiKey;
    String baseUrl = DEFAULT_BASE_URL;
    String apiVersion;
    int maxRetries = 2;
    Duration timeout = Duration.ofSeconds(80);
    double maxRetryAfter = Requestor.MAX_RETRY_AFTER;
    HttpClient httpClient;
    ProxySelector proxy;
  }

  private final Requestor requestor;
  private final ResourceService resources;
  private final BatchService batch;
  private final WebhookEndpointService webhookEndpoints;
  private final EventService events;

  private ExampleClient(Config config, Requestor.Sleeper sleeper) {
    this.requestor = new Requestor(config, sleeper);
    this.resources = new ResourceService(this);
    this.batch = new BatchService(this);
    this.webhookEndpoints = new WebhookEndpointService(this);
    this.events = new EventService(this);
  }

  public static Builder builder() { return new Builder(); }

  public ResourceService resources() { return resources; }
  public BatchService batch() { return batch; }
  public WebhookEndpointService webhookEndpoints() { return webhookEndpoints; }
  public EventService events() { return events; }

  /** The raw call under every service method (for an endpoint this SDK does not wrap yet). */
  public ApiResponse request(String method, String path, Object params, RequestOptions opts) {
    return requestor.request(method, path, params, opts);
  }

  public static final class Builder {
    private final Config config = new Config();
    private Requestor.Sleeper sleeper = seconds -> Thread.sleep(Math.round(seconds * 1000));

    public Builder apiKey(String v) { config.apiKey = v; return this; }
    public Builder baseUrl(String v) { config.baseUrl = v; return this; }
    public Builder apiVersion(String v) { config.apiVersion = v; return this; }
    public Builder maxRetries(int v) { config.maxRetries = v; return this; }
    public Builder timeout(Duration v) { config.timeout = v; return this; }
    /** The longest Retry-After waited (seconds); a longer one raises the error at once. */
    public Builder maxRetryAfter(double v) { config.maxRetryAfter = v; return this; }
    /** An HTTP proxy for every call. */
    public Builder proxy(String host, int port) { config.proxy = ProxySelector.of(new InetSocketAddress(host, port)); return this; }
    public Builder proxy(ProxySelector v) { config.proxy = v; return this; }
    /** Your own HttpClient (its proxy, TLS, connect timeout...): the SDK sends every call with it. */
    public Builder httpClient(HttpClient v) { config.httpClient = v; return this; }
    /** How to wait between attempts (tests record instead of sleeping). */
    public Builder sleeper(Requestor.Sleeper v) { sleeper = v; return this; }

    public ExampleClient build() {
      if (config.apiKey == null || config.apiKey.isEmpty()) {
        throw new IllegalArgumentException("apiKey is required (sk_test_... or sk_live_...)");
      }
      return new ExampleClient(config, sleeper);
    }
  }
}
