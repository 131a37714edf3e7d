<?php

namespace Example\Tests;

use Example\Client;
use Example\Exception\ApiConnectionException;
use Example\Exception\ApiErrorException;
use Example\Exception\ApiServerException;
use Example\Exception\AuthenticationException;
use Example\Exception\ConflictException;
use Example\Exception\InvalidRequestException;
use Example\Exception\NotFoundException;

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
        $client = new Client(['api_key' => 'sk_test_stub', 'base_url' => $url, 'max_retries' => 3]);
        $started = microtime(true);
        $resource = $client->resources->create(['name' => 'Retried', 'type' => 'production']);
        $elapsed = microtime(true) - $started;

        $this->assertSame('res_0000000000000000000000st', $resource->getId());
        $this->assertSame(4, $client->getLastResponse()->attempts);
        $this->assertSame('req_final', $client->getLastResponse()->requestId());
        $this->assertGreaterThanOrEqual(0.95, $elapsed, 'Retry-After: 1 was waited');
        $this->assertLessThan(5.0, $elapsed);
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
        $requestor = self::client()->requestor();
        for ($attempt = 1; $attempt <= 8; $attempt++) {
            $base = min(0.5 * 2 ** ($attempt - 1), 8.0);
            $delay = $requestor->delay($attempt, null);
            $this->assertGreaterThanOrEqual($base / 2, $delay);
            $this->assertLessThanOrEqual($base, $delay);
        }
        $this->assertSame(2.0, $requestor->delay(1, '2'));
        $this->assertLessThanOrEqual(0.5, $requestor->delay(1, '3600'), 'a Retry-After above the cap falls back to backoff');
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
