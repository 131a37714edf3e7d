<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated Event, with the HTTP answer it came in (getLastResponse()). */
class Event extends \Example\Generated\Model\Event implements ApiObject
{
    use LastResponse;
}
