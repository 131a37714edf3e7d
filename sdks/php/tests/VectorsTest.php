<?php

namespace Example\Tests;

use Example\Exception\SignatureVerificationException;
use Example\Webhook;

/** The shared webhook vectors (sdks/testdata/webhook-vectors.json): the same cases in every SDK. */
final class VectorsTest extends \PHPUnit\Framework\TestCase
{
    /** @return array<string, array{0: array<string, mixed>}> */
    public static function vectors(): array
    {
        $file = json_decode((string) file_get_contents(__DIR__ . '/../../testdata/webhook-vectors.json'), true);
        $out = [];
        foreach ($file['vectors'] as $v) {
            $out[$v['name']] = [$v];
        }
        return $out;
    }

    /**
     * @dataProvider vectors
     * @param array<string, mixed> $v
     */
    public function testVector(array $v): void
    {
        $verify = function () use ($v) {
            return Webhook::constructEvent($v['payload'], $v['headers'], $v['secrets'], $v['tolerance'], $v['now'], $v['allow_hex_only']);
        };
        if ($v['expect'] === 'accept') {
            $this->assertSame('resource.created', $verify()->getType());
        } else {
            $this->expectException(SignatureVerificationException::class);
            $verify();
        }
    }
}
