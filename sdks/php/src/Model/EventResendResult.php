<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated EventResendResult, with the HTTP answer it came in (getLastResponse()). */
class EventResendResult extends \Example\Generated\Model\EventResendResult implements ApiObject
{
    use LastResponse;
}
