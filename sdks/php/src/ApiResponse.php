<?php

namespace Example;

/** One HTTP answer: status, lower-case headers, raw and decoded body. */
final class ApiResponse
{
    /** @var int */
    public $status;
    /** @var array<string, string> */
    public $headers;
    /** @var string */
    public $body;
    /** @var mixed */
    public $json;
    /** @var int how many attempts it took (1 = no retry) */
    public $attempts;

    /** @param array<string, string> $headers */
    public function __construct(int $status, array $headers, string $body, int $attempts)
    {
        $this->status = $status;
        $this->headers = $headers;
        $this->body = $body;
        $this->json = $body === '' ? null : json_decode($body, true);
        $this->attempts = $attempts;
    }

    public function requestId(): ?string
    {
        return $this->headers['request-id'] ?? null;
    }

    /** True when the API answered from an Idempotency-Key's stored result. */
    public function idempotentReplayed(): bool
    {
        return strtolower($this->headers['idempotent-replayed'] ?? '') === 'true';
    }

    public function etag(): ?string
    {
        return $this->headers['etag'] ?? null;
    }
}
