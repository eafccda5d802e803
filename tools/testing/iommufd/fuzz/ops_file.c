// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping files by descriptor and moving their accounting: IOAS_MAP_FILE
 * on a few memfds of the fuzzer's own (shmem, small shmem, hugetlb when
 * the machine has huge pages) that threads also truncate and grow, on
 * descriptors that are no memfd (the iommufd, -1, a closed number), on
 * dma-bufs of the mock's exporter that another op revokes and restores
 * meanwhile, and IOAS_CHANGE_PROCESS, also from forked children (which
 * then own the charges).
 */
#include "fuzz.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define CMD(t, type) ((type *)(t)->cmd)
#define NR_MEMFDS 3
#define MEMFD_LEN (4UL << 20)

#define NR_DMABUFS 2
#define DMABUF_LEN (1UL << 20)

static int memfds[NR_MEMFDS] = { -1, -1, -1 };
static int dmabufs[NR_DMABUFS] = { -1, -1 };

/* The mock's dma-bufs; they outlive the iommufd that made them */
static void dmabufs_init(void)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = {
			.length = DMABUF_LEN,
			.open_flags = O_RDWR | O_CLOEXEC,
		},
	};
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	int i;

	if (fd < 0)
		return;
	for (i = 0; i != NR_DMABUFS; i++)
		dmabufs[i] = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	close(fd);
}

static bool is_dmabuf(int fd)
{
	int i;

	for (i = 0; i != NR_DMABUFS; i++)
		if (fd >= 0 && dmabufs[i] == fd)
			return true;
	return false;
}

static void memfds_init(void)
{
	static const unsigned int flags[NR_MEMFDS] = { 0, 0, MFD_HUGETLB };
	static const size_t lens[NR_MEMFDS] = { MEMFD_LEN, 64 << 10,
						MEMFD_LEN };
	int i;

	for (i = 0; i != NR_MEMFDS; i++) {
		memfds[i] = memfd_create("iommufd_fuzz_file", flags[i]);
		if (memfds[i] >= 0 && ftruncate(memfds[i], lens[i])) {
			close(memfds[i]);
			memfds[i] = -1;
		}
	}
}

static int pick_file(struct thr *t, const struct ctxref *c)
{
	int fd = memfds[rnd_below(&t->rng, NR_MEMFDS)];

	if (chance(&t->rng, 25) && dmabufs[0] >= 0)
		return dmabufs[rnd_below(&t->rng, NR_DMABUFS)];
	if (fd >= 0 && chance(&t->rng, 85))
		return fd;
	switch (rnd_below(&t->rng, 3)) {
	case 0:
		return c->fd;	/* not a memory file */
	case 1:
		return -1;
	default:
		return 9999;	/* not open */
	}
}

static void op_ioas_map_file(struct thr *t)
{
	static const uint32_t flags[] = {
		IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		IOMMU_IOAS_MAP_READABLE,
		IOMMU_IOAS_MAP_WRITEABLE,
		0,
	};
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_map_file *a = CMD(t, struct iommu_ioas_map_file);
	uint32_t size = cmd_size(t, sizeof(*a), 40);
	uint64_t align = pick_align(t);
	void *p = cmd_ptr(t);

	a->size = size;
	a->flags = rnd_pick(&t->rng, flags);
	if (chance(&t->rng, 50))
		a->flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	a->flags = hostile_flags(t, a->flags);
	a->ioas_id = pick_id(t, &c, K_IOAS);
	a->fd = pick_file(t, &c);
	a->start = rnd_below(&t->rng, MEMFD_LEN / mio_sz) * mio_sz;
	a->length = pick_len(t, align);
	if (a->length > MEMFD_LEN / 2 && chance(&t->rng, 90))
		a->length = mio_sz;
	/* Mostly inside the smaller dma-bufs */
	if (is_dmabuf(a->fd) && chance(&t->rng, 90)) {
		a->start %= DMABUF_LEN;
		if (a->start + a->length > DMABUF_LEN)
			a->length = mio_sz;
	}
	switch (rnd_below(&t->rng, 20)) {
	case 0:
		a->start += mio_sz / 2;		/* not page aligned */
		break;
	case 1:
		a->start = UINT64_MAX - mio_sz + 1;	/* wraps */
		break;
	case 2:
		a->length = 0;
		break;
	default:
		break;
	}
	a->iova = pick_iova(t, a->length, align);
	use_hot(t, &c, a->ioas_id);
	call_begin(t, "IOAS_MAP_FILE ctx=%d ioas=%u flags=%#x fd=%d start=%#llx",
		   c.slot, a->ioas_id, a->flags, a->fd,
		   (unsigned long long)a->start);
	call_note(t, " len=%#llx iova=%#llx",
		  (unsigned long long)a->length,
		  (unsigned long long)a->iova);
	if (call_end(t, ioctl(c.fd, IOMMU_IOAS_MAP_FILE, p)) || p != t->cmd)
		return;
	call_note(t, " -> iova=%#llx", (unsigned long long)a->iova);
	/*
	 * Recorded for copies, unmaps and accesses; checks comparing it with
	 * buffer 0 fail, which is a result like any other
	 */
	add_map(&c, a->ioas_id, 0, 0, a->iova, a->length, false);
}

/* Shrink or grow a memfd under its mappings (pins keep their pages) */
static void op_memfd_resize(struct thr *t)
{
	static const size_t lens[] = { 0, 64 << 10, 1 << 20, MEMFD_LEN };
	int i = rnd_below(&t->rng, NR_MEMFDS);
	size_t len = rnd_pick(&t->rng, lens);

	if (memfds[i] < 0)
		return;
	call_begin(t, "memfd_resize memfd=%d len=%#zx", i, len);
	call_end(t, ftruncate(memfds[i], len));
}

/* Revoke or restore a dma-buf under whatever maps it */
static void op_dmabuf_revoke(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_test_cmd *a = CMD(t, struct iommu_test_cmd);
	int i = rnd_below(&t->rng, NR_DMABUFS);

	*a = (struct iommu_test_cmd){
		.size = sizeof(*a),
		.op = IOMMU_TEST_OP_DMABUF_REVOKE,
		.dmabuf_revoke = {
			.dmabuf_fd = dmabufs[i],
			.revoked = chance(&t->rng, 50),
		},
	};
	call_begin(t, "DMABUF_REVOKE ctx=%d dmabuf=%d revoked=%u", c.slot, i,
		   a->dmabuf_revoke.revoked);
	call_end(t, ioctl(c.fd, IOMMU_TEST_CMD, cmd_ptr(t)));
}

static void op_ioas_change_process(struct thr *t)
{
	struct ctxref c = pick_ctx(t);
	struct iommu_ioas_change_process *a =
		CMD(t, struct iommu_ioas_change_process);
	uint32_t size = cmd_size(t, sizeof(*a), 8);

	a->size = size;
	if (chance(&t->rng, 2))
		a->__reserved = 1;
	call_begin(t, "IOAS_CHANGE_PROCESS ctx=%d", c.slot);
	call_end(t, ioctl(c.fd, IOMMU_IOAS_CHANGE_PROCESS, cmd_ptr(t)));
}

void register_file_ops(void)
{
	memfds_init();
	dmabufs_init();
	op_register("IOAS_MAP_FILE", op_ioas_map_file, 8, OPF_HOT);
	op_register("DMABUF_REVOKE", op_dmabuf_revoke, 1, 0);
	op_register("memfd_resize", op_memfd_resize, 1, 0);
	op_register("IOAS_CHANGE_PROCESS", op_ioas_change_process, 2, 0);
}
