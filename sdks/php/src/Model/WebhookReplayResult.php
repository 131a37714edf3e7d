<?php

namespace Example\Model;

use Example\ApiObject;
use Example\LastResponse;

/** The generated WebhookReplayResult, with the HTTP answer it came in (getLastResponse()). */
class WebhookReplayResult extends \Example\Generated\Model\WebhookReplayResult implements ApiObject
{
    use LastResponse;
}
