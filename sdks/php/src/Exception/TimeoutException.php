<?php

namespace Example\Exception;

/** timeout_error (504): retried automatically with the same Idempotency-Key. */
class TimeoutException extends ApiErrorException
{
}
