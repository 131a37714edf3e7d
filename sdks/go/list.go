package example

import (
	"context"
	"net/url"
	"strconv"
)

// ListParams are the cursor parameters every list takes.
type ListParams struct {
	// Limit is the page size (1-100; the API's default is 20). Auto-pagination
	// fetches pages of this size until the list ends.
	Limit int
	// StartingAfter pages forward (older objects) from this id.
	StartingAfter string
	// EndingBefore pages backward (newer objects) from this id; auto-pagination then
	// walks towards the newest, yielding each page oldest first.
	EndingBefore string
	// Created filters by creation time (Unix seconds); nil = no filter.
	Created *RangeFilter
}

// RangeFilter is the created[gt|gte|lt|lte] filter; nil fields are left out.
type RangeFilter struct {
	Gt, Gte, Lt, Lte *int64
}

func (p *ListParams) query() url.Values {
	q := url.Values{}
	if p == nil {
		return q
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	if p.EndingBefore != "" {
		q.Set("ending_before", p.EndingBefore)
	}
	if f := p.Created; f != nil {
		for name, v := range map[string]*int64{"gt": f.Gt, "gte": f.Gte, "lt": f.Lt, "lte": f.Lte} {
			if v != nil {
				q.Set("created["+name+"]", strconv.FormatInt(*v, 10))
			}
		}
	}
	return q
}

type listPage[E any] struct {
	Data       []E    `json:"data"`
	HasMore    bool   `json:"has_more"`
	TotalCount *int64 `json:"total_count"`
	URL        string `json:"url"`
}

// Iter walks a list across pages, carrying the filters:
//
//	it := client.Resources.List(ctx, &example.ResourceListParams{...})
//	for it.Next() { r := it.Current() ... }
//	if err := it.Err(); err != nil { ... }
type Iter[T any] struct {
	ctx      context.Context
	client   *Client
	path     string
	query    url.Values
	backward bool
	opts     []RequestOption
	fetch    func(body []byte) ([]T, bool, *int64, error)
	id       func(T) string

	page    []T
	idx     int
	cursor  string // next page's cursor (an id of the page just read)
	hasMore bool
	started bool
	cur     T
	err     error

	// LastResponse is the answer of the page fetched last.
	LastResponse *Response
	// TotalCount is the list's total_count when the API sent one.
	TotalCount *int64
}

// Next advances to the next object, fetching the next page when needed; false at the
// end of the list or on an error (see Err).
func (it *Iter[T]) Next() bool {
	for {
		if it.err != nil {
			return false
		}
		if it.idx < len(it.page) {
			it.cur = it.page[it.idx]
			it.idx++
			return true
		}
		if it.started && (!it.hasMore || it.cursor == "") {
			return false
		}
		it.fetchPage()
	}
}

// Current is the object Next moved to.
func (it *Iter[T]) Current() T { return it.cur }

// Err is the error that stopped the iteration, if any.
func (it *Iter[T]) Err() error { return it.err }

func (it *Iter[T]) fetchPage() {
	q := url.Values{}
	for k, v := range it.query {
		q[k] = v
	}
	if it.started {
		if it.backward {
			q.Del("starting_after")
			q.Set("ending_before", it.cursor)
		} else {
			q.Del("ending_before")
			q.Set("starting_after", it.cursor)
		}
	}
	it.started = true
	r, err := it.client.call(it.ctx, "GET", it.path, q, nil, nil, it.opts)
	it.LastResponse = r
	if err != nil {
		it.err = err
		return
	}
	data, more, total, err := it.fetch(r.Body)
	if err != nil {
		it.err = err
		return
	}
	it.hasMore, it.TotalCount, it.idx = more, total, 0
	it.cursor = ""
	if len(data) > 0 {
		if it.backward {
			// the page is newest first; walking backward we go on from its newest
			// object and hand the page out oldest first, away from the cursor
			it.cursor = it.id(data[0])
			for i, j := 0, len(data)-1; i < j; i, j = i+1, j-1 {
				data[i], data[j] = data[j], data[i]
			}
		} else {
			it.cursor = it.id(data[len(data)-1])
		}
	}
	it.page = data
}
