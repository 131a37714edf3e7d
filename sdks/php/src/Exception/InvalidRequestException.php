<?php

namespace Example\Exception;

/** invalid_request_error (400, 404, 413, 415): fix the request; see getParam(). */
class InvalidRequestException extends ApiErrorException
{
}
