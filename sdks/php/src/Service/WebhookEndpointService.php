<?php

namespace Example\Service;

use Example\Collection;
use Example\Model\DeletedWebhookEndpoint;
use Example\Model\WebhookEndpoint;

/** /v1/webhook_endpoints, with secret rotation and replay of failed deliveries. */
final class WebhookEndpointService extends AbstractService
{
    /**
     * @param array<string, mixed> $params url, enabled_events, description, metadata
     * @param array<string, mixed> $opts
     * @return WebhookEndpoint with its secret (shown at creation and rotation only)
     */
    public function create(array $params, array $opts = [])
    {
        return $this->call('POST', '/v1/webhook_endpoints', 'WebhookEndpoint', $params, $opts);
    }

    /**
     * @param array<string, mixed> $opts
     * @return WebhookEndpoint
     */
    public function retrieve(string $id, array $opts = [])
    {
        return $this->call('GET', '/v1/webhook_endpoints/' . self::segment($id), 'WebhookEndpoint', [], $opts);
    }

    /**
     * @param array<string, mixed> $params url, enabled_events, description, metadata, status
     * @param array<string, mixed> $opts
     * @return WebhookEndpoint
     */
    public function update(string $id, array $params, array $opts = [])
    {
        return $this->call('PATCH', '/v1/webhook_endpoints/' . self::segment($id), 'WebhookEndpoint', $params, $opts);
    }

    /**
     * @param array<string, mixed> $opts
     * @return DeletedWebhookEndpoint
     */
    public function delete(string $id, array $opts = [])
    {
        return $this->call('DELETE', '/v1/webhook_endpoints/' . self::segment($id), 'DeletedWebhookEndpoint', [], $opts);
    }

    /**
     * @param array<string, mixed> $params limit, starting_after, ending_before
     * @param array<string, mixed> $opts
     */
    public function all(array $params = [], array $opts = []): Collection
    {
        return $this->page('/v1/webhook_endpoints', 'WebhookEndpointList', 'WebhookEndpoint', $params, $opts);
    }

    /**
     * A new secret; the old one keeps signing alongside it for the grace period.
     * @param array<string, mixed> $opts
     * @return WebhookEndpoint with the new secret
     */
    public function rotateSecret(string $id, array $opts = [])
    {
        $path = '/v1/webhook_endpoints/' . self::segment($id) . '/rotate_secret';
        return $this->call('POST', $path, 'WebhookEndpoint', [], $opts);
    }

    /**
     * Sends again the failed deliveries of events created at or after `since`.
     * @param array<string, mixed> $params since
     * @param array<string, mixed> $opts
     * @return \Example\Generated\Model\WebhookReplayResult
     */
    public function replay(string $id, array $params, array $opts = [])
    {
        $path = '/v1/webhook_endpoints/' . self::segment($id) . '/replay';
        return $this->call('POST', $path, 'WebhookReplayResult', $params, $opts);
    }
}
