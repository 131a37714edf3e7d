<?php

namespace Example;

use Example\Exception\SignatureVerificationException;

/**
 * Verifies a webhook delivery and returns its typed event.
 *
 *     $event = \Example\Webhook::constructEvent($payload, getallheaders(), 'whsec_...');
 *
 * Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature "v1,<base64>")
 * is checked when its headers are there: HMAC-SHA256 keyed with the base64 part of the
 * secret over "{id}.{timestamp}.{payload}", timestamp within $tolerance seconds of now.
 * A delivery carrying only the spec's Resource-Signature (hex HMAC-SHA256 keyed with the
 * secret string over the payload) is refused unless $allowHexOnly is true: that scheme has
 * no timestamp, so a captured delivery could be replayed forever.
 * Pass both secrets as an array during a rotation's grace period. Comparisons are
 * constant-time (hash_equals). Use the raw body exactly as received.
 */
final class Webhook
{
    public const DEFAULT_TOLERANCE = 300;

    /**
     * @param array<string, string|string[]> $headers any case
     * @param string|string[] $secrets
     * @return \Example\Generated\Model\Event
     * @throws SignatureVerificationException
     */
    public static function constructEvent(string $payload, array $headers, $secrets, int $tolerance = self::DEFAULT_TOLERANCE, ?int $now = null, bool $allowHexOnly = false)
    {
        self::verify($payload, $headers, $secrets, $tolerance, $now, $allowHexOnly);
        $data = json_decode($payload, true);
        if (!is_array($data)) {
            throw new SignatureVerificationException('The payload is not a JSON object');
        }
        return Hydrator::hydrate($data, Hydrator::model('Event'));
    }

    /**
     * @param array<string, string|string[]> $headers
     * @param string|string[] $secrets
     * @throws SignatureVerificationException
     */
    public static function verify(string $payload, array $headers, $secrets, int $tolerance = self::DEFAULT_TOLERANCE, ?int $now = null, bool $allowHexOnly = false): void
    {
        $secrets = (array) $secrets;
        if ($secrets === []) {
            throw new SignatureVerificationException('No secret given');
        }
        $h = [];
        foreach ($headers as $name => $value) {
            $h[strtolower((string) $name)] = is_array($value) ? implode(' ', $value) : (string) $value;
        }
        if (isset($h['webhook-signature'])) {
            self::verifyStandard($payload, $h, $secrets, $tolerance, $now ?? time());
            return;
        }
        if (isset($h['resource-signature'])) {
            if (!$allowHexOnly) {
                throw new SignatureVerificationException(
                    'Only the hex Resource-Signature is present, which has no timestamp; pass $allowHexOnly = true to accept it'
                );
            }
            foreach ($secrets as $secret) {
                foreach (['resource-signature', 'resource-signature-previous'] as $name) {
                    if (isset($h[$name]) && self::verifyHexSignature($payload, $h[$name], $secret)) {
                        return;
                    }
                }
            }
            throw new SignatureVerificationException('No Resource-Signature matches');
        }
        throw new SignatureVerificationException('No webhook-signature or Resource-Signature header');
    }

    /** The spec's verifyWebhook: hex HMAC-SHA256 of the payload keyed with the secret string. */
    public static function verifyHexSignature(string $payload, string $signature, string $secret): bool
    {
        return hash_equals(hash_hmac('sha256', $payload, $secret), strtolower(trim($signature)));
    }

    /** The Standard Webhooks signature ("v1,<base64>") of one attempt. */
    public static function sign(string $secret, string $msgId, int $timestamp, string $payload): string
    {
        return 'v1,' . base64_encode(hash_hmac('sha256', "$msgId.$timestamp.$payload", self::key($secret), true));
    }

    /**
     * @param array<string, string> $h
     * @param string[] $secrets
     */
    private static function verifyStandard(string $payload, array $h, array $secrets, int $tolerance, int $now): void
    {
        $id = $h['webhook-id'] ?? '';
        $ts = $h['webhook-timestamp'] ?? '';
        if ($id === '' || !ctype_digit($ts)) {
            throw new SignatureVerificationException('Missing webhook-id or webhook-timestamp');
        }
        $timestamp = (int) $ts;
        if ($timestamp < $now - $tolerance) {
            throw new SignatureVerificationException('Timestamp too old');
        }
        if ($timestamp > $now + $tolerance) {
            throw new SignatureVerificationException('Timestamp too new');
        }
        $given = [];
        foreach (preg_split('/\s+/', trim($h['webhook-signature'])) ?: [] as $sig) {
            if (strncmp($sig, 'v1,', 3) === 0) {
                $given[] = $sig;
            }
        }
        foreach ($secrets as $secret) {
            $expected = self::sign($secret, $id, $timestamp, $payload);
            foreach ($given as $sig) {
                if (hash_equals($expected, $sig)) {
                    return;
                }
            }
        }
        throw new SignatureVerificationException('No signature matches the payload');
    }

    private static function key(string $secret): string
    {
        $raw = strncmp($secret, 'whsec_', 6) === 0 ? substr($secret, 6) : $secret;
        $key = base64_decode($raw, true);
        if ($key === false) {
            throw new SignatureVerificationException('The secret is not whsec_ + base64');
        }
        return $key;
    }
}
