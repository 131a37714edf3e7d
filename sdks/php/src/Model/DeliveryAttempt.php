<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated DeliveryAttempt, with the HTTP answer it came in (getLastResponse()). */
class DeliveryAttempt extends \Example\Generated\Model\DeliveryAttempt implements ApiObject
{
    use LastResponse;
}
