<?php

namespace Example\Exception;

/** idempotency_error (400): an Idempotency-Key reused with other parameters. */
class IdempotencyException extends ApiErrorException
{
}
