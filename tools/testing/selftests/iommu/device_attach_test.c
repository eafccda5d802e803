// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices on the mock IOMMU: the error of every refused attach, replace and
 * detach of a device, and what a refused request must leave behind
 * (nothing).
 *
 * Attach and replace are reached through IOMMU_TEST_OP_MOCK_DOMAIN and
 * IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, which call the same kAPI as VFIO;
 * detach happens when a selftest object is destroyed. HWPT_ALLOC and
 * GET_HW_INFO are in device_hwpt_test.c.
 *
 * "Nothing changed" is checked the same way everywhere: the old HWPT still
 * maps the old memory (MD_CHECK_MAP), the memory is pinned exactly as before
 * (MD_CHECK_REFS), the IOVA ranges of an IOAS that the device did not join
 * are not narrowed, and no leftover object keeps an IOAS or HWPT busy.
 *
 * Also here: races of attach and replace with IOMMU_DESTROY of their
 * target, where exactly one side may win and the loser must see ENOENT
 * (attach) or EBUSY (destroy). Fault queues are in fault_test.c.
 */
#include <pthread.h>

#include "device_utils.h"

#define NR_RACES 64

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* The mock aperture, as IOMMU_IOAS_IOVA_RANGES must report it */
static bool ioas_is_mock_aperture(int fd, __u32 ioas_id)
{
	struct iommu_iova_range r[4];
	__u64 align = 0;
	__u32 num = ARRAY_SIZE(r);

	if (ifd_iova_ranges(fd, ioas_id, r, &num, &align))
		return false;
	return num == 1 && r[0].start == MOCK_APERTURE_START &&
	       r[0].last == MOCK_APERTURE_LAST && align == mio_sz;
}

/* ---------------------------------------------------------------------- */
/* Attach                                                                  */
/* ---------------------------------------------------------------------- */

TEST_F(dev, attach_bad_targets)
{
	__u32 fault_id, dirty, parent, nested, hwpt, stdev;
	int fault_fd;

	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));
	EXPECT_ERRNO(EINVAL, mock_domain(self->fd, fault_id, NULL, NULL,
					 NULL));
	/* A HWPT that is gone, or an automatic one that went with its device */
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt));
	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	EXPECT_ERRNO(ENOENT, mock_domain(self->fd, hwpt, NULL, NULL, NULL));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	EXPECT_ERRNO(ENOENT, mock_domain(self->fd, self->hwpt_id, NULL, NULL,
					 NULL));

	/* The IOMMU refuses a dirty-tracking domain for a NO_DIRTY device */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dirty));
	EXPECT_ERRNO(EINVAL, mock_domain_flags(self->fd, dirty,
					       MOCK_FLAGS_DEVICE_NO_DIRTY,
					       NULL, NULL, NULL));
	/* Attaching to the IOAS never picks the explicit dirty HWPT */
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    MOCK_FLAGS_DEVICE_NO_DIRTY, &stdev, &hwpt,
				    NULL));
	EXPECT_EQ(self->hwpt_id, hwpt);
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	/* The refused device left no reference behind */
	ASSERT_OK(ifd_destroy(self->fd, dirty));

	/* A nested HWPT is a valid target; the device keeps it busy */
	ASSERT_OK(nested_alloc(self->fd, self->idev_id, self->ioas_id, &parent,
			       &nested));
	ASSERT_OK(mock_domain(self->fd, nested, &stdev, &hwpt, NULL));
	EXPECT_EQ(nested, hwpt);
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, parent));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(ifd_destroy(self->fd, nested));
	ASSERT_OK(ifd_destroy(self->fd, parent));
	close(fault_fd);
}

/*
 * Attaching to an IOAS whose mappings the device's domain cannot hold fails
 * with EADDRINUSE and leaves the IOAS exactly as it was.
 */
TEST_F(dev, attach_conflicting_ioas)
{
	struct iommu_iova_range outside = { 0, page_sz - 1 };
	struct iommu_iova_range inside = {
		MOCK_APERTURE_START, MOCK_APERTURE_START + page_sz - 1
	};
	struct iommu_test_cmd req;
	__u64 unmapped = 0;
	unsigned int i;
	__u32 ioas2;

	for (i = 0; i != ARRAY_SIZE(bad_spots); i++) {
		ioas2 = bad_spot_ioas(_metadata, self, &bad_spots[i]);
		memset(&req, 0, sizeof(req));
		req.id = ioas2;
		EXPECT_ERRNO(EADDRINUSE,
			     mock_cmd(self->fd, IOMMU_TEST_OP_MOCK_DOMAIN,
				      &req));
		/* No outputs, no device, no HWPT, no pins, no narrowing */
		EXPECT_EQ(0, req.mock_domain.out_stdev_id);
		EXPECT_EQ(0, req.mock_domain.out_hwpt_id);
		bad_spot_untouched(_metadata, self, ioas2);
		EXPECT_OK(ifd_unmap(self->fd, ioas2, bad_spots[i].iova,
				    self->size, &unmapped));
		EXPECT_EQ(self->size, unmapped);
		ASSERT_OK(ifd_destroy(self->fd, ioas2));
	}

	/* An allowed range the domain cannot provide */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &outside, 1));
	EXPECT_ERRNO(EADDRINUSE, mock_domain(self->fd, ioas2, NULL, NULL,
					     NULL));
	/* One inside the aperture is fine */
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &inside, 1));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other, page_sz,
				MOCK_APERTURE_START));
	ASSERT_OK(mock_domain(self->fd, ioas2, NULL, NULL, NULL));
	ASSERT_OK(mock_check_refs(self->fd, self->other, page_sz, 1));
}

/* An attach that fails on an IOAS with a device does not disturb it */
TEST_F(dev, attach_failure_keeps_shared_hwpt)
{
	__u32 dirty, hwpt;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dirty));
	EXPECT_ERRNO(EINVAL, mock_domain_flags(self->fd, dirty,
					       MOCK_FLAGS_DEVICE_NO_DIRTY,
					       NULL, NULL, NULL));
	/* The automatic HWPT still serves the first device, and a new one */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->size));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, NULL, &hwpt, NULL));
	EXPECT_EQ(self->hwpt_id, hwpt);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
	ASSERT_OK(ifd_destroy(self->fd, dirty));
}

/* ---------------------------------------------------------------------- */
/* Replace                                                                 */
/* ---------------------------------------------------------------------- */

/* Checks that the fixture's device still translates through its HWPT */
static void check_unchanged(struct __test_metadata *_metadata,
			    struct _test_data_dev *self)
{
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->size));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
	ASSERT_TRUE(ioas_is_mock_aperture(self->fd, self->ioas_id));
	/* Still attached, so still busy */
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
}

static int replace_raw(int fd, __u32 stdev_id, struct iommu_test_cmd *req,
		       __u32 pt_id)
{
	memset(req, 0, sizeof(*req));
	req->id = stdev_id;
	req->mock_domain_replace.pt_id = pt_id;
	return mock_cmd(fd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, req);
}

TEST_F(dev, replace_bad_targets)
{
	__u32 fault_id, hwpt, stdev, idev, dirty;
	struct iommu_test_cmd req;
	int fault_fd;

	ASSERT_OK(fault_queue_alloc(self->fd, &fault_id, &fault_fd));
	EXPECT_ERRNO(EINVAL, replace_raw(self->fd, self->stdev_id, &req,
					 fault_id));
	EXPECT_EQ(fault_id, req.mock_domain_replace.pt_id);
	EXPECT_ERRNO(EINVAL, replace_raw(self->fd, self->stdev_id, &req,
					 self->stdev_id));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, self->stdev_id, &req, 0));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt));
	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, self->stdev_id, &req,
					 hwpt));
	check_unchanged(_metadata, self);

	/* A selftest object that is gone, and other kinds of objects */
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, NULL, &idev));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, stdev, &req,
					 self->ioas_id));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, self->hwpt_id, &req,
					 self->ioas_id));
	EXPECT_ERRNO(ENOENT, replace_raw(self->fd, fault_id, &req,
					 self->ioas_id));

	/* The IOMMU refuses the new domain: the old one stays */
	ASSERT_OK(mock_domain_flags(self->fd, self->ioas_id,
				    MOCK_FLAGS_DEVICE_NO_DIRTY, &stdev,
				    &hwpt, &idev));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &dirty));
	EXPECT_ERRNO(EINVAL, replace_raw(self->fd, stdev, &req, dirty));
	EXPECT_EQ(dirty, req.mock_domain_replace.pt_id);
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, hwpt));
	ASSERT_OK(mock_check_map(self->fd, hwpt, self->iova, self->buf,
				 self->size));
	ASSERT_OK(ifd_destroy(self->fd, dirty));
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	check_unchanged(_metadata, self);
	close(fault_fd);
}

/*
 * Replacing onto an IOAS the device's domain cannot mirror fails with
 * EADDRINUSE; the device keeps translating through its old HWPT and the new
 * IOAS is left as it was.
 */
TEST_F(dev, replace_conflicting_ioas)
{
	struct iommu_iova_range outside = { 0, page_sz - 1 };
	struct iommu_test_cmd req;
	unsigned int i;
	__u32 ioas2;

	for (i = 0; i != ARRAY_SIZE(bad_spots); i++) {
		ioas2 = bad_spot_ioas(_metadata, self, &bad_spots[i]);
		EXPECT_ERRNO(EADDRINUSE, replace_raw(self->fd, self->stdev_id,
						     &req, ioas2));
		EXPECT_EQ(ioas2, req.mock_domain_replace.pt_id);
		check_unchanged(_metadata, self);
		bad_spot_untouched(_metadata, self, ioas2);
		ASSERT_OK(ifd_destroy(self->fd, ioas2));
	}

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_allow_iovas(self->fd, ioas2, &outside, 1));
	EXPECT_ERRNO(EADDRINUSE, replace_raw(self->fd, self->stdev_id, &req,
					     ioas2));
	check_unchanged(_metadata, self);
	ASSERT_OK(ifd_destroy(self->fd, ioas2));

	/* A good IOAS still works afterwards, and frees the old HWPT */
	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	ASSERT_OK(ifd_map_fixed(self->fd, ioas2, self->other, self->size,
				MOCK_APERTURE_START));
	ASSERT_OK(replace_raw(self->fd, self->stdev_id, &req, ioas2));
	EXPECT_NE(self->hwpt_id, req.mock_domain_replace.pt_id);
	ASSERT_OK(mock_check_map(self->fd, req.mock_domain_replace.pt_id,
				 MOCK_APERTURE_START, self->other,
				 self->size));
	EXPECT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 0));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
}

/* Replace moves between paging, nested and automatic HWPTs of one IOAS */
TEST_F(dev, replace_between_hwpts)
{
	__u32 parent, nested, plain, pt;

	ASSERT_OK(nested_alloc(self->fd, self->idev_id, self->ioas_id, &parent,
			       &nested));
	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &plain));
	pt = nested;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(nested, pt);
	/* The automatic HWPT went with its only device */
	EXPECT_ERRNO(ENOENT, mock_check_map(self->fd, self->hwpt_id,
					    self->iova, self->buf, page_sz));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, nested));
	pt = parent;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(parent, pt);
	ASSERT_OK(ifd_destroy(self->fd, nested));
	pt = plain;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(plain, pt);
	ASSERT_OK(ifd_destroy(self->fd, parent));
	/* Back to the IOAS: a new automatic HWPT */
	pt = self->ioas_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	EXPECT_NE(plain, pt);
	ASSERT_OK(mock_check_map(self->fd, pt, self->iova, self->buf,
				 self->size));
	ASSERT_OK(ifd_destroy(self->fd, plain));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
}

/* ---------------------------------------------------------------------- */
/* Detach and destroy                                                      */
/* ---------------------------------------------------------------------- */

TEST_F(dev, destroy_attached)
{
	__u32 plain, stdev;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &plain));
	ASSERT_OK(mock_domain(self->fd, plain, &stdev, NULL, NULL));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, plain));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_id));
	EXPECT_ERRNO(EBUSY, ifd_destroy(self->fd, self->idev_id));
	ASSERT_OK(mock_check_map(self->fd, plain, self->iova, self->buf,
				 self->size));

	/* Detach (with the selftest object): explicit HWPTs stay */
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(mock_check_map(self->fd, plain, self->iova, self->buf,
				 self->size));
	ASSERT_OK(ifd_destroy(self->fd, plain));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, plain));
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 0));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
}

/* ---------------------------------------------------------------------- */
/* Races with IOMMU_DESTROY                                                */
/* ---------------------------------------------------------------------- */

struct racer {
	int fd;
	__u32 target;
	__u32 stdev;
	bool replace;
	pthread_barrier_t *start;
	int rc;
	int err;
};

static void *race_attach(void *arg)
{
	struct racer *r = arg;
	__u32 pt = r->target;

	pthread_barrier_wait(r->start);
	if (r->replace)
		r->rc = mock_domain_replace(r->fd, r->stdev, &pt);
	else
		r->rc = mock_domain(r->fd, r->target, &r->stdev, NULL, NULL);
	r->err = errno;
	return NULL;
}

/*
 * Attach a new device to @target (or, with @replace, move the device of
 * *@stdev there) in one thread while this one destroys @target after
 * @delay_us: exactly one of the two wins. Returns 1 if the device won
 * (*@stdev then names the device), 0 if the destroy did, -1 if the race
 * could not be run.
 */
static int race_once(struct __test_metadata *_metadata, int fd, __u32 target,
		     __u32 *stdev, bool replace, unsigned int delay_us)
{
	pthread_barrier_t start;
	struct racer r = {
		.fd = fd,
		.target = target,
		.stdev = *stdev,
		.replace = replace,
		.start = &start,
	};
	pthread_t thread;
	int rc, err;

	if (pthread_barrier_init(&start, NULL, 2))
		return -1;
	if (pthread_create(&thread, NULL, race_attach, &r)) {
		pthread_barrier_destroy(&start);
		return -1;
	}
	pthread_barrier_wait(&start);
	if (delay_us)
		usleep(delay_us);
	rc = ifd_destroy(fd, target);
	err = errno;
	pthread_join(thread, NULL);
	pthread_barrier_destroy(&start);

	if (!r.rc) {
		/* The device got there first: the target is in use */
		EXPECT_EQ(-1, rc);
		EXPECT_EQ(EBUSY, err);
		*stdev = r.stdev;
		return 1;
	}
	/* The destroy won: the target was gone for the device */
	EXPECT_EQ(ENOENT, r.err);
	EXPECT_EQ(0, rc);
	return 0;
}

/*
 * Creating the mock device takes longer than a destroy: delaying the
 * destroy of every other round lets both orders occur.
 */
static unsigned int race_delay(unsigned int i)
{
	return i % 2 ? 20 : 0;
}

/*
 * IDs are handed out lowest first, and an attach to an IOAS creates up to
 * three objects (selftest object, device, automatic HWPT). Were the
 * target's ID the lowest free one once destroyed, they could take it over
 * and the attach would find one of them instead of nothing. Keeping three
 * lower IDs free makes the target's ID stay unused during the race.
 */
static int alloc_below_holes(int fd, __u32 *holes, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i != nr; i++)
		if (ifd_ioas_alloc(fd, &holes[i]))
			return -1;
	return 0;
}

static int free_holes(int fd, __u32 *holes, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i != nr; i++)
		if (ifd_destroy(fd, holes[i]))
			return -1;
	return 0;
}

TEST_F(dev, race_destroy_hwpt_with_attach)
{
	unsigned int i, won = 0;
	__u32 hwpt, stdev, holes[3];
	int rc;

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(alloc_below_holes(self->fd, holes,
					    ARRAY_SIZE(holes)));
		ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id,
					 self->ioas_id, 0, &hwpt));
		ASSERT_OK(free_holes(self->fd, holes, ARRAY_SIZE(holes)));
		stdev = 0;
		rc = race_once(_metadata, self->fd, hwpt, &stdev, false,
			       race_delay(i));
		ASSERT_LE(0, rc);
		if (rc) {
			ASSERT_OK(mock_check_map(self->fd, hwpt, self->iova,
						 self->buf, self->size));
			ASSERT_OK(ifd_destroy(self->fd, stdev));
			ASSERT_OK(ifd_destroy(self->fd, hwpt));
			won++;
		}
		ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, hwpt));
	}
	TH_LOG("attach won %u of %u", won, NR_RACES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
}

TEST_F(dev, race_destroy_ioas_with_attach)
{
	unsigned int i, won = 0;
	__u32 ioas, stdev, holes[3];
	int rc;

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(alloc_below_holes(self->fd, holes,
					    ARRAY_SIZE(holes)));
		ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
		ASSERT_OK(free_holes(self->fd, holes, ARRAY_SIZE(holes)));
		ASSERT_OK(ifd_map_fixed(self->fd, ioas, self->other,
					self->size, MOCK_APERTURE_START));
		stdev = 0;
		rc = race_once(_metadata, self->fd, ioas, &stdev, false,
			       race_delay(i));
		ASSERT_LE(0, rc);
		if (rc) {
			ASSERT_OK(mock_check_refs(self->fd, self->other,
						  self->size, 1));
			ASSERT_OK(ifd_destroy(self->fd, stdev));
			ASSERT_OK(ifd_destroy(self->fd, ioas));
			won++;
		}
		/* Destroying the IOAS released its mapping's memory */
		ASSERT_OK(mock_check_refs(self->fd, self->other, self->size,
					  0));
	}
	TH_LOG("attach won %u of %u", won, NR_RACES);
}

TEST_F(dev, race_destroy_hwpt_with_replace)
{
	unsigned int i, won = 0;
	__u32 hwpt, pt, stdev;
	int rc;

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id,
					 self->ioas_id, 0, &hwpt));
		stdev = self->stdev_id;
		rc = race_once(_metadata, self->fd, hwpt, &stdev, true, 0);
		ASSERT_LE(0, rc);
		won += rc;
		/* Either way the device has a working translation */
		pt = self->ioas_id;
		ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
		ASSERT_OK(mock_check_map(self->fd, pt, self->iova, self->buf,
					 self->size));
		if (rc)
			ASSERT_OK(ifd_destroy(self->fd, hwpt));
		ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, hwpt));
	}
	TH_LOG("replace won %u of %u", won, NR_RACES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 1));
}

/*
 * The last device leaves an automatic HWPT, which then goes away, while a
 * new device attaches to that HWPT by its ID: either the new device keeps
 * the HWPT alive, or it finds the HWPT gone (ENOENT), never anything else.
 */
TEST_F(dev, race_auto_hwpt_last_device_leaves)
{
	unsigned int i, won = 0;
	__u32 ioas2, auto_hwpt, pt, holes[3];
	pthread_barrier_t start;
	pthread_t thread;
	struct racer r;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	pt = ioas2;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));

	for (i = 0; i != NR_RACES; i++) {
		ASSERT_OK(alloc_below_holes(self->fd, holes,
					    ARRAY_SIZE(holes)));
		auto_hwpt = self->ioas_id;
		ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id,
					      &auto_hwpt));
		ASSERT_OK(free_holes(self->fd, holes, ARRAY_SIZE(holes)));

		r = (struct racer){
			.fd = self->fd,
			.target = auto_hwpt,
			.start = &start,
		};
		ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
		ASSERT_EQ(0, pthread_create(&thread, NULL, race_attach, &r));
		pthread_barrier_wait(&start);
		if (race_delay(i))
			usleep(race_delay(i));
		pt = ioas2;
		EXPECT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
		pthread_join(thread, NULL);
		pthread_barrier_destroy(&start);

		if (!r.rc) {
			/* Kept alive by the new device, gone with it */
			ASSERT_OK(mock_check_map(self->fd, auto_hwpt,
						 self->iova, self->buf,
						 self->size));
			ASSERT_OK(ifd_destroy(self->fd, r.stdev));
			won++;
		} else {
			ASSERT_EQ(ENOENT, r.err);
		}
		ASSERT_ERRNO(ENOENT, mock_check_map(self->fd, auto_hwpt,
						    self->iova, self->buf,
						    page_sz));
	}
	TH_LOG("attach won %u of %u", won, NR_RACES);
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->size, 0));
}

TEST_HARNESS_MAIN
