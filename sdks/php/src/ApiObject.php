<?php

namespace Example;

/**
 * An object a call returned, carrying the HTTP answer it came in: getLastResponse() gives
 * its status, headers, request id, ETag and whether it was an idempotent replay. It lives on
 * the object, not on the client, so one client's calls never overwrite each other's answer.
 */
interface ApiObject
{
    /** The answer this object came in (null for an object you built yourself). */
    public function getLastResponse(): ?ApiResponse;

    /** @internal set by the SDK when it reads an answer */
    public function setLastResponse(ApiResponse $response): void;
}
