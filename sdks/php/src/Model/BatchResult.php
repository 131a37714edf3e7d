<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated BatchResult, with the HTTP answer it came in (getLastResponse()). */
class BatchResult extends \Example\Generated\Model\BatchResult implements ApiObject
{
    use LastResponse;
}
