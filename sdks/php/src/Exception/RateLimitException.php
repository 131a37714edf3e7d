<?php

namespace Example\Exception;

/** rate_limit_error (429): retried automatically, honouring Retry-After. */
class RateLimitException extends ApiErrorException
{
}
