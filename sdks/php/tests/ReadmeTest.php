<?php

namespace Example\Tests;

/**
 * The README's examples, run as written: every ```php block of sdks/php/README.md, in order,
 * as one program run by `php` from the repository's root against the session's local cloud.
 * Only the host, the key and the webhook secret change (and the spec's idempotency key gets a
 * suffix: the SDKs share one account in these tests); the webhook block gets a delivery signed
 * moments ago as $payload and $headers (what a web server would hand it).
 */
final class ReadmeTest extends TestCase
{
    /** @return list<string> */
    private static function blocks(): array
    {
        $readme = (string) file_get_contents(dirname(__DIR__) . '/README.md');
        preg_match_all('/^```php\n(.*?)^```/sm', $readme, $m);
        return $m[1];
    }

    public function testTheExamplesRunAgainstTheLocalCloud(): void
    {
        $blocks = self::blocks();
        $this->assertGreaterThanOrEqual(8, count($blocks));
        $fixture = json_decode((string) file_get_contents(self::env('SDK_WEBHOOK_FIXTURE')), true);
        $secret = $fixture['secret'];
        $code = strtr(implode("\n", $blocks), [
            "'sk_test_...'" => var_export(self::env('SDK_API_KEY'), true),
            "'http://127.0.0.1:8000'" => var_export(self::env('SDK_API_URL'), true),
            "'whsec_...'" => var_export($secret, true),
            "'order_12345_create_resource'" => var_export('order_12345_create_resource_php_' . bin2hex(random_bytes(6)), true),
        ]);

        // a delivery signed now (the fixture may be older than the 5-minute tolerance)
        $headers = $fixture['headers'];
        $stamp = time();
        $key = base64_decode(substr($secret, strlen('whsec_')), true);
        $headers['webhook-timestamp'] = (string) $stamp;
        $headers['webhook-signature'] = 'v1,' . base64_encode(hash_hmac('sha256', "{$headers['webhook-id']}.$stamp.{$fixture['payload']}", $key, true));
        $prelude = '$payload = ' . var_export($fixture['payload'], true) . ";\n" . '$headers = ' . var_export($headers, true) . ";\n";
        // what the run must have done, checked in the program itself (an early exit prints nothing)
        $epilogue = <<<'PHP'

$result = ['deleted' => $deleted->getDeleted(), 'updated' => $updated->getName(), 'event' => $event->getId()];
try {
    $client->resources->retrieve($resource->getId());
    $result['gone'] = false;
} catch (\Example\Exception\NotFoundException $e) {
    $result['gone'] = true;
}
echo "\nREADME-RESULT " . json_encode($result) . "\n";
PHP;
        $file = tempnam(sys_get_temp_dir(), 'php-readme') . '.php';
        file_put_contents($file, "<?php\n" . $prelude . $code . $epilogue);
        $root = dirname(__DIR__, 3);
        $cmd = 'cd ' . escapeshellarg($root) . ' && php ' . escapeshellarg($file) . ' 2>&1';
        exec($cmd, $out, $rc);
        unlink($file);
        $output = implode("\n", $out);
        $this->assertSame(0, $rc, $output);
        $this->assertSame(1, preg_match('/^README-RESULT (.*)$/m', $output, $m), $output);
        $this->assertSame(
            ['deleted' => true, 'updated' => 'Updated Resource Name', 'event' => $fixture['event_id'], 'gone' => true],
            json_decode($m[1], true),
            $output
        );
    }
}
