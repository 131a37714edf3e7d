<?php

namespace Example\Service;

use Example\ApiObject;
use Example\ApiResponse;
use Example\Client;
use Example\Collection;
use Example\Hydrator;

/**
 * What every service shares: one request, its answer hydrated into a model
 * (Example\Model\*) that carries the answer it came in (getLastResponse()).
 *
 * Every method takes $opts: api_key (this call's key), idempotency_key (else one is
 * generated per call and kept across its retries), api_version (pins this call),
 * timeout (seconds), max_retries, if_match (PATCH/DELETE), headers.
 */
abstract class AbstractService
{
    /** @var Client */
    protected $client;

    public function __construct(Client $client)
    {
        $this->client = $client;
    }

    /**
     * @param array<string, mixed> $params
     * @param array<string, mixed> $opts
     * @return mixed the model named $model, or the decoded JSON if it has no class
     */
    protected function call(string $method, string $path, string $model, array $params = [], array $opts = [])
    {
        $response = $this->send($method, $path, $params, $opts);
        $object = Hydrator::hydrate($response->json, Hydrator::model($model));
        if ($object instanceof ApiObject) {
            $object->setLastResponse($response);
        }
        return $object;
    }

    /**
     * @param array<string, mixed> $params
     * @param array<string, mixed> $opts
     */
    protected function page(string $path, string $model, string $item, array $params, array $opts): Collection
    {
        $response = $this->send('GET', $path, $params, $opts);
        $fetch = function (array $next) use ($path, $model, $item, $opts): Collection {
            return $this->page($path, $model, $item, $next, $opts);
        };
        $json = is_array($response->json) ? $response->json : [];
        $data = [];
        foreach (is_array($json['data'] ?? null) ? $json['data'] : [] as $one) {
            $object = Hydrator::hydrate($one, Hydrator::model($item));
            if ($object instanceof ApiObject) {
                $object->setLastResponse($response);
            }
            $data[] = $object;
        }
        return new Collection(Hydrator::hydrate($json, Hydrator::model($model)), $response, $fetch, $params, $data);
    }

    /**
     * @param array<string, mixed> $params
     * @param array<string, mixed> $opts
     */
    protected function send(string $method, string $path, array $params, array $opts): ApiResponse
    {
        return $this->client->requestor()->request($method, $path, $params, $opts);
    }

    protected static function segment(string $id): string
    {
        if ($id === '') {
            throw new \InvalidArgumentException('An id is required');
        }
        return rawurlencode($id);
    }
}
