<?php

namespace Example;

/**
 * How the SDK sends one attempt: your own (a proxy, a recorder, another transport) through
 * the client's `http_client` option; CurlClient by default. The retries, idempotency keys
 * and errors stay the SDK's.
 */
interface HttpClient
{
    /**
     * @param array<string, string> $headers
     * @return array{0: int, 1: array<string, string>, 2: string, 3: ?string} status, lower-case
     *   headers, body, and a message when no answer came at all (refused, reset, timed out):
     *   such an attempt is retried like any connection error
     */
    public function send(string $method, string $url, array $headers, ?string $body, float $timeout): array;
}
