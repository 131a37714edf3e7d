<?php

namespace Example\Service;

/** POST /v1/batch: up to 100 operations, each answered with its own status and body. */
final class BatchService extends AbstractService
{
    /**
     * @param array<string, mixed> $params operations (method, path, body), atomic
     * @param array<string, mixed> $opts
     * @return mixed the generated batch result model (results, summary)
     */
    public function create(array $params, array $opts = [])
    {
        return $this->call('POST', '/v1/batch', self::resultModel(), $params, $opts);
    }

    private static function resultModel(): string
    {
        foreach (['BatchResult', 'BatchResponse'] as $name) {
            if (class_exists('\\Example\\Generated\\Model\\' . $name)) {
                return $name;
            }
        }
        return 'AnyObject'; // a document without a typed batch result: plain arrays
    }
}
