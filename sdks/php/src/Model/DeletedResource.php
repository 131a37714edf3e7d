<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated DeletedResource, with the HTTP answer it came in (getLastResponse()). */
class DeletedResource extends \Example\Generated\Model\DeletedResource implements ApiObject
{
    use LastResponse;
}
