<?php

namespace Example\Tests;

use Example\Exception\SignatureVerificationException;
use Example\Generated\Model\Event;
use Example\Generated\Model\Resource;
use Example\Webhook;

/** Webhook verification of a real signed delivery (SDK_WEBHOOK_FIXTURE). */
final class WebhookTest extends TestCase
{
    /** @var array{payload: string, headers: array<string, string>, secret: string, event_id: string, event_type: string} */
    private $fixture;
    /** @var int the delivery's own clock, so the fixture's age never matters */
    private $at;

    protected function setUp(): void
    {
        $this->fixture = json_decode((string) file_get_contents(self::env('SDK_WEBHOOK_FIXTURE')), true);
        $this->at = (int) $this->fixture['headers']['webhook-timestamp'] + 5;
    }

    public function testAValidDeliveryGivesATypedEvent(): void
    {
        $f = $this->fixture;
        $event = Webhook::constructEvent($f['payload'], $f['headers'], $f['secret'], 300, $this->at);
        $this->assertInstanceOf(Event::class, $event);
        $this->assertSame($f['event_id'], $event->getId());
        $this->assertSame($f['event_type'], $event->getType());
        $object = $event->getData()->getObject();
        if (strpos($f['event_type'], 'resource.') === 0) {
            $this->assertInstanceOf(Resource::class, $object, 'data.object is typed by its "object"');
            $this->assertMatchesRegularExpression('/^res_/', $object->getId());
        }
    }

    public function testHeaderNamesInAnyCaseAndTheRotationsTwoSecrets(): void
    {
        $f = $this->fixture;
        $headers = [];
        foreach ($f['headers'] as $name => $value) {
            $headers[ucwords($name, '-')] = $value;
        }
        $other = 'whsec_' . base64_encode(random_bytes(32));
        $event = Webhook::constructEvent($f['payload'], $headers, [$other, $f['secret']], 300, $this->at);
        $this->assertSame($f['event_id'], $event->getId());
    }

    public function testATamperedBodyFails(): void
    {
        $f = $this->fixture;
        $this->expectException(SignatureVerificationException::class);
        Webhook::constructEvent(str_replace($f['event_id'], 'evt_forged', $f['payload']) . ' ', $f['headers'], $f['secret'], 300, $this->at);
    }

    public function testAWrongSecretFails(): void
    {
        $f = $this->fixture;
        $this->expectException(SignatureVerificationException::class);
        Webhook::constructEvent($f['payload'], $f['headers'], 'whsec_' . base64_encode(random_bytes(32)), 300, $this->at);
    }

    public function testAnOldTimestampFails(): void
    {
        $f = $this->fixture;
        $this->expectException(SignatureVerificationException::class);
        $this->expectExceptionMessage('too old');
        Webhook::constructEvent($f['payload'], $f['headers'], $f['secret'], 300, $this->at + 300);
    }

    public function testAnOldTimestampFailsEvenWhenSignedAgainForIt(): void
    {
        $f = $this->fixture;
        $old = time() - 3600;
        $headers = $f['headers'];
        $headers['webhook-timestamp'] = (string) $old;
        $headers['webhook-signature'] = Webhook::sign($f['secret'], $headers['webhook-id'], $old, $f['payload']);
        Webhook::verify($f['payload'], $headers, $f['secret'], 4000); // signature itself is right
        $this->expectException(SignatureVerificationException::class);
        Webhook::verify($f['payload'], $headers, $f['secret']);
    }

    public function testTheSpecsHexSignature(): void
    {
        $f = $this->fixture;
        $this->assertArrayHasKey('resource-signature', $f['headers']);
        $this->assertTrue(Webhook::verifyHexSignature($f['payload'], $f['headers']['resource-signature'], $f['secret']));
        $this->assertFalse(Webhook::verifyHexSignature($f['payload'] . 'x', $f['headers']['resource-signature'], $f['secret']));
        $hexOnly = ['Resource-Signature' => $f['headers']['resource-signature']];
        $this->assertSame($f['event_id'], Webhook::constructEvent($f['payload'], $hexOnly, $f['secret'], 300, null, true)->getId());
        try {
            Webhook::constructEvent($f['payload'], $hexOnly, $f['secret']);
            $this->fail('a hex-only delivery (no timestamp) must be refused without the opt-in');
        } catch (SignatureVerificationException $e) {
            $this->assertStringContainsString('allowHexOnly', $e->getMessage());
        }
        $this->expectException(SignatureVerificationException::class);
        Webhook::constructEvent($f['payload'] . ' ', $hexOnly, $f['secret'], 300, null, true);
    }
}
