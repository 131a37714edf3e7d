<?php

namespace Example;

/** The ApiObject implementation the returned models (Example\Model\*) share. */
trait LastResponse
{
    /** @var ?ApiResponse */
    private $lastResponse;

    public function getLastResponse(): ?ApiResponse
    {
        return $this->lastResponse;
    }

    public function setLastResponse(ApiResponse $response): void
    {
        $this->lastResponse = $response;
    }
}
