<?php

namespace Example\Service;

use Example\Collection;
use Example\Model\Event;

/** /v1/events, their delivery attempts and resending. */
final class EventService extends AbstractService
{
    /**
     * @param array<string, mixed> $params limit, starting_after, ending_before, created, type
     * @param array<string, mixed> $opts
     */
    public function all(array $params = [], array $opts = []): Collection
    {
        return $this->page('/v1/events', 'EventList', 'Event', $params, $opts);
    }

    /**
     * @param array<string, mixed> $opts
     * @return Event
     */
    public function retrieve(string $id, array $opts = [])
    {
        return $this->call('GET', '/v1/events/' . self::segment($id), 'Event', [], $opts);
    }

    /**
     * @param array<string, mixed> $params webhook_endpoint (one; all subscribed ones if absent)
     * @param array<string, mixed> $opts
     * @return \Example\Generated\Model\EventResendResult
     */
    public function resend(string $id, array $params = [], array $opts = [])
    {
        return $this->call('POST', '/v1/events/' . self::segment($id) . '/resend', 'EventResendResult', $params, $opts);
    }

    /**
     * The delivery attempts of one event.
     * @param array<string, mixed> $params limit, starting_after, ending_before
     * @param array<string, mixed> $opts
     */
    public function deliveries(string $id, array $params = [], array $opts = []): Collection
    {
        return $this->page('/v1/events/' . self::segment($id) . '/deliveries', 'DeliveryAttemptList', 'DeliveryAttempt', $params, $opts);
    }
}
