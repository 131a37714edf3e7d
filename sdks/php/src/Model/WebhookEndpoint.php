<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated WebhookEndpoint, with the HTTP answer it came in (getLastResponse()). */
class WebhookEndpoint extends \Example\Generated\Model\WebhookEndpoint implements ApiObject
{
    use LastResponse;
}
