<?php

namespace Example\Exception;

/** authentication_error (401): a missing, invalid or revoked key. */
class AuthenticationException extends ApiErrorException
{
}
