// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the PFN store (pages_pfns.c): how runs are encoded per
 * chunk, join across chunks, split when a different run lands in a chunk,
 * and come out the same whatever order pieces are recorded in.  Made-up
 * PFNs: the store never touches the pages.
 */
#include <kunit/test.h>

#include "pages_pfns.h"

#define CHUNK UPAGES_CHUNK_PAGES

/* What a walk returned: at most this many runs are kept */
#define MAX_RUNS 8

struct pfns_run {
	unsigned long first;
	unsigned long npages;
	unsigned long pfn;
};

struct pfns_walked {
	struct pfns_run run[MAX_RUNS];
	unsigned int nr;
	int error;
};

static void pfns_exit(struct upages_pfns *pfns)
{
	unsigned long index;

	for (index = 0; index < pfns->npages;
	     index = upages_pfns_chunk_last(pfns, index) + 1)
		upages_pfns_forget_chunk(pfns, index);
}

/* Record @npages from @first at @pfn, cut at chunk boundaries */
static void pfns_record(struct kunit *test, struct upages_pfns *pfns,
			unsigned long first, unsigned long npages,
			unsigned long pfn)
{
	struct upages_pfns_ref ref;
	unsigned long done = 0;

	upages_pfns_ref_init(&ref);
	while (done != npages) {
		unsigned long index = first + done;
		unsigned long n = min(npages - done,
				      upages_pfns_chunk_last(pfns, index) -
				      index + 1);

		KUNIT_ASSERT_EQ(test, 0, upages_pfns_record(pfns, &ref, index,
							    n, pfn + done));
		done += n;
	}
}

/* The maximal runs of [first, last] as readers join them, piece by piece */
static void pfns_walk(struct kunit *test, struct upages_pfns *pfns,
		      unsigned long first, unsigned long last,
		      struct pfns_walked *out)
{
	unsigned long index, n, i, pfn, p;
	struct pfns_run *cur = NULL;
	const unsigned long *slots;
	struct upages_pfns_ref ref;

	out->nr = 0;
	out->error = 0;
	upages_pfns_ref_init(&ref);
	for (index = first; index <= last; index += n) {
		n = upages_pfns_piece(pfns, &ref, index, last, &pfn, &slots);
		if (!n) {
			out->error = -EINVAL;
			return;
		}
		for (i = 0; i != n; i++) {
			p = slots ? slots[i] : pfn + i;
			if (cur && p == cur->pfn + cur->npages) {
				cur->npages++;
				continue;
			}
			KUNIT_ASSERT_LT(test, out->nr, MAX_RUNS);
			cur = &out->run[out->nr++];
			*cur = (struct pfns_run){
				.first = index + i, .npages = 1, .pfn = p,
			};
		}
	}
}

static void pfns_expect_run(struct kunit *test, struct pfns_walked *w,
			    unsigned int i, unsigned long first,
			    unsigned long npages, unsigned long pfn)
{
	KUNIT_ASSERT_LT(test, i, w->nr);
	KUNIT_EXPECT_EQ(test, w->run[i].first, first);
	KUNIT_EXPECT_EQ(test, w->run[i].npages, npages);
	KUNIT_EXPECT_EQ(test, w->run[i].pfn, pfn);
}

static bool pfns_chunk_is_run(struct upages_pfns *pfns, unsigned long c)
{
	return xa_is_value(xa_load(&pfns->xa, c));
}

/* Chunks follow user addresses: the first and last may be partial */
static void pfns_chunk_boundaries(struct kunit *test)
{
	struct upages_pfns pfns;

	/* Page index 0 is the 5th page of its chunk; 2 chunks and 10 pages */
	upages_pfns_init(&pfns, 5, 2 * CHUNK + 10);
	KUNIT_EXPECT_EQ(test, upages_pfns_chunk_first(&pfns, 0), 0);
	KUNIT_EXPECT_EQ(test, upages_pfns_chunk_last(&pfns, 0), CHUNK - 6);
	KUNIT_EXPECT_EQ(test, upages_pfns_chunk_first(&pfns, CHUNK - 5),
			CHUNK - 5);
	KUNIT_EXPECT_EQ(test, upages_pfns_chunk_last(&pfns, CHUNK - 5),
			2 * CHUNK - 6);
	KUNIT_EXPECT_EQ(test, upages_pfns_chunk_first(&pfns, 2 * CHUNK - 5),
			2 * CHUNK - 5);
	/* The last chunk ends with the object */
	KUNIT_EXPECT_EQ(test, upages_pfns_chunk_last(&pfns, 2 * CHUNK - 5),
			2 * CHUNK + 9);
	KUNIT_EXPECT_EQ(test, upages_pfns_slot_of(&pfns, 0), 5);
	KUNIT_EXPECT_EQ(test, upages_pfns_slot_of(&pfns, CHUNK - 5), 0);
	/* Only the head's position in a chunk counts */
	upages_pfns_init(&pfns, 7 * CHUNK + 5, 2 * CHUNK + 10);
	KUNIT_EXPECT_EQ(test, pfns.head, 5);
	xa_destroy(&pfns.xa);
}

/* One physically contiguous stretch: one value per chunk, one run */
static void pfns_runs_join_across_chunks(struct kunit *test)
{
	struct upages_pfns pfns;
	struct pfns_walked w;

	upages_pfns_init(&pfns, 5, 3 * CHUNK);
	pfns_record(test, &pfns, 0, 3 * CHUNK, 0x100000);
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 0));
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 1));
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 3));
	pfns_walk(test, &pfns, 0, 3 * CHUNK - 1, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 1);
	pfns_expect_run(test, &w, 0, 0, 3 * CHUNK, 0x100000);
	/* Any window of it is one run too */
	pfns_walk(test, &pfns, 7, 2 * CHUNK + 3, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 1);
	pfns_expect_run(test, &w, 0, 7, 2 * CHUNK - 3, 0x100007);
	KUNIT_EXPECT_EQ(test, w.error, 0);
	pfns_exit(&pfns);
	KUNIT_EXPECT_TRUE(test, xa_empty(&pfns.xa));
}

/* Stretches that do not continue each other stay apart at the boundary */
static void pfns_runs_stop_at_discontinuity(struct kunit *test)
{
	struct upages_pfns pfns;
	struct pfns_walked w;

	upages_pfns_init(&pfns, 0, 2 * CHUNK);
	pfns_record(test, &pfns, 0, CHUNK, 0x200000);
	pfns_record(test, &pfns, CHUNK, CHUNK, 0x300000);
	pfns_walk(test, &pfns, 0, 2 * CHUNK - 1, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 2);
	pfns_expect_run(test, &w, 0, 0, CHUNK, 0x200000);
	pfns_expect_run(test, &w, 1, CHUNK, CHUNK, 0x300000);
	pfns_exit(&pfns);
}

/*
 * A piece that continues the chunk's run leaves it one value; a different
 * one turns the chunk into an array, and the walk splits the run there.
 */
static void pfns_run_splits(struct kunit *test)
{
	struct upages_pfns pfns;
	struct pfns_walked w;

	upages_pfns_init(&pfns, 0, CHUNK);
	pfns_record(test, &pfns, 0, 10, 0x400000);
	pfns_record(test, &pfns, 10, CHUNK - 10, 0x40000a);
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 0));

	pfns_record(test, &pfns, 20, 10, 0x500000);
	KUNIT_EXPECT_FALSE(test, pfns_chunk_is_run(&pfns, 0));
	pfns_walk(test, &pfns, 0, CHUNK - 1, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 3);
	pfns_expect_run(test, &w, 0, 0, 20, 0x400000);
	pfns_expect_run(test, &w, 1, 20, 10, 0x500000);
	pfns_expect_run(test, &w, 2, 30, CHUNK - 30, 0x40001e);

	/* Rewriting the whole chunk makes it one value again */
	pfns_record(test, &pfns, 0, CHUNK, 0x600000);
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 0));
	pfns_walk(test, &pfns, 0, CHUNK - 1, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 1);
	pfns_expect_run(test, &w, 0, 0, CHUNK, 0x600000);
	pfns_exit(&pfns);
}

/* An array chunk joins the runs of its neighbours where they continue */
static void pfns_array_joins_neighbours(struct kunit *test)
{
	struct upages_pfns pfns;
	struct pfns_walked w;

	upages_pfns_init(&pfns, 0, 3 * CHUNK);
	pfns_record(test, &pfns, 0, 3 * CHUNK, 0x700000);
	/* Chunk 1 becomes an array, its ends still continuing the run */
	pfns_record(test, &pfns, CHUNK + 100, 1, 0x800000);
	KUNIT_EXPECT_FALSE(test, pfns_chunk_is_run(&pfns, 1));
	pfns_walk(test, &pfns, 0, 3 * CHUNK - 1, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 3);
	pfns_expect_run(test, &w, 0, 0, CHUNK + 100, 0x700000);
	pfns_expect_run(test, &w, 1, CHUNK + 100, 1, 0x800000);
	pfns_expect_run(test, &w, 2, CHUNK + 101, 2 * CHUNK - 101,
			0x700000 + CHUNK + 101);
	pfns_exit(&pfns);
}

/*
 * PFNs written through upages_pfns_slots() into a chunk that had nothing,
 * and into one that was a run: the other pages keep what they had, and
 * slots that continue each other and their neighbours walk as one run.
 */
static void pfns_slots(struct kunit *test)
{
	struct upages_pfns_ref ref;
	struct upages_pfns pfns;
	struct pfns_walked w;
	unsigned long *slot;
	unsigned long i;

	upages_pfns_init(&pfns, 0, 2 * CHUNK);
	upages_pfns_ref_init(&ref);
	/* Chunk 0, empty: 4 scattered pages, then 2 that continue a third */
	slot = upages_pfns_slots(&pfns, &ref, 10, 6);
	KUNIT_ASSERT_FALSE(test, IS_ERR(slot));
	for (i = 0; i != 4; i++)
		slot[i] = 0x100000 + i * 0x10;
	slot[4] = 0x200000;
	slot[5] = 0x200001;
	pfns_walk(test, &pfns, 10, 15, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 5);
	pfns_expect_run(test, &w, 0, 10, 1, 0x100000);
	pfns_expect_run(test, &w, 3, 13, 1, 0x100030);
	pfns_expect_run(test, &w, 4, 14, 2, 0x200000);

	/* Chunk 1, a run: two slots rewritten, the rest keeps the run */
	pfns_record(test, &pfns, CHUNK, CHUNK, 0x300000);
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 1));
	upages_pfns_ref_init(&ref);
	slot = upages_pfns_slots(&pfns, &ref, CHUNK + 5, 2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(slot));
	KUNIT_EXPECT_EQ(test, slot[0], 0x300005);
	slot[0] = 0x400000;
	slot[1] = 0x400001;
	KUNIT_EXPECT_FALSE(test, pfns_chunk_is_run(&pfns, 1));
	pfns_walk(test, &pfns, CHUNK, 2 * CHUNK - 1, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 3);
	pfns_expect_run(test, &w, 0, CHUNK, 5, 0x300000);
	pfns_expect_run(test, &w, 1, CHUNK + 5, 2, 0x400000);
	pfns_expect_run(test, &w, 2, CHUNK + 7, CHUNK - 7, 0x300007);

	pfns_exit(&pfns);
}

/* Recording back to front gives what recording front to back gives */
static void pfns_reverse_order(struct kunit *test)
{
	const unsigned long pfn[] = { 0x900000, 0x900040, 0xa00000,
				      0xa00040, 0xa00080, 0xb00000 };
	struct upages_pfns fwd, rev;
	struct pfns_walked wf, wr;
	unsigned int i;
	int n;

	/* Six pieces of 64 pages from index 3 on, straddling two chunks */
	upages_pfns_init(&fwd, CHUNK - 100, 6 * 64 + 3);
	upages_pfns_init(&rev, CHUNK - 100, 6 * 64 + 3);
	for (i = 0; i != ARRAY_SIZE(pfn); i++)
		pfns_record(test, &fwd, 3 + i * 64, 64, pfn[i]);
	for (n = ARRAY_SIZE(pfn) - 1; n >= 0; n--)
		pfns_record(test, &rev, 3 + n * 64, 64, pfn[n]);

	pfns_walk(test, &fwd, 3, 6 * 64 + 2, &wf);
	pfns_walk(test, &rev, 3, 6 * 64 + 2, &wr);
	KUNIT_EXPECT_EQ(test, wf.nr, 3);
	pfns_expect_run(test, &wf, 0, 3, 128, 0x900000);
	pfns_expect_run(test, &wf, 1, 3 + 128, 192, 0xa00000);
	pfns_expect_run(test, &wf, 2, 3 + 320, 64, 0xb00000);
	KUNIT_ASSERT_EQ(test, wr.nr, wf.nr);
	for (i = 0; i != wf.nr; i++)
		pfns_expect_run(test, &wr, i, wf.run[i].first,
				wf.run[i].npages, wf.run[i].pfn);
	pfns_exit(&fwd);
	pfns_exit(&rev);
}

/* A run value is pfn - index modulo 2^(BITS_PER_LONG - 1): PFNs below */
static void pfns_pfn_below_index(struct kunit *test)
{
	struct upages_pfns pfns;
	struct pfns_walked w;

	upages_pfns_init(&pfns, 0, 4 * CHUNK);
	pfns_record(test, &pfns, 3 * CHUNK, CHUNK, 1);
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 3));
	pfns_walk(test, &pfns, 3 * CHUNK + 2, 4 * CHUNK - 1, &w);
	KUNIT_EXPECT_EQ(test, w.nr, 1);
	pfns_expect_run(test, &w, 0, 3 * CHUNK + 2, CHUNK - 2, 3);
	pfns_exit(&pfns);
}

/* Forgetting a chunk drops all of it, array or value */
static void pfns_forget(struct kunit *test)
{
	struct upages_pfns pfns;

	upages_pfns_init(&pfns, 0, 2 * CHUNK);
	pfns_record(test, &pfns, 0, 2 * CHUNK, 0xc00000);
	pfns_record(test, &pfns, 5, 1, 0xd00000);
	upages_pfns_forget_chunk(&pfns, CHUNK - 1);
	KUNIT_EXPECT_NULL(test, xa_load(&pfns.xa, 0));
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 1));
	upages_pfns_forget_chunk(&pfns, CHUNK);
	KUNIT_EXPECT_TRUE(test, xa_empty(&pfns.xa));
}

/* Pieces for readers of arrays: a run chunk's first PFN, else its slots */
static void pfns_piece(struct kunit *test)
{
	const unsigned long *slots;
	struct upages_pfns_ref ref;
	struct upages_pfns pfns;
	unsigned long pfn = 0;

	/* Index 0 is the 3rd page of its chunk; 3 chunks, the last partial */
	upages_pfns_init(&pfns, 3, 2 * CHUNK + 7);
	pfns_record(test, &pfns, 0, CHUNK - 3, 0x1000);
	pfns_record(test, &pfns, CHUNK - 3, 10, 0x5000);
	pfns_record(test, &pfns, CHUNK + 7, 1, 0x9000);
	pfns_record(test, &pfns, CHUNK + 8, CHUNK - 11, 0x7008);
	upages_pfns_ref_init(&ref);

	/* A run chunk: from the index to the chunk's end, or to @last */
	KUNIT_EXPECT_EQ(test, upages_pfns_piece(&pfns, &ref, 5, ULONG_MAX,
						&pfn, &slots), CHUNK - 8);
	KUNIT_EXPECT_PTR_EQ(test, slots, NULL);
	KUNIT_EXPECT_EQ(test, pfn, 0x1005);
	KUNIT_EXPECT_EQ(test, upages_pfns_piece(&pfns, &ref, 5, 9, &pfn,
						&slots), 5);

	/* An array chunk: its slots from the index on */
	KUNIT_EXPECT_EQ(test, upages_pfns_piece(&pfns, &ref, CHUNK + 6,
						ULONG_MAX, &pfn, &slots),
			CHUNK - 9);
	KUNIT_ASSERT_NOT_NULL(test, slots);
	KUNIT_EXPECT_EQ(test, pfn, 0x5009);
	KUNIT_EXPECT_EQ(test, slots[0], 0x5009);
	KUNIT_EXPECT_EQ(test, slots[1], 0x9000);
	KUNIT_EXPECT_EQ(test, slots[2], 0x7008);
	KUNIT_EXPECT_EQ(test, slots[CHUNK - 10], 0x7000 + CHUNK - 4);

	/* Nothing recorded in the last chunk */
	KUNIT_EXPECT_EQ(test, upages_pfns_piece(&pfns, &ref, 2 * CHUNK - 3,
						ULONG_MAX, &pfn, &slots), 0);
	pfns_exit(&pfns);
}

/* Arrays go where a domain can stand in for them, run values stay */
static void pfns_drop_array(struct kunit *test)
{
	struct upages_pfns_ref ref;
	struct upages_pfns pfns;

	upages_pfns_init(&pfns, 0, 2 * CHUNK);
	pfns_record(test, &pfns, 0, CHUNK, 0xc00000);
	pfns_record(test, &pfns, CHUNK, 2, 0xd00000);
	pfns_record(test, &pfns, CHUNK + 2, 2, 0xe00000);
	KUNIT_ASSERT_TRUE(test, pfns_chunk_is_run(&pfns, 0));
	KUNIT_ASSERT_FALSE(test, xa_is_value(xa_load(&pfns.xa, 1)));

	upages_pfns_drop_array(&pfns, 5);
	upages_pfns_drop_array(&pfns, CHUNK + 5);
	KUNIT_EXPECT_TRUE(test, pfns_chunk_is_run(&pfns, 0));
	KUNIT_EXPECT_NULL(test, xa_load(&pfns.xa, 1));
	upages_pfns_drop_array(&pfns, CHUNK + 5);
	KUNIT_EXPECT_NULL(test, xa_load(&pfns.xa, 1));

	/* What a run value says, and says not */
	upages_pfns_ref_init(&ref);
	KUNIT_EXPECT_EQ(test, upages_pfns_run_state(&pfns, &ref, 7, 0xc00007),
			UPAGES_CHUNK_SAME_RUN);
	KUNIT_EXPECT_EQ(test, upages_pfns_run_state(&pfns, &ref, 7, 0xc00008),
			UPAGES_CHUNK_OTHER);
	KUNIT_EXPECT_EQ(test, upages_pfns_run_state(&pfns, &ref, CHUNK, 1),
			UPAGES_CHUNK_EMPTY);
	pfns_record(test, &pfns, CHUNK, 2, 0xd00000);
	pfns_record(test, &pfns, CHUNK + 2, 2, 0xe00000);
	upages_pfns_ref_init(&ref);
	KUNIT_EXPECT_EQ(test, upages_pfns_run_state(&pfns, &ref, CHUNK,
						    0xd00000),
			UPAGES_CHUNK_OTHER);
	pfns_exit(&pfns);
}

static struct kunit_case pfns_cases[] = {
	KUNIT_CASE(pfns_chunk_boundaries),
	KUNIT_CASE(pfns_runs_join_across_chunks),
	KUNIT_CASE(pfns_runs_stop_at_discontinuity),
	KUNIT_CASE(pfns_run_splits),
	KUNIT_CASE(pfns_array_joins_neighbours),
	KUNIT_CASE(pfns_slots),
	KUNIT_CASE(pfns_reverse_order),
	KUNIT_CASE(pfns_pfn_below_index),
	KUNIT_CASE(pfns_forget),
	KUNIT_CASE(pfns_piece),
	KUNIT_CASE(pfns_drop_array),
	{}
};

static struct kunit_suite pfns_suite = {
	.name = "iommufd_pages_pfns",
	.test_cases = pfns_cases,
};

kunit_test_suite(pfns_suite);
