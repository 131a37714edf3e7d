<?php

namespace Example\Tests;

use Example\Exception\AuthenticationException;
use Example\Exception\ConflictException;
use Example\Exception\InvalidRequestException;
use Example\Exception\NotFoundException;
use Example\Generated\Model\DeletedResource;
use Example\Generated\Model\Event;
use Example\Generated\Model\Resource;

/** The contract flow against the local cloud (SDK_API_URL). */
final class ContractTest extends TestCase
{
    public function testCreateRetrieveUpdateWithIfMatchDelete(): void
    {
        $client = self::client();
        $created = $client->resources->create([
            'name' => 'PHP SDK resource', 'type' => 'production',
            'configuration' => ['timeout_ms' => 10000], 'metadata' => ['team' => 'platform'],
        ]);
        $this->assertInstanceOf(Resource::class, $created);
        $this->assertMatchesRegularExpression('/^res_/', $created->getId());
        $this->assertSame(10000, $created->getConfiguration()->getTimeoutMs());
        $this->assertSame(['team' => 'platform'], $created->getMetadata());
        $this->assertMatchesRegularExpression('/^req_/', $created->getLastResponse()->requestId());
        $this->assertSame(201, $created->getLastResponse()->status);
        $this->assertFalse($created->getLastResponse()->idempotentReplayed());

        // provisioning changes the resource (and its ETag) until it is active: read it then
        $deadline = microtime(true) + 120;
        $got = $client->resources->retrieve($created->getId());
        while ($got->getStatus() !== 'active' && microtime(true) < $deadline) {
            usleep(200000);
            $got = $client->resources->retrieve($created->getId());
        }
        $this->assertSame('active', $got->getStatus());
        $this->assertSame($created->getId(), $got->getId());
        $this->assertSame('PHP SDK resource', $got->getName());
        $etag = $got->getLastResponse()->etag();
        $this->assertNotNull($etag);

        $updated = $client->resources->update($created->getId(), ['name' => 'Renamed by PHP'], ['if_match' => $etag]);
        $this->assertSame('Renamed by PHP', $updated->getName());

        try {
            $client->resources->update($created->getId(), ['name' => 'Lost update'], ['if_match' => $etag]);
            $this->fail('a stale If-Match must be refused');
        } catch (ConflictException $e) {
            $this->assertSame(412, $e->getHttpStatus());
            $this->assertSame('precondition_failed', $e->getErrorCode());
        }
        $this->assertSame('Renamed by PHP', $client->resources->retrieve($created->getId())->getName());

        $deleted = $client->resources->delete($created->getId());
        $this->assertInstanceOf(DeletedResource::class, $deleted);
        $this->assertTrue($deleted->getDeleted());

        try {
            $client->resources->retrieve($created->getId());
            $this->fail('a deleted resource must be gone');
        } catch (NotFoundException $e) {
            $this->assertSame(404, $e->getHttpStatus());
            $this->assertSame('resource_missing', $e->getErrorCode());
            $this->assertSame('id', $e->getParam());
            $this->assertMatchesRegularExpression('/^req_/', $e->getRequestId());
            $this->assertNotEmpty($e->getDocUrl());
        }
    }

    public function testIdempotentReplayAnswersTheSameObject(): void
    {
        $client = self::client();
        $key = 'php-replay-' . bin2hex(random_bytes(8));
        $first = $client->resources->create(['name' => 'Once only', 'type' => 'staging'], ['idempotency_key' => $key]);
        $this->assertFalse($first->getLastResponse()->idempotentReplayed());
        $second = $client->resources->create(['name' => 'Once only', 'type' => 'staging'], ['idempotency_key' => $key]);
        $this->assertTrue($second->getLastResponse()->idempotentReplayed());
        $this->assertFalse($first->getLastResponse()->idempotentReplayed(), 'each object keeps its own answer');
        $this->assertSame($first->getId(), $second->getId());
    }

    public function testInvalidParameterIsATypedError(): void
    {
        try {
            self::client()->resources->create(['name' => 'ab', 'type' => 'production']);
            $this->fail('a 2-character name must be refused');
        } catch (InvalidRequestException $e) {
            $this->assertSame(400, $e->getHttpStatus());
            $this->assertSame('invalid_request_error', $e->getErrorType());
            $this->assertSame('parameter_invalid', $e->getErrorCode());
            $this->assertSame('name', $e->getParam());
            $this->assertMatchesRegularExpression('/^req_/', $e->getRequestId());
        }
    }

    public function testBadKeyIsAnAuthenticationError(): void
    {
        $this->expectException(AuthenticationException::class);
        self::client(['api_key' => 'sk_test_not_a_real_key_000000000'])->resources->all();
    }

    public function testExpandAndApiVersionPinning(): void
    {
        $client = self::client(['api_version' => '2023-11-01']);
        $created = $client->resources->create(['name' => 'Pinned', 'type' => 'production']);
        $this->assertSame('2023-11-01', $created->getLastResponse()->headers['api-version']);
        $again = $client->resources->retrieve($created->getId(), [], ['api_version' => '2024-01-15']);
        $this->assertSame('2024-01-15', $again->getLastResponse()->headers['api-version']);
        $this->assertSame('2023-11-01', $created->getLastResponse()->headers['api-version']);
        $got = $client->resources->retrieve($created->getId(), ['expand' => ['metrics']]);
        $this->assertNotNull($got->getMetrics());
        $this->assertNull($client->resources->retrieve($created->getId())->getMetrics());
    }

    public function testWebhookEndpointsEventsAndDeliveries(): void
    {
        $client = self::client();
        $endpoint = $client->webhookEndpoints->create(['url' => self::env('SDK_STUB_URL') . '/php-receiver', 'enabled_events' => ['*']]);
        $this->assertStringStartsWith('whsec_', $endpoint->getSecret());
        $this->assertSame($endpoint->getId(), $client->webhookEndpoints->retrieve($endpoint->getId())->getId());
        $rotated = $client->webhookEndpoints->rotateSecret($endpoint->getId());
        $this->assertStringStartsWith('whsec_', $rotated->getSecret());
        $this->assertNotSame($endpoint->getSecret(), $rotated->getSecret());
        $updated = $client->webhookEndpoints->update($endpoint->getId(), ['description' => 'PHP SDK']);
        $this->assertSame('PHP SDK', $updated->getDescription());
        $listed = array_map(static function ($e) {
            return $e->getId();
        }, iterator_to_array($client->webhookEndpoints->all(['limit' => 100])->autoPagingIterator(), false));
        $this->assertContains($endpoint->getId(), $listed);

        // Events are written off the request path (the table's stream), which a busy
        // machine can leave minutes behind: any event of the account will do here (the
        // session's shared pagination set made the first ones).
        $event = null;
        $deadline = microtime(true) + 120;
        while ($event === null && microtime(true) < $deadline) {
            $event = $client->events->all(['limit' => 1])->data[0] ?? null;
            if ($event === null) {
                usleep(500000);
            }
        }
        $this->assertInstanceOf(Event::class, $event, 'an event is listed');
        $this->assertMatchesRegularExpression('/^evt_/', $event->getId());
        $this->assertMatchesRegularExpression('/^[a-z_]+\.[a-z_]+$/', $event->getType());
        $sameType = $client->events->all(['type' => $event->getType(), 'created' => ['lte' => $event->getCreated()], 'limit' => 1])->data;
        $this->assertSame($event->getType(), $sameType[0]->getType());
        $this->assertSame($event->getId(), $client->events->retrieve($event->getId())->getId());
        $this->assertIsArray($client->events->deliveries($event->getId())->data);
        $this->assertNotNull($client->events->resend($event->getId(), ['webhook_endpoint' => $endpoint->getId()]));
        $this->assertNotNull($client->webhookEndpoints->replay($endpoint->getId(), ['since' => time() - 60]));
        $this->assertTrue($client->webhookEndpoints->delete($endpoint->getId())->getDeleted());
    }

    /**
     * The session's shared pagination set (sdks/README.md): a created range holding exactly
     * SDK_PAGINATION_COUNT resources, with other resources of the account on both sides of it.
     * @return array{0: array{gte: int, lte: int}, 1: int}
     */
    private static function paginationSet(): array
    {
        $window = ['gte' => (int) self::env('SDK_PAGINATION_CREATED_GTE'), 'lte' => (int) self::env('SDK_PAGINATION_CREATED_LTE')];
        return [$window, (int) self::env('SDK_PAGINATION_COUNT')];
    }

    public function testAutoPaginationForwardAndBackwardOverMoreThan250(): void
    {
        $client = self::client();
        [$window, $count] = self::paginationSet();
        $this->assertGreaterThan(250, $count);
        $this->assertGreaterThan($count, $client->resources->all(['limit' => 1])->totalCount, 'the account holds resources outside the range');
        $filters = ['created' => $window, 'limit' => 100];

        $first = $client->resources->all($filters);
        $forward = [];
        foreach ($first->autoPagingIterator() as $resource) {
            $this->assertInstanceOf(Resource::class, $resource);
            $this->assertGreaterThanOrEqual($window['gte'], $resource->getCreated());
            $this->assertLessThanOrEqual($window['lte'], $resource->getCreated());
            $forward[] = $resource->getId();
        }
        $this->assertCount($count, $forward, 'every object of the set, and nothing else');
        $this->assertSame($forward, array_values(array_unique($forward)), 'no object twice');
        $newestFirst = $forward;
        rsort($newestFirst, SORT_STRING);
        $this->assertSame($newestFirst, $forward, 'newest first');
        // the same pages one by one: at least 3, each filtered (its total_count is the range's, not the account's)
        $pages = [$first];
        while ($pages[count($pages) - 1]->hasMore) {
            $pages[] = $pages[count($pages) - 1]->nextPage();
        }
        $this->assertGreaterThanOrEqual(3, count($pages));
        $this->assertSame(array_fill(0, count($pages), $count), array_map(static function ($p) {
            return $p->totalCount;
        }, $pages));
        $paged = [];
        foreach ($pages as $page) {
            foreach ($page->data as $resource) {
                $paged[] = $resource->getId();
            }
        }
        $this->assertSame($forward, $paged);

        $oldest = $forward[count($forward) - 1];
        $backward = [];
        foreach ($client->resources->all($filters + ['ending_before' => $oldest])->autoPagingIterator() as $resource) {
            $backward[] = $resource->getId();
        }
        $this->assertSame(array_reverse(array_slice($forward, 0, -1)), $backward);
    }
}
