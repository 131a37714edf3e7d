<?php

namespace Example\Service;

use Example\ApiRequestor;
use Example\ApiResponse;
use Example\Client;
use Example\Collection;
use Example\Hydrator;

/**
 * What every service shares: one request, its answer hydrated into a generated model,
 * and the answer kept as the client's last response (Request-Id, Idempotent-Replayed).
 *
 * Every method takes $opts: idempotency_key (else one is generated per call and kept
 * across its retries), api_version (pins this call), if_match (PATCH/DELETE),
 * max_retries, headers.
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
        return Hydrator::hydrate($response->json, Hydrator::model($model));
    }

    /**
     * @param array<string, mixed> $params
     * @param array<string, mixed> $opts
     */
    protected function page(string $path, string $model, array $params, array $opts): Collection
    {
        $response = $this->send('GET', $path, $params, $opts);
        $fetch = function (array $next) use ($path, $model, $opts): Collection {
            return $this->page($path, $model, $next, $opts);
        };
        return new Collection(Hydrator::hydrate($response->json, Hydrator::model($model)), $response, $fetch, $params);
    }

    /**
     * @param array<string, mixed> $params
     * @param array<string, mixed> $opts
     */
    protected function send(string $method, string $path, array $params, array $opts): ApiResponse
    {
        $response = $this->client->requestor()->request($method, $path, $params, $opts);
        $this->client->setLastResponse($response);
        return $response;
    }

    protected static function segment(string $id): string
    {
        if ($id === '') {
            throw new \InvalidArgumentException('An id is required');
        }
        return rawurlencode($id);
    }
}
