<?php

namespace Example\Exception;

/** No HTTP answer (refused, reset, timed out) after every retry. */
class ApiConnectionException extends \Exception
{
}
