<?php

namespace Example\Exception;

/** resource_not_found (404). */
class NotFoundException extends ApiErrorException
{
}
