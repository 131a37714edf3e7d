<?php

namespace Example\Exception;

/** permission_error (403). */
class PermissionException extends ApiErrorException
{
}
