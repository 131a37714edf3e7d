<?php

namespace Example;

use Example\Service\BatchService;
use Example\Service\EventService;
use Example\Service\ResourceService;
use Example\Service\WebhookEndpointService;

/**
 * The entry point:
 *
 *     $client = new \Example\Client(['api_key' => 'sk_test_...']);
 *     $resource = $client->resources->create(['name' => 'My First Resource', 'type' => 'production']);
 *
 * Options: api_key (required), base_url, api_version (pins every call; else the
 * account's), max_retries (default 2), timeout (seconds per attempt, default 80),
 * max_retry_after (seconds, default 60: a longer Retry-After raises at once), proxy
 * ('http://host:port'), curl_options (CURLOPT_* => value), http_client (your own
 * Example\HttpClient). Every call also takes $opts for itself: api_key, api_version,
 * idempotency_key, timeout, max_retries, if_match. Each returned object carries the answer
 * it came in: $resource->getLastResponse()->requestId().
 */
final class Client
{
    public const VERSION = '2.0.0';
    public const DEFAULT_BASE_URL = 'https://api.example.com';

    /** @var ResourceService */
    public $resources;
    /** @var BatchService */
    public $batch;
    /** @var WebhookEndpointService */
    public $webhookEndpoints;
    /** @var EventService */
    public $events;

    /** @var ApiRequestor */
    private $requestor;
    /** @param string|array<string, mixed> $config an API key, or options */
    public function __construct($config, ?callable $sleeper = null)
    {
        if (is_string($config)) {
            $config = ['api_key' => $config];
        }
        if (!isset($config['api_key']) || !is_string($config['api_key']) || $config['api_key'] === '') {
            throw new \InvalidArgumentException('api_key is required (sk_test_... or sk_live_...)');
        }
        $this->requestor = new ApiRequestor([
            'api_key' => $config['api_key'],
            'base_url' => $config['base_url'] ?? self::DEFAULT_BASE_URL,
            'api_version' => $config['api_version'] ?? null,
            'max_retries' => (int) ($config['max_retries'] ?? 2),
            'timeout' => (float) ($config['timeout'] ?? 80),
            'max_retry_after' => (float) ($config['max_retry_after'] ?? ApiRequestor::MAX_RETRY_AFTER),
        ], $sleeper, $config['http_client'] ?? new CurlClient($config['proxy'] ?? null, $config['curl_options'] ?? []));
        $this->resources = new ResourceService($this);
        $this->batch = new BatchService($this);
        $this->webhookEndpoints = new WebhookEndpointService($this);
        $this->events = new EventService($this);
    }

    public function requestor(): ApiRequestor
    {
        return $this->requestor;
    }
}
