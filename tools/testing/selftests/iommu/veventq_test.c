// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual event queues through the mock: IOMMU_VEVENTQ_ALLOC and its errnos,
 * the records read() returns (header, sequence numbers, payload), overflow
 * and the LOST_EVENTS header, poll and blocking reads, what may be destroyed
 * when, and closing the file while events are being reported.
 */
#include "viommu_utils.h"

#define VIRT_ID 0x77
#define DEPTH 4

FIXTURE(veventq) {
	struct viommu_env v;
	__u32 vdev_id;
	__u32 q_id;
	int q_fd;
};

FIXTURE_SETUP(veventq)
{
	struct viommu_env *v = &self->v;
	int fd;

	self->q_fd = -1;
	v->fd = -1;
	fd = mock_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(fd));
	/* Fails with ENOTTY on kernels without virtual IOMMUs */
	ASSERT_OK(viommu_env_build(v, fd));
	ASSERT_OK(vdevice_alloc(v->fd, v->viommu_id, v->idev_id, VIRT_ID,
				&self->vdev_id));
	ASSERT_OK(veventq_alloc(v->fd, v->viommu_id,
				IOMMU_VEVENTQ_TYPE_SELFTEST, DEPTH,
				&self->q_id, &self->q_fd));
}

FIXTURE_TEARDOWN(veventq)
{
	if (self->q_fd >= 0)
		close(self->q_fd);
	if (self->v.fd >= 0)
		close(self->v.fd);
}

/* Read one mock record and check its header and payload */
static void expect_record(struct __test_metadata *_metadata, int q_fd,
			  __u32 seq)
{
	struct mock_vevent rec = {};

	ASSERT_EQ(sizeof(rec), read(q_fd, &rec, sizeof(rec)));
	EXPECT_EQ(0, rec.hdr.flags);
	EXPECT_EQ(seq, rec.hdr.sequence);
	EXPECT_EQ(VIRT_ID, rec.ev.virt_id);
}

/* A page nothing can be written to */
static void *unwritable_page(void)
{
	void *p = mmap(NULL, page_sz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static bool readable(int q_fd)
{
	struct pollfd p = { .fd = q_fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST_F(veventq, alloc_errnos)
{
	int fd = self->v.fd;
	struct {
		struct iommu_veventq_alloc cmd;
		__u64 tail;
	} big = {
		.cmd = {
			.size = sizeof(big),
			.viommu_id = self->v.viommu_id,
			.type = IOMMU_VEVENTQ_TYPE_SELFTEST,
			.veventq_depth = 1,
		},
		.tail = 1,
	};
	struct iommu_veventq_alloc cmd = big.cmd;
	__u32 id, viommu2;
	int qfd;

	EXPECT_ERRNO(E2BIG, veventq_alloc_full(fd, &big.cmd, &id, &qfd));
	cmd.size = 28;
	EXPECT_ERRNO(EINVAL, veventq_alloc_full(fd, &cmd, &id, &qfd));
	cmd.size = sizeof(cmd);
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, veventq_alloc_full(fd, &cmd, &id, &qfd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, veventq_alloc_full(fd, &cmd, &id, &qfd));
	cmd.__reserved = 0;

	/* Depth: at least one, at most 2^19 */
	EXPECT_ERRNO(EINVAL, veventq_alloc(fd, self->v.viommu_id,
					   IOMMU_VEVENTQ_TYPE_SELFTEST, 0,
					   &id, &qfd));
	EXPECT_ERRNO(EINVAL, veventq_alloc(fd, self->v.viommu_id,
					   IOMMU_VEVENTQ_TYPE_SELFTEST,
					   (1U << 19) + 1, &id, &qfd));
	/* IDs */
	EXPECT_ERRNO(ENOENT, veventq_alloc(fd, VIOMMU_BAD_ID,
					   IOMMU_VEVENTQ_TYPE_SELFTEST, 1,
					   &id, &qfd));
	EXPECT_ERRNO(ENOENT, veventq_alloc(fd, self->v.parent_id,
					   IOMMU_VEVENTQ_TYPE_SELFTEST, 1,
					   &id, &qfd));
	/* Types */
	EXPECT_ERRNO(EOPNOTSUPP, veventq_alloc(fd, self->v.viommu_id,
					       IOMMU_VEVENTQ_TYPE_DEFAULT, 1,
					       &id, &qfd));
	EXPECT_ERRNO(EOPNOTSUPP, veventq_alloc(fd, self->v.viommu_id,
					       IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
					       1, &id, &qfd));
	/* One queue per type and virtual IOMMU */
	EXPECT_ERRNO(EEXIST, veventq_alloc(fd, self->v.viommu_id,
					   IOMMU_VEVENTQ_TYPE_SELFTEST,
					   (1U << 19), &id, &qfd));
	ASSERT_OK(viommu_alloc(fd, self->v.idev_id, self->v.parent_id,
			       &viommu2));
	ASSERT_OK(veventq_alloc(fd, viommu2, IOMMU_VEVENTQ_TYPE_SELFTEST,
				1U << 19, &id, &qfd));
	EXPECT_NE(0, fcntl(qfd, F_GETFD) & FD_CLOEXEC);
	EXPECT_ERRNO(EBUSY, ifd_destroy(fd, viommu2));
	EXPECT_ERRNO(EBUSY, ifd_destroy(fd, id));
	close(qfd);
	ASSERT_OK(ifd_destroy(fd, id));
	ASSERT_OK(ifd_destroy(fd, viommu2));
}

TEST_F(veventq, records_in_order)
{
	struct mock_vevent recs[3];
	char small[sizeof(struct mock_vevent) - 1];
	unsigned int i;
	void *bad;

	EXPECT_FALSE(readable(self->q_fd));
	ASSERT_OK(fcntl(self->q_fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(self->q_fd, recs, sizeof(recs)));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	EXPECT_TRUE(readable(self->q_fd));
	/* No room for a whole record: nothing is lost */
	EXPECT_EQ(-1, read(self->q_fd, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(self->q_fd, recs, sizeof(recs), 1));
	EXPECT_EQ(ESPIPE, errno);
	/* An unwritable buffer: EFAULT, and the record stays */
	bad = unwritable_page();
	ASSERT_NE(NULL, bad);
	EXPECT_EQ(-1, read(self->q_fd, bad, sizeof(recs)));
	EXPECT_EQ(EFAULT, errno);
	munmap(bad, page_sz);
	expect_record(_metadata, self->q_fd, 0);
	EXPECT_FALSE(readable(self->q_fd));

	/* Several records in one read, back to back */
	for (i = 0; i != 3; i++)
		ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	ASSERT_EQ(sizeof(recs), read(self->q_fd, recs, sizeof(recs)));
	for (i = 0; i != 3; i++) {
		EXPECT_EQ(0, recs[i].hdr.flags);
		EXPECT_EQ(i + 1, recs[i].hdr.sequence);
		EXPECT_EQ(VIRT_ID, recs[i].ev.virt_id);
	}
	/* A buffer for one and a half: one */
	for (i = 0; i != 2; i++)
		ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	ASSERT_EQ(sizeof(recs[0]),
		  read(self->q_fd, recs, sizeof(recs[0]) * 3 / 2));
	EXPECT_EQ(4, recs[0].hdr.sequence);
	expect_record(_metadata, self->q_fd, 5);
}

TEST_F(veventq, overflow_lost_events)
{
	struct mock_vevent recs[DEPTH];
	struct iommufd_vevent_header lost;
	/* Room for DEPTH records, a lost header, and not for one more record */
	char buf[sizeof(recs) + sizeof(lost) + 3];
	unsigned int i;

	/* DEPTH queued, then two dropped */
	for (i = 0; i != DEPTH + 2; i++)
		ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	ASSERT_EQ(sizeof(recs), read(self->q_fd, recs, sizeof(recs)));
	for (i = 0; i != DEPTH; i++)
		EXPECT_EQ(i, recs[i].hdr.sequence);
	/* The loss: a header alone, with the next number */
	ASSERT_EQ(sizeof(lost), read(self->q_fd, recs, sizeof(recs)));
	memcpy(&lost, recs, sizeof(lost));
	EXPECT_EQ(IOMMU_VEVENTQ_FLAG_LOST_EVENTS, lost.flags);
	EXPECT_EQ(DEPTH, lost.sequence);
	EXPECT_FALSE(readable(self->q_fd));
	/* Drained: events queue again, numbered after the lost header */
	ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	expect_record(_metadata, self->q_fd, DEPTH + 1);

	/* Full again: records, the loss, then what came after draining */
	for (i = 0; i != DEPTH + 1; i++)
		ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	ASSERT_EQ(sizeof(recs) + sizeof(lost),
		  read(self->q_fd, buf, sizeof(buf)));
	memcpy(&lost, buf + sizeof(recs), sizeof(lost));
	EXPECT_EQ(IOMMU_VEVENTQ_FLAG_LOST_EVENTS, lost.flags);
	EXPECT_EQ(2 * DEPTH + 2, lost.sequence);
}

TEST_F(veventq, no_vdevice_no_queue)
{
	int fd = self->v.fd;

	/* Without a vDEVICE the device has no virtual ID to report */
	ASSERT_OK(ifd_destroy(fd, self->vdev_id));
	EXPECT_ERRNO(ENOENT, mock_trigger_vevent(fd, self->v.idev_id));
	EXPECT_ERRNO(ENOENT, mock_trigger_vevent(fd, VIOMMU_BAD_ID));
	EXPECT_ERRNO(ENOENT, mock_trigger_vevent(fd, self->v.ioas_id));
	ASSERT_OK(vdevice_alloc(fd, self->v.viommu_id, self->v.idev_id,
				VIRT_ID, &self->vdev_id));
	/* The queue's object outlives its file, which drops the events */
	close(self->q_fd);
	self->q_fd = -1;
	EXPECT_OK(mock_trigger_vevent(fd, self->v.idev_id));
	ASSERT_OK(ifd_destroy(fd, self->q_id));
	/* No queue of the type at all */
	EXPECT_ERRNO(EOPNOTSUPP, mock_trigger_vevent(fd, self->v.idev_id));
}

TEST_F(veventq, destroy_order)
{
	int fd = self->v.fd;

	EXPECT_ERRNO(EBUSY, ifd_destroy(fd, self->v.viommu_id));
	EXPECT_ERRNO(EBUSY, ifd_destroy(fd, self->q_id));
	ASSERT_OK(mock_trigger_vevent(fd, self->v.idev_id));
	close(self->q_fd);
	self->q_fd = -1;
	ASSERT_OK(ifd_destroy(fd, self->q_id));
	ASSERT_OK(ifd_destroy(fd, self->vdev_id));
	ASSERT_OK(ifd_destroy(fd, self->v.viommu_id));
}

struct reader {
	int q_fd;
	struct mock_vevent rec;
	ssize_t n;
};

static void *blocking_reader(void *arg)
{
	struct reader *r = arg;

	r->n = read(r->q_fd, &r->rec, sizeof(r->rec));
	return NULL;
}

TEST_F(veventq, blocking_read_and_poll)
{
	struct reader r = { .q_fd = self->q_fd };
	struct pollfd p = { .fd = self->q_fd, .events = POLLIN };
	pthread_t t;

	ASSERT_OK(pthread_create(&t, NULL, blocking_reader, &r));
	usleep(100000);
	ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	ASSERT_OK(pthread_join(t, NULL));
	ASSERT_EQ(sizeof(r.rec), r.n);
	EXPECT_EQ(0, r.rec.hdr.sequence);

	ASSERT_EQ(0, poll(&p, 1, 50));
	ASSERT_OK(mock_trigger_vevent(self->v.fd, self->v.idev_id));
	ASSERT_EQ(1, poll(&p, 1, 1000));
	EXPECT_TRUE(p.revents & POLLIN);
}

struct trigger {
	int fd;
	__u32 idev_id;
	int stop;		/* __atomic */
	unsigned long n;
	int bad;
};

static void *trigger_loop(void *arg)
{
	struct trigger *t = arg;

	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		if (mock_trigger_vevent(t->fd, t->idev_id) &&
		    errno != EOPNOTSUPP)
			t->bad = errno;
		t->n++;
	}
	return NULL;
}

/* Queues come and go, their files are closed, while events stream in */
TEST_F_TIMEOUT(veventq, race_close_while_triggering, 120)
{
	struct trigger t = { .fd = self->v.fd, .idev_id = self->v.idev_id };
	struct mock_vevent rec;
	pthread_t th[2];
	unsigned int i;

	ASSERT_OK(pthread_create(&th[0], NULL, trigger_loop, &t));
	ASSERT_OK(pthread_create(&th[1], NULL, trigger_loop, &t));
	for (i = 0; i != 500; i++) {
		if (self->q_fd >= 0) {
			read(self->q_fd, &rec, sizeof(rec));
			close(self->q_fd);
			self->q_fd = -1;
			ASSERT_OK(ifd_destroy(self->v.fd, self->q_id));
		}
		ASSERT_OK(veventq_alloc(self->v.fd, self->v.viommu_id,
					IOMMU_VEVENTQ_TYPE_SELFTEST, 1 + i % 3,
					&self->q_id, &self->q_fd));
		if (i % 2)
			ASSERT_OK(fcntl(self->q_fd, F_SETFL, O_NONBLOCK));
	}
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELAXED);
	ASSERT_OK(pthread_join(th[0], NULL));
	ASSERT_OK(pthread_join(th[1], NULL));
	EXPECT_EQ(0, t.bad);
	TH_LOG("%lu events triggered", t.n);
	/* The device and its vDEVICE go while the last queue is open */
	ASSERT_OK(ifd_destroy(self->v.fd, self->v.stdev_id));
	EXPECT_ERRNO(ENOENT, ifd_destroy(self->v.fd, self->vdev_id));
}

TEST_HARNESS_MAIN
