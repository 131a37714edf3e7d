<?php

namespace Example\Exception;

/** api_error (5xx): retried automatically. */
class ApiServerException extends ApiErrorException
{
}
