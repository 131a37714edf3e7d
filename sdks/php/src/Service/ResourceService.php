<?php

namespace Example\Service;

use Example\Collection;
use Example\Model\DeletedResource;
use Example\Model\Resource;

/** /v1/resources. */
final class ResourceService extends AbstractService
{
    /**
     * @param array<string, mixed> $params name, type, configuration, metadata, expand
     * @param array<string, mixed> $opts
     * @return Resource
     */
    public function create(array $params, array $opts = [])
    {
        return $this->call('POST', '/v1/resources', 'Resource', $params, $opts);
    }

    /**
     * @param array<string, mixed> $params expand
     * @param array<string, mixed> $opts
     * @return Resource
     */
    public function retrieve(string $id, array $params = [], array $opts = [])
    {
        return $this->call('GET', '/v1/resources/' . self::segment($id), 'Resource', $params, $opts);
    }

    /**
     * @param array<string, mixed> $params name, configuration, metadata, status, expand
     * @param array<string, mixed> $opts if_match to update only the version you read
     * @return Resource
     */
    public function update(string $id, array $params, array $opts = [])
    {
        return $this->call('PATCH', '/v1/resources/' . self::segment($id), 'Resource', $params, $opts);
    }

    /**
     * @param array<string, mixed> $opts if_match
     * @return DeletedResource
     */
    public function delete(string $id, array $opts = [])
    {
        return $this->call('DELETE', '/v1/resources/' . self::segment($id), 'DeletedResource', [], $opts);
    }

    /**
     * @param array<string, mixed> $params limit, starting_after, ending_before, created[gt|gte|lt|lte], status, expand
     * @param array<string, mixed> $opts
     */
    public function all(array $params = [], array $opts = []): Collection
    {
        return $this->page('/v1/resources', 'ResourceList', 'Resource', $params, $opts);
    }
}
