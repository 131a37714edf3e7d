<?php

namespace Example;

use Example\Exception\ApiConnectionException;
use Example\Exception\ApiErrorException;

/**
 * HTTP over curl with Stripe's retry rules.
 *
 * Retried: no answer at all (connection refused/reset/timeout), 409 idempotency_key_in_use,
 * 429 and every 5xx; never any other 4xx (400/401/404/412 would fail the same way again).
 * The wait is the answer's Retry-After; one longer than the client's max_retry_after
 * (default MAX_RETRY_AFTER s, e.g. a monthly quota) is not waited: the error is raised at
 * once. Without one: exponential backoff (0.5 s doubling, capped at 8 s) with jitter
 * (50-100 % of it).
 * Every POST/PATCH/DELETE carries an Idempotency-Key, the caller's or a fresh UUID,
 * and the same one on each attempt, so a retry can never apply a write twice.
 */
final class ApiRequestor
{
    public const INITIAL_DELAY = 0.5;
    public const MAX_DELAY = 8.0;
    public const MAX_RETRY_AFTER = 60.0;

    /** @var array{api_key: string, base_url: string, api_version: ?string, max_retries: int, timeout: float, max_retry_after: float} */
    private $config;
    /** @var HttpClient */
    private $http;
    /** @var callable(float): void */
    private $sleeper;

    /** @param array{api_key: string, base_url: string, api_version: ?string, max_retries: int, timeout: float, max_retry_after: float} $config */
    public function __construct(array $config, ?callable $sleeper = null, ?HttpClient $http = null)
    {
        $this->config = $config;
        $this->http = $http ?? new CurlClient();
        $this->sleeper = $sleeper ?? static function (float $seconds): void {
            usleep((int) round($seconds * 1e6));
        };
    }

    /**
     * @param array<string, mixed> $params query (GET) or JSON body (writes)
     * @param array<string, mixed> $opts api_key, idempotency_key, api_version, if_match, timeout, max_retries, headers
     * @throws ApiErrorException|ApiConnectionException
     */
    public function request(string $method, string $path, array $params = [], array $opts = []): ApiResponse
    {
        $method = strtoupper($method);
        $url = rtrim($this->config['base_url'], '/') . $path;
        $headers = [
            'Authorization' => 'Bearer ' . ($opts['api_key'] ?? $this->config['api_key']),
            'Accept' => 'application/json',
            'User-Agent' => 'example-php/' . Client::VERSION . ' php/' . PHP_VERSION,
        ];
        $version = $opts['api_version'] ?? $this->config['api_version'];
        if ($version !== null) {
            $headers['Api-Version'] = $version;
        }
        if (isset($opts['if_match'])) {
            $headers['If-Match'] = $opts['if_match'];
        }
        $body = null;
        if ($method === 'GET') {
            $query = self::encodeQuery($params);
            if ($query !== '') {
                $url .= (strpos($url, '?') === false ? '?' : '&') . $query;
            }
        } else {
            $headers['Idempotency-Key'] = $opts['idempotency_key'] ?? self::uuid4();
            if ($params !== []) {
                $headers['Content-Type'] = 'application/json';
                $body = json_encode(self::serialize($params), JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
            }
        }
        foreach ($opts['headers'] ?? [] as $name => $value) {
            $headers[$name] = $value;
        }
        $maxRetries = (int) ($opts['max_retries'] ?? $this->config['max_retries']);
        $timeout = (float) ($opts['timeout'] ?? $this->config['timeout']);

        for ($attempt = 1;; $attempt++) {
            [$status, $respHeaders, $respBody, $connError] = $this->http->send($method, $url, $headers, $body, $timeout);
            $retriesLeft = $attempt <= $maxRetries;
            if ($connError !== null) {
                if ($retriesLeft) {
                    ($this->sleeper)(self::backoff($attempt));
                    continue;
                }
                throw new ApiConnectionException("Could not reach the API ($method $path, $attempt attempts): $connError");
            }
            $response = new ApiResponse($status, $respHeaders, $respBody, $attempt);
            if ($status < 400) {
                return $response;
            }
            if ($retriesLeft && self::shouldRetry($response)) {
                $wait = self::retryDelay($attempt, $respHeaders['retry-after'] ?? null, $this->config['max_retry_after']);
                if ($wait !== null) {
                    ($this->sleeper)($wait);
                    continue;
                }
            }
            throw ApiErrorException::factory($status, $response->json, $respHeaders);
        }
    }

    public static function shouldRetry(ApiResponse $response): bool
    {
        if ($response->status === 409) {
            return (is_array($response->json) ? ($response->json['error']['code'] ?? null) : null)
                === 'idempotency_key_in_use';
        }
        return $response->status === 429 || $response->status >= 500;
    }

    /**
     * Seconds to wait before attempt $attempt + 1 of a retryable answer, or null: raise now
     * (its Retry-After is longer than $maxRetryAfter).
     */
    public static function retryDelay(int $attempt, ?string $retryAfter, float $maxRetryAfter = self::MAX_RETRY_AFTER): ?float
    {
        if ($retryAfter !== null && is_numeric(trim($retryAfter))) {
            $seconds = (float) trim($retryAfter);
            if ($seconds > $maxRetryAfter) {
                return null;
            }
            if ($seconds >= 0) {
                return $seconds;
            }
        }
        return self::backoff($attempt);
    }

    /** Exponential backoff with jitter: 0.5 s doubling per attempt, capped at 8 s, times 0.5-1. */
    public static function backoff(int $attempt): float
    {
        $base = min(self::INITIAL_DELAY * (2 ** ($attempt - 1)), self::MAX_DELAY);
        return $base * (0.5 + mt_rand() / mt_getrandmax() * 0.5);
    }

    /**
     * Stripe's bracket encoding: created[gte]=1, expand[]=metrics, metadata[k]=v.
     * @param array<string, mixed> $params
     */
    public static function encodeQuery(array $params, string $prefix = ''): string
    {
        $pairs = [];
        foreach ($params as $key => $value) {
            if ($value === null) {
                continue;
            }
            $name = $prefix === '' ? (string) $key : (array_is_list($params) ? $prefix . '[]' : $prefix . '[' . $key . ']');
            if ($value instanceof \JsonSerializable) {
                $value = self::serialize($value);
            }
            if (is_array($value)) {
                $nested = self::encodeQuery($value, $name);
                if ($nested !== '') {
                    $pairs[] = $nested;
                }
                continue;
            }
            if (is_bool($value)) {
                $value = $value ? 'true' : 'false';
            }
            $pairs[] = rawurlencode($name) . '=' . rawurlencode((string) $value);
        }
        return implode('&', $pairs);
    }

    /**
     * Plain arrays for json_encode: generated models (and nested ones) become their wire form.
     * @param mixed $value
     * @return mixed
     */
    public static function serialize($value)
    {
        if ($value instanceof Generated\Model\ModelInterface) {
            $value = Generated\ObjectSerializer::sanitizeForSerialization($value);
            $value = json_decode(json_encode($value, JSON_THROW_ON_ERROR), true);
        }
        if (is_array($value)) {
            return array_map([self::class, 'serialize'], $value);
        }
        return $value;
    }

    public static function uuid4(): string
    {
        $b = random_bytes(16);
        $b[6] = chr((ord($b[6]) & 0x0f) | 0x40);
        $b[8] = chr((ord($b[8]) & 0x3f) | 0x80);
        return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4));
    }
}
