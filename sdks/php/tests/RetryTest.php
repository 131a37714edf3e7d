<?php

namespace Example\Tests;

use Example\ApiRequestor;
use Example\Client;
use Example\CurlClient;
use Example\HttpClient;
use Example\Exception\ApiConnectionException;
use Example\Exception\ApiErrorException;
use Example\Exception\ApiServerException;
use Example\Exception\AuthenticationException;
use Example\Exception\ConflictException;
use Example\Exception\InvalidRequestException;
use Example\Exception\NotFoundException;
use Example\Exception\RateLimitException;

/** Retries, against the scripted stub (SDK_STUB_URL). */
final class RetryTest extends TestCase
{
    public function testRetries409InUse429And503HonouringRetryAfterWithOneIdempotencyKey(): void
    {
        [$url, $id] = self::stub([
            ['status' => 409, 'body' => self::error('conflict_error', 'idempotency_key_in_use')],
            ['status' => 429, 'headers' => ['Retry-After' => '0'], 'body' => self::error('rate_limit_error', 'rate_limited')],
            ['status' => 503, 'headers' => ['Retry-After' => '1'], 'body' => self::error('api_error', 'service_unavailable')],
            ['status' => 201, 'headers' => ['Request-Id' => 'req_final'], 'body' => self::resourceBody()],
        ]);
        $slept = [];
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url, 'max_retries' => 3], self::recorder($slept));
        $resource = $client->resources->create(['name' => 'Retried', 'type' => 'production']);

        $this->assertSame('res_0000000000000000000000st', $resource->getId());
        $this->assertSame(4, $resource->getLastResponse()->attempts);
        $this->assertSame(201, $resource->getLastResponse()->status);
        $this->assertSame('req_final', $resource->getLastResponse()->requestId());
        $this->assertCount(3, $slept);
        $this->assertGreaterThanOrEqual(0.25, $slept[0], '409 in use: backoff with jitter');
        $this->assertLessThanOrEqual(0.5, $slept[0]);
        $this->assertSame([0.0, 1.0], [$slept[1], $slept[2]], 'Retry-After honoured');
        $log = self::stubLog($id);
        $this->assertCount(4, $log);
        $keys = array_unique(array_map(static function ($r) {
            return $r['headers']['idempotency-key'] ?? '';
        }, $log));
        $this->assertCount(1, $keys, 'one Idempotency-Key on every attempt');
        $this->assertNotSame('', $keys[0]);
        $this->assertSame(['name' => 'Retried', 'type' => 'production'], json_decode($log[3]['body'], true));
    }

    public function testACallersIdempotencyKeyWins(): void
    {
        [$url, $id] = self::stub([
            ['status' => 500, 'headers' => ['Retry-After' => '0'], 'body' => self::error('api_error', 'internal_error')],
            ['status' => 200, 'body' => self::resourceBody()],
        ]);
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url]);
        $client->resources->update('res_0000000000000000000000st', ['name' => 'Mine'], ['idempotency_key' => 'my-key-1']);
        $log = self::stubLog($id);
        $this->assertSame(['my-key-1', 'my-key-1'], array_map(static function ($r) {
            return $r['headers']['idempotency-key'];
        }, $log));
        $this->assertSame('PATCH', $log[0]['method']);
    }

    /** @return array<string, array{0: int, 1: array<string, mixed>, 2: class-string}> */
    public static function neverRetried(): array
    {
        return [
            '400' => [400, self::error('invalid_request_error', 'parameter_invalid', 'name'), InvalidRequestException::class],
            '401' => [401, self::error('authentication_error', 'api_key_invalid'), AuthenticationException::class],
            '404' => [404, self::error('resource_not_found', 'resource_missing', 'id'), NotFoundException::class],
            '409 other' => [409, self::error('conflict_error', 'resource_conflict'), ConflictException::class],
            '412' => [412, self::error('conflict_error', 'precondition_failed', 'If-Match'), ConflictException::class],
        ];
    }

    /**
     * @dataProvider neverRetried
     * @param array<string, mixed> $body
     * @param class-string $class
     */
    public function testNoRetryOnClientErrors(int $status, array $body, string $class): void
    {
        [$url, $id] = self::stub([
            ['status' => $status, 'headers' => ['Retry-After' => '0', 'Request-Id' => 'req_hdr'], 'body' => $body],
            ['status' => 200, 'body' => self::resourceBody()],
        ]);
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url, 'max_retries' => 3]);
        try {
            $client->resources->update('res_0000000000000000000000st', ['name' => 'Nope']);
            $this->fail("HTTP $status must raise");
        } catch (ApiErrorException $e) {
            $this->assertInstanceOf($class, $e);
            $this->assertSame($status, $e->getHttpStatus());
            $this->assertSame($body['error']['code'], $e->getErrorCode());
            $this->assertSame($body['error']['param'], $e->getParam());
            $this->assertSame('req_stub123', $e->getRequestId());
            $this->assertSame($body['error']['doc_url'], $e->getDocUrl());
        }
        $this->assertCount(1, self::stubLog($id));
    }

    public function testGivesUpAfterMaxRetries(): void
    {
        [$url, $id] = self::stub([['status' => 503, 'headers' => ['Retry-After' => '0'], 'body' => self::error('api_error', 'service_unavailable')]]);
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url, 'max_retries' => 2]);
        try {
            $client->resources->retrieve('res_0000000000000000000000st');
            $this->fail('503 for ever must raise');
        } catch (ApiServerException $e) {
            $this->assertSame(503, $e->getHttpStatus());
        }
        $this->assertCount(3, self::stubLog($id));
    }

    public function testConnectionErrorsAreRetriedThenRaised(): void
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket); // a port nobody listens on
        $slept = [];
        $client = new Client(['api_key' => 'sk_test_x', 'base_url' => "http://127.0.0.1:$port", 'max_retries' => 2], static function (float $s) use (&$slept): void {
            $slept[] = $s;
        });
        $this->expectException(ApiConnectionException::class);
        try {
            $client->resources->create(['name' => 'Unreachable', 'type' => 'production']);
        } finally {
            $this->assertCount(2, $slept);
            $this->assertGreaterThan(0, $slept[0]);
            $this->assertLessThanOrEqual(0.5, $slept[0]);
            $this->assertLessThanOrEqual(1.0, $slept[1]);
        }
    }

    public function testBackoffIsExponentialJitteredAndCapped(): void
    {
        for ($attempt = 1; $attempt <= 8; $attempt++) {
            $base = min(0.5 * 2 ** ($attempt - 1), 8.0);
            $delay = ApiRequestor::backoff($attempt);
            $this->assertGreaterThanOrEqual($base / 2, $delay);
            $this->assertLessThanOrEqual($base, $delay);
        }
        $this->assertSame(2.0, ApiRequestor::retryDelay(1, '2'));
        $this->assertNull(ApiRequestor::retryDelay(1, '3600'), 'a Retry-After above the cap: no retry');
        $fallback = ApiRequestor::retryDelay(2, 'Wed, 21 Oct 2015 07:28:00 GMT');
        $this->assertGreaterThanOrEqual(0.5, $fallback, 'an unreadable Retry-After: backoff');
        $this->assertLessThanOrEqual(1.0, $fallback);
    }

    /** @return array<string, array{0: int, 1: array<string, mixed>, 2: string, 3: ?float, 4: class-string}> */
    public static function tooLongRetryAfter(): array
    {
        return [
            'monthly quota' => [429, self::error('rate_limit_error', 'monthly_quota_exceeded'), '3600', null, RateLimitException::class],
            '503 above 60 s' => [503, self::error('api_error', 'service_unavailable'), '61', null, ApiServerException::class],
            'own maximum' => [429, self::error('rate_limit_error', 'rate_limited'), '6', 5.0, RateLimitException::class],
        ];
    }

    /**
     * @dataProvider tooLongRetryAfter
     * @param array<string, mixed> $body
     * @param class-string $class
     */
    public function testARetryAfterBeyondTheMaximumRaisesAtOnce(int $status, array $body, string $retryAfter, ?float $max, string $class): void
    {
        [$url, $id] = self::stub([
            ['status' => $status, 'headers' => ['Retry-After' => $retryAfter], 'body' => $body],
            ['status' => 200, 'body' => self::resourceBody()],
        ]);
        $slept = [];
        $config = ['api_key' => 'sk_test_stub', 'base_url' => $url, 'max_retries' => 3];
        if ($max !== null) {
            $config['max_retry_after'] = $max;
        }
        $client = new Client($config, self::recorder($slept));
        try {
            $client->resources->retrieve('res_0000000000000000000000st');
            $this->fail("Retry-After: $retryAfter must raise at once");
        } catch (ApiErrorException $e) {
            $this->assertInstanceOf($class, $e);
            $this->assertSame($status, $e->getHttpStatus());
        }
        $this->assertSame([], $slept, 'nothing waited');
        $this->assertCount(1, self::stubLog($id), 'not retried');
    }

    public function testARetryAfterWithinTheMaximumIsWaited(): void
    {
        [$url] = self::stub([
            ['status' => 429, 'headers' => ['Retry-After' => '5'], 'body' => self::error('rate_limit_error', 'rate_limited')],
            ['status' => 200, 'body' => self::resourceBody()],
        ]);
        $slept = [];
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url, 'max_retry_after' => 5], self::recorder($slept));
        $resource = $client->resources->retrieve('res_0000000000000000000000st');
        $this->assertSame([5.0], $slept);
        $this->assertSame(2, $resource->getLastResponse()->attempts);
    }

    public function testEveryCallTakesItsOwnOptions(): void
    {
        [$url, $id] = self::stub([['status' => 503, 'body' => self::error('api_error', 'service_unavailable')]]);
        $slept = [];
        $client = new Client(['api_key' => 'sk_test_client', 'base_url' => $url, 'max_retries' => 3, 'api_version' => '2023-09-15'], self::recorder($slept));
        $opts = ['api_key' => 'sk_test_per_call', 'api_version' => '2024-01-15', 'idempotency_key' => 'per-call-key', 'max_retries' => 1];
        $calls = [
            static function () use ($client, $opts) { $client->webhookEndpoints->update('we_x', ['description' => 'd'], $opts); },
            static function () use ($client, $opts) { $client->events->all(['limit' => 1], $opts); },
            static function () use ($client, $opts) { $client->resources->all([], $opts); },
        ];
        foreach ($calls as $call) {
            try {
                $call();
                $this->fail('503 for ever must raise');
            } catch (ApiServerException $e) {
                $this->assertSame(503, $e->getHttpStatus());
            }
        }
        $log = self::stubLog($id);
        $this->assertCount(6, $log, 'max_retries 1 per call: two attempts each');
        foreach ($log as $r) {
            $this->assertSame('Bearer sk_test_per_call', $r['headers']['authorization']);
            $this->assertSame('2024-01-15', $r['headers']['api-version']);
        }
        $this->assertSame('per-call-key', $log[0]['headers']['idempotency-key']);
        $this->assertSame('per-call-key', $log[1]['headers']['idempotency-key']);
    }

    public function testAPerCallTimeoutIsRetriedThenRaised(): void
    {
        $silent = stream_socket_server('tcp://127.0.0.1:0'); // the kernel accepts; nobody ever answers
        $port = (int) substr(strrchr(stream_socket_get_name($silent, false), ':'), 1);
        $slept = [];
        $client = new Client(['api_key' => 'sk_test_x', 'base_url' => "http://127.0.0.1:$port"], self::recorder($slept));
        try {
            $client->resources->retrieve('res_x', [], ['timeout' => 0.3, 'max_retries' => 1]);
            $this->fail('no answer must raise');
        } catch (ApiConnectionException $e) {
            $this->assertStringContainsString('2 attempts', $e->getMessage());
            $this->assertMatchesRegularExpression('/time/i', $e->getMessage());
        } finally {
            fclose($silent);
        }
        $this->assertCount(1, $slept, 'one retry after the first timeout');
    }

    public function testEachObjectKeepsItsOwnAnswerOnOneClient(): void
    {
        [$url] = self::stub([
            ['status' => 200, 'headers' => ['Request-Id' => 'req_a', 'ETag' => '"v1"'], 'body' => self::resourceBody()],
            ['status' => 200, 'headers' => ['Request-Id' => 'req_b', 'ETag' => '"v2"'], 'body' => self::resourceBody()],
            ['status' => 200, 'headers' => ['Request-Id' => 'req_list'], 'body' => ['object' => 'list', 'url' => '/v1/resources',
                'data' => [self::resourceBody()], 'has_more' => false]],
        ]);
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url, 'max_retries' => 0]);
        $first = $client->resources->retrieve('res_0000000000000000000000st');
        $second = $client->resources->retrieve('res_0000000000000000000000st');
        $page = $client->resources->all();
        $this->assertSame('req_a', $first->getLastResponse()->requestId());
        $this->assertSame('"v1"', $first->getLastResponse()->etag());
        $this->assertSame('req_b', $second->getLastResponse()->requestId());
        $this->assertSame('"v2"', $second->getLastResponse()->etag());
        $this->assertSame('req_list', $page->lastResponse->requestId());
        $this->assertSame('req_list', $page->data[0]->getLastResponse()->requestId());
        $this->assertSame('res_0000000000000000000000st', $page->data[0]->getId());
    }

    public function testAProxyOrOwnHttpClientCarriesEveryCall(): void
    {
        [, $id] = self::stub([['status' => 200, 'body' => self::resourceBody()]]);
        // a host that does not resolve: only the proxy (the stub, which reads the absolute URL it is sent) can answer
        $base = "http://api.example.invalid/s/$id";
        $proxied = new Client(['api_key' => 'sk_test_stub', 'base_url' => $base, 'max_retries' => 0, 'proxy' => self::env('SDK_STUB_URL')]);
        $this->assertSame('res_0000000000000000000000st', $proxied->resources->retrieve('res_0000000000000000000000st')->getId());
        $own = new class (self::env('SDK_STUB_URL')) implements HttpClient {
            /** @var list<string> */
            public $urls = [];
            /** @var CurlClient */
            private $curl;

            public function __construct(string $proxy)
            {
                $this->curl = new CurlClient($proxy);
            }

            public function send(string $method, string $url, array $headers, ?string $body, float $timeout): array
            {
                $this->urls[] = "$method $url";
                return $this->curl->send($method, $url, $headers, $body, $timeout);
            }
        };
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $base, 'max_retries' => 0, 'http_client' => $own]);
        $this->assertSame('res_0000000000000000000000st', $client->resources->retrieve('res_0000000000000000000000st')->getId());
        $this->assertSame(["GET $base/v1/resources/res_0000000000000000000000st"], $own->urls);
        $log = self::stubLog($id);
        $this->assertCount(2, $log);
        foreach ($log as $r) {
            $this->assertSame('/v1/resources/res_0000000000000000000000st', $r['path']);
        }
    }

    /**
     * A sleeper that records instead of sleeping.
     * @param list<float> $slept
     */
    private static function recorder(array &$slept): callable
    {
        return static function (float $s) use (&$slept): void {
            $slept[] = $s;
        };
    }

    public function testUnknownFieldsAndEnumValuesParseLeniently(): void
    {
        $body = self::resourceBody();
        $body['status'] = 'hibernating';
        $body['brand_new_field'] = ['nested' => true];
        [$url] = self::stub([['status' => 200, 'body' => $body]]);
        $resource = (new Client(['api_key' => 'sk_test_stub', 'base_url' => $url]))->resources->retrieve('res_0000000000000000000000st');
        $this->assertSame('hibernating', $resource->getStatus());
        $this->assertSame(['nested' => true], $resource['brand_new_field']);
    }

    public function testListFiltersAndExpandAreSentInBracketForm(): void
    {
        [$url, $id] = self::stub([['status' => 200, 'body' => ['object' => 'list', 'url' => '/v1/resources', 'data' => [], 'has_more' => false, 'total_count' => 0]]]);
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url, 'api_version' => '2023-09-15']);
        $client->resources->all(['created' => ['gte' => 10, 'lt' => 20], 'expand' => ['data.metrics'], 'status' => 'active']);
        $log = self::stubLog($id);
        $this->assertSame('/v1/resources', $log[0]['path']);
        $this->assertSame('created%5Bgte%5D=10&created%5Blt%5D=20&expand%5B%5D=data.metrics&status=active', $log[0]['query']);
        $this->assertSame('2023-09-15', $log[0]['headers']['api-version']);
        $this->assertSame('Bearer sk_test_stub', $log[0]['headers']['authorization']);
        $this->assertArrayNotHasKey('idempotency-key', $log[0]['headers'], 'a GET needs none');
    }
}
