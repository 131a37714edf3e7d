<?php

namespace Example\Service;

/** POST /v1/batch: up to 100 operations, each answered with its own status and body. */
final class BatchService extends AbstractService
{
    /**
     * @param array<string, mixed> $params operations (method, path, body), atomic
     * @param array<string, mixed> $opts
     * @return \Example\Generated\Model\BatchResult results (status, body) in order, summary
     */
    public function create(array $params, array $opts = [])
    {
        return $this->call('POST', '/v1/batch', 'BatchResult', $params, $opts);
    }
}
