<?php

namespace Example\Exception;

/**
 * An error object answered by the API. One subclass per error `type`
 * (see ApiErrorException::factory); an unknown type gets this class itself,
 * so a newer server never breaks an older SDK.
 */
class ApiErrorException extends \Exception
{
    private const BY_TYPE = [
        'api_error' => ApiServerException::class,
        'authentication_error' => AuthenticationException::class,
        'conflict_error' => ConflictException::class,
        'idempotency_error' => IdempotencyException::class,
        'invalid_request_error' => InvalidRequestException::class,
        'permission_error' => PermissionException::class,
        'rate_limit_error' => RateLimitException::class,
        'resource_not_found' => NotFoundException::class,
        'timeout_error' => TimeoutException::class,
    ];

    /** @var int */
    private $httpStatus;
    /** @var array<string, string> lower-case header names */
    private $httpHeaders;
    /** @var array<string, mixed> the `error` member of the body */
    private $error;

    /**
     * @param array<string, mixed> $error
     * @param array<string, string> $headers
     */
    public function __construct(string $message, int $httpStatus, array $error, array $headers)
    {
        parent::__construct($message, $httpStatus);
        $this->httpStatus = $httpStatus;
        $this->error = $error;
        $this->httpHeaders = $headers;
    }

    /**
     * @param mixed $body the decoded JSON body (anything: a proxy may answer HTML)
     * @param array<string, string> $headers
     */
    public static function factory(int $status, $body, array $headers): self
    {
        $error = is_array($body) && isset($body['error']) && is_array($body['error']) ? $body['error'] : [];
        $type = isset($error['type']) && is_string($error['type']) ? $error['type'] : '';
        $class = self::BY_TYPE[$type] ?? self::class;
        $message = isset($error['message']) && is_string($error['message'])
            ? $error['message']
            : "HTTP $status with no error object";
        return new $class($message, $status, $error, $headers);
    }

    public function getHttpStatus(): int
    {
        return $this->httpStatus;
    }

    /** @return array<string, string> */
    public function getHttpHeaders(): array
    {
        return $this->httpHeaders;
    }

    /** The error object itself, as answered (unknown members kept). @return array<string, mixed> */
    public function getError(): array
    {
        return $this->error;
    }

    public function getErrorType(): ?string
    {
        return $this->error['type'] ?? null;
    }

    public function getErrorCode(): ?string
    {
        return $this->error['code'] ?? null;
    }

    public function getParam(): ?string
    {
        return $this->error['param'] ?? null;
    }

    public function getDocUrl(): ?string
    {
        return $this->error['doc_url'] ?? null;
    }

    /** From the error object, else from the Request-Id header. */
    public function getRequestId(): ?string
    {
        return $this->error['request_id'] ?? ($this->httpHeaders['request-id'] ?? null);
    }
}
