<?php

namespace Example\Exception;

/** conflict_error (409, 412): a key in use, a failed If-Match, a state that forbids the change. */
class ConflictException extends ApiErrorException
{
}
