<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated DeletedWebhookEndpoint, with the HTTP answer it came in (getLastResponse()). */
class DeletedWebhookEndpoint extends \Example\Generated\Model\DeletedWebhookEndpoint implements ApiObject
{
    use LastResponse;
}
