<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated Resource, with the HTTP answer it came in (getLastResponse()). */
class Resource extends \Example\Generated\Model\Resource implements ApiObject
{
    use LastResponse;
}
