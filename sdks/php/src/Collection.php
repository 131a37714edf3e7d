<?php

namespace Example;

/**
 * One page of a list, and the way to every page after it.
 *
 * autoPagingIterator() yields every object of every page, fetching the next page
 * on demand with the same filters: forward with starting_after = the last id, or,
 * when the first request had ending_before, backward with ending_before = the first
 * id (each page then yielded last-to-first, as stripe-php does).
 *
 * @implements \IteratorAggregate<int, mixed>
 */
final class Collection implements \IteratorAggregate, \Countable
{
    /** @var list<mixed> */
    public $data;
    /** @var bool */
    public $hasMore;
    /** @var ?int */
    public $totalCount;
    /** @var mixed the generated list model (ResourceList, EventList, ...) */
    public $page;
    /** @var ApiResponse */
    public $lastResponse;
    /** @var callable(array<string, mixed>): Collection */
    private $fetch;
    /** @var array<string, mixed> */
    private $params;

    /**
     * @param mixed $page
     * @param callable(array<string, mixed>): Collection $fetch
     * @param array<string, mixed> $params
     * @param ?list<mixed> $data the page's objects (each with the page's answer), else the list model's
     */
    public function __construct($page, ApiResponse $response, callable $fetch, array $params, ?array $data = null)
    {
        $json = is_array($response->json) ? $response->json : [];
        $this->page = $page;
        $this->data = $data ?? (is_object($page) && method_exists($page, 'getData') ? ($page->getData() ?? []) : []);
        $this->hasMore = (bool) ($json['has_more'] ?? false);
        $this->totalCount = isset($json['total_count']) ? (int) $json['total_count'] : null;
        $this->lastResponse = $response;
        $this->fetch = $fetch;
        $this->params = $params;
    }

    /** This page only. */
    public function getIterator(): \Iterator
    {
        return new \ArrayIterator($this->data);
    }

    public function count(): int
    {
        return count($this->data);
    }

    /** @return \Generator<int, mixed> */
    public function autoPagingIterator(): \Generator
    {
        $backward = isset($this->params['ending_before']);
        $page = $this;
        while (true) {
            $items = $backward ? array_reverse($page->data) : $page->data;
            foreach ($items as $item) {
                yield $item;
            }
            if (!$page->hasMore || $page->data === []) {
                return;
            }
            $page = $backward ? $page->previousPage() : $page->nextPage();
        }
    }

    public function nextPage(): Collection
    {
        $params = $this->params;
        unset($params['ending_before']);
        $params['starting_after'] = self::idOf($this->data[count($this->data) - 1]);
        return ($this->fetch)($params);
    }

    public function previousPage(): Collection
    {
        $params = $this->params;
        unset($params['starting_after']);
        $params['ending_before'] = self::idOf($this->data[0]);
        return ($this->fetch)($params);
    }

    /** @param mixed $item */
    private static function idOf($item): string
    {
        return is_array($item) || $item instanceof \ArrayAccess ? (string) $item['id'] : (string) $item->getId();
    }
}
