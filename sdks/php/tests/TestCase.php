<?php

namespace Example\Tests;

use Example\Client;

/** The contract's environment (sdks/php/test.sh gets it from tests/sdks/conftest.py). */
abstract class TestCase extends \PHPUnit\Framework\TestCase
{
    protected static function env(string $name): string
    {
        $value = getenv($name);
        if ($value === false || $value === '') {
            throw new \RuntimeException("$name is not set: run sdks/php/test.sh through tests/sdks/test_php.py");
        }
        return $value;
    }

    /** @param array<string, mixed> $options */
    protected static function client(array $options = []): Client
    {
        return new Client($options + ['api_key' => self::env('SDK_API_KEY'), 'base_url' => self::env('SDK_API_URL')]);
    }

    /**
     * A scripted stub: its base URL and the id to read its log with.
     * @param list<array<string, mixed>> $responses
     * @return array{0: string, 1: string}
     */
    protected static function stub(array $responses): array
    {
        $answer = self::postJson(self::env('SDK_STUB_URL') . '/_script', ['responses' => $responses]);
        return [$answer['base_url'], $answer['id']];
    }

    /** @return list<array<string, mixed>> */
    protected static function stubLog(string $id): array
    {
        $raw = file_get_contents(self::env('SDK_STUB_URL') . '/_log/' . $id);
        return json_decode((string) $raw, true)['requests'];
    }

    /**
     * @param array<string, mixed> $body
     * @return array<string, mixed>
     */
    private static function postJson(string $url, array $body): array
    {
        $context = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: application/json\r\n",
            'content' => json_encode($body),
        ]]);
        return json_decode((string) file_get_contents($url, false, $context), true);
    }

    /** @return array<string, mixed> */
    protected static function error(string $type, string $code, ?string $param = null): array
    {
        return ['error' => [
            'type' => $type, 'code' => $code, 'message' => "scripted $code", 'param' => $param,
            'doc_url' => "https://docs.example.com/errors.md#$code", 'request_id' => 'req_stub123',
        ]];
    }

    /** @return array<string, mixed> */
    protected static function resourceBody(string $id = 'res_0000000000000000000000st'): array
    {
        return [
            'id' => $id, 'object' => 'resource', 'created' => 1705320000, 'updated' => 1705320000,
            'livemode' => false, 'name' => 'Stubbed', 'type' => 'production', 'status' => 'active',
            'configuration' => ['timeout_ms' => 5000, 'retry_count' => 3, 'batch_size' => 100], 'metadata' => [],
        ];
    }
}
