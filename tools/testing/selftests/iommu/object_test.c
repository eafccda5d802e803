// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/iommu object model and ioctl calling convention.
 *
 * Covers object IDs, IOMMU_DESTROY (ENOENT, EBUSY), lifetimes and teardown on
 * close, and the generic rules every command follows: size below the minimum
 * (EINVAL), larger structures with a zero or non-zero tail (accepted or
 * E2BIG), unknown request numbers (ENOTTY), unknown flags and non-zero
 * reserved fields (EOPNOTSUPP), bad and wrongly typed object IDs.
 *
 * The generic rules are table driven: every command has a builder that fills
 * in a request that succeeds, and each rule perturbs that request in exactly
 * one way, so the observed errno can only come from the rule under test.
 */
#include "iommu_test_utils.h"

#define NR_BUF_PAGES 16
#define BAD_ID 0x7ffffff0U

FIXTURE(obj) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	__u32 dirty_hwpt_id;
	__u32 parent_hwpt_id;
	__u32 nested_hwpt_id;
	void *buf;
	size_t buf_size;
	__u64 iova;
	struct iommu_iova_range ranges[8];
	__u64 scratch[64];
};

FIXTURE_SETUP(obj)
{
	self->fd = mock_open();
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(self->fd));

	self->buf_size = NR_BUF_PAGES * page_sz;
	self->buf = buf_alloc(self->buf_size, BUF_SMALL);
	ASSERT_NE(NULL, self->buf);
	ASSERT_OK(ifd_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &self->stdev_id,
			      &self->hwpt_id, &self->idev_id));
	self->iova = MOCK_APERTURE_START;
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->iova));
}

FIXTURE_TEARDOWN(obj)
{
	if (self->fd >= 0) {
		mock_set_temp_memory_limit(self->fd,
					   MOCK_TEMP_MEMORY_LIMIT_DEFAULT);
		close(self->fd);
	}
	if (self->buf)
		munmap(self->buf, self->buf_size);
}

/* ---------------------------------------------------------------------- */
/* Valid request builders, one per command                                 */
/* ---------------------------------------------------------------------- */

enum cmd_index {
	C_DESTROY,
	C_IOAS_ALLOC,
	C_ALLOW_IOVAS,
	C_COPY,
	C_IOVA_RANGES,
	C_MAP,
	C_UNMAP,
	C_OPTION,
	C_VFIO_IOAS,
	C_HWPT_ALLOC,
	C_HW_INFO,
	C_SET_DIRTY,
	C_GET_DIRTY,
	C_INVALIDATE,
	C_FAULT_ALLOC,
	C_TEST_CMD,
	C_NR,
};

/* A dirty-tracking capable paging HWPT with tracking switched on */
static int need_dirty_hwpt(struct _test_data_obj *self)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};

	if (self->dirty_hwpt_id)
		return 0;
	if (ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
			   IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			   &self->dirty_hwpt_id))
		return -1;
	set.hwpt_id = self->dirty_hwpt_id;
	return ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set);
}

/* A mock nested HWPT on a NEST_PARENT paging HWPT */
static int need_nested_hwpt(struct _test_data_obj *self)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = self->idev_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};

	if (self->nested_hwpt_id)
		return 0;
	if (ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
			   IOMMU_HWPT_ALLOC_NEST_PARENT, &self->parent_hwpt_id))
		return -1;
	cmd.pt_id = self->parent_hwpt_id;
	if (ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd))
		return -1;
	self->nested_hwpt_id = cmd.out_hwpt_id;
	return 0;
}

static int build_destroy(struct _test_data_obj *self, void *p)
{
	struct iommu_destroy *cmd = p;

	return ifd_ioas_alloc(self->fd, &cmd->id);
}

static int build_ioas_alloc(struct _test_data_obj *self, void *p)
{
	return 0;
}

static int build_allow_iovas(struct _test_data_obj *self, void *p)
{
	struct iommu_ioas_allow_iovas *cmd = p;

	cmd->ioas_id = self->ioas_id;
	self->ranges[0].start = MOCK_APERTURE_START;
	self->ranges[0].last = MOCK_APERTURE_LAST;
	cmd->num_iovas = 1;
	cmd->allowed_iovas = (uintptr_t)self->ranges;
	return 0;
}

static int build_copy(struct _test_data_obj *self, void *p)
{
	struct iommu_ioas_copy *cmd = p;

	cmd->flags = MAP_RW;
	cmd->dst_ioas_id = self->ioas_id;
	cmd->src_ioas_id = self->ioas_id;
	cmd->length = page_sz;
	cmd->src_iova = self->iova;
	return 0;
}

static int build_iova_ranges(struct _test_data_obj *self, void *p)
{
	struct iommu_ioas_iova_ranges *cmd = p;

	cmd->ioas_id = self->ioas_id;
	cmd->num_iovas = ARRAY_SIZE(self->ranges);
	cmd->allowed_iovas = (uintptr_t)self->ranges;
	return 0;
}

static int build_map(struct _test_data_obj *self, void *p)
{
	struct iommu_ioas_map *cmd = p;

	cmd->flags = MAP_RW;
	cmd->ioas_id = self->ioas_id;
	cmd->user_va = (uintptr_t)self->buf;
	cmd->length = page_sz;
	return 0;
}

static int build_unmap(struct _test_data_obj *self, void *p)
{
	struct iommu_ioas_unmap *cmd = p;
	__u64 iova;

	if (ifd_map(self->fd, self->ioas_id, self->buf, page_sz, &iova))
		return -1;
	cmd->ioas_id = self->ioas_id;
	cmd->iova = iova;
	cmd->length = page_sz;
	return 0;
}

static int build_option(struct _test_data_obj *self, void *p)
{
	struct iommu_option *cmd = p;

	cmd->option_id = IOMMU_OPTION_HUGE_PAGES;
	cmd->op = IOMMU_OPTION_OP_GET;
	cmd->object_id = self->ioas_id;
	return 0;
}

static int build_vfio_ioas(struct _test_data_obj *self, void *p)
{
	struct iommu_vfio_ioas *cmd = p;

	cmd->ioas_id = self->ioas_id;
	cmd->op = IOMMU_VFIO_IOAS_SET;
	return 0;
}

static int build_hwpt_alloc(struct _test_data_obj *self, void *p)
{
	struct iommu_hwpt_alloc *cmd = p;

	cmd->dev_id = self->idev_id;
	cmd->pt_id = self->ioas_id;
	return 0;
}

static int build_hw_info(struct _test_data_obj *self, void *p)
{
	struct iommu_hw_info *cmd = p;

	cmd->dev_id = self->idev_id;
	cmd->data_len = sizeof(struct iommu_test_hw_info);
	cmd->data_uptr = (uintptr_t)self->scratch;
	return 0;
}

static int build_set_dirty(struct _test_data_obj *self, void *p)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = p;

	if (need_dirty_hwpt(self))
		return -1;
	cmd->flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	cmd->hwpt_id = self->dirty_hwpt_id;
	return 0;
}

static int build_get_dirty(struct _test_data_obj *self, void *p)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = p;

	if (need_dirty_hwpt(self))
		return -1;
	cmd->hwpt_id = self->dirty_hwpt_id;
	cmd->iova = self->iova;
	cmd->length = 16 * mio_sz;
	cmd->page_size = mio_sz;
	cmd->data = (uintptr_t)self->scratch;
	return 0;
}

static int build_invalidate(struct _test_data_obj *self, void *p)
{
	struct iommu_hwpt_invalidate *cmd = p;

	if (need_nested_hwpt(self))
		return -1;
	cmd->hwpt_id = self->nested_hwpt_id;
	cmd->data_uptr = (uintptr_t)self->scratch;
	cmd->data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
	cmd->entry_len = sizeof(struct iommu_hwpt_invalidate_selftest);
	cmd->entry_num = 0;
	return 0;
}

static int build_fault_alloc(struct _test_data_obj *self, void *p)
{
	return 0;
}

static void cleanup_fault_alloc(struct _test_data_obj *self, void *p)
{
	struct iommu_fault_alloc *cmd = p;

	close(cmd->out_fault_fd);
}

static int build_test_cmd(struct _test_data_obj *self, void *p)
{
	struct iommu_test_cmd *cmd = p;

	/* The last page: only the fixture's mapping pins it */
	cmd->op = IOMMU_TEST_OP_MD_CHECK_REFS;
	cmd->check_refs.length = page_sz;
	cmd->check_refs.uptr = (uintptr_t)self->buf + self->buf_size - page_sz;
	cmd->check_refs.refs = 1;
	return 0;
}

struct cmd_desc {
	const char *name;
	unsigned long request;
	size_t size;
	size_t min_size;
	int (*build)(struct _test_data_obj *self, void *cmd);
	void (*cleanup)(struct _test_data_obj *self, void *cmd);
	/*
	 * Part of a later feature (dirty tracking, nesting, fault queues):
	 * when its valid request cannot be built yet, only the checks the
	 * generic dispatcher makes are run for it.
	 */
	bool later;
};

#define CMD(_idx, _req, _type, _last, _build, _cleanup)			\
	[_idx] = {							\
		.name = #_req,						\
		.request = _req,					\
		.size = sizeof(_type),					\
		.min_size = offsetofend(_type, _last),			\
		.build = _build,					\
		.cleanup = _cleanup,					\
		.later = _idx == C_SET_DIRTY || _idx == C_GET_DIRTY ||	\
			 _idx == C_INVALIDATE || _idx == C_FAULT_ALLOC,	\
	}

static const struct cmd_desc cmds[C_NR] = {
	CMD(C_DESTROY, IOMMU_DESTROY, struct iommu_destroy, id,
	    build_destroy, NULL),
	CMD(C_IOAS_ALLOC, IOMMU_IOAS_ALLOC, struct iommu_ioas_alloc,
	    out_ioas_id, build_ioas_alloc, NULL),
	CMD(C_ALLOW_IOVAS, IOMMU_IOAS_ALLOW_IOVAS,
	    struct iommu_ioas_allow_iovas, allowed_iovas, build_allow_iovas,
	    NULL),
	CMD(C_COPY, IOMMU_IOAS_COPY, struct iommu_ioas_copy, src_iova,
	    build_copy, NULL),
	CMD(C_IOVA_RANGES, IOMMU_IOAS_IOVA_RANGES,
	    struct iommu_ioas_iova_ranges, out_iova_alignment,
	    build_iova_ranges, NULL),
	CMD(C_MAP, IOMMU_IOAS_MAP, struct iommu_ioas_map, iova, build_map,
	    NULL),
	CMD(C_UNMAP, IOMMU_IOAS_UNMAP, struct iommu_ioas_unmap, length,
	    build_unmap, NULL),
	CMD(C_OPTION, IOMMU_OPTION, struct iommu_option, val64, build_option,
	    NULL),
	CMD(C_VFIO_IOAS, IOMMU_VFIO_IOAS, struct iommu_vfio_ioas, __reserved,
	    build_vfio_ioas, NULL),
	CMD(C_HWPT_ALLOC, IOMMU_HWPT_ALLOC, struct iommu_hwpt_alloc,
	    __reserved, build_hwpt_alloc, NULL),
	CMD(C_HW_INFO, IOMMU_GET_HW_INFO, struct iommu_hw_info, __reserved,
	    build_hw_info, NULL),
	CMD(C_SET_DIRTY, IOMMU_HWPT_SET_DIRTY_TRACKING,
	    struct iommu_hwpt_set_dirty_tracking, __reserved, build_set_dirty,
	    NULL),
	CMD(C_GET_DIRTY, IOMMU_HWPT_GET_DIRTY_BITMAP,
	    struct iommu_hwpt_get_dirty_bitmap, data, build_get_dirty, NULL),
	CMD(C_INVALIDATE, IOMMU_HWPT_INVALIDATE, struct iommu_hwpt_invalidate,
	    __reserved, build_invalidate, NULL),
	CMD(C_FAULT_ALLOC, IOMMU_FAULT_QUEUE_ALLOC, struct iommu_fault_alloc,
	    out_fault_fd, build_fault_alloc, cleanup_fault_alloc),
	CMD(C_TEST_CMD, IOMMU_TEST_CMD, struct iommu_test_cmd, last,
	    build_test_cmd, NULL),
};

/* Room for any command plus a generous tail */
#define RAW_SIZE 512
#define TAIL 64

static bool all_zero(const unsigned char *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/*
 * Build a valid request for @c in @raw. When that is not possible, @raw is
 * left zeroed (only the size rules of the dispatcher can then be checked).
 * Returns whether a valid request was built.
 */
static bool build(struct _test_data_obj *self, const struct cmd_desc *c,
		  unsigned char *raw, size_t raw_size, __u32 size)
{
	bool built;

	memset(raw, 0, raw_size);
	built = !c->build(self, raw);
	if (!built)
		memset(raw, 0, raw_size);
	memcpy(raw, &size, sizeof(size));
	return built;
}

/*
 * A command of a later feature is not available yet when its valid request
 * cannot be built or is refused as a whole with EOPNOTSUPP.
 */
static bool later_available(struct _test_data_obj *self, const struct cmd_desc *c)
{
	__u64 probe64[RAW_SIZE / 8];
	unsigned char *probe = (unsigned char *)probe64;
	int rc;

	if (!build(self, c, probe, RAW_SIZE, c->size))
		return false;
	rc = ioctl(self->fd, c->request, probe);
	if (!rc && c->cleanup)
		c->cleanup(self, probe);
	return !rc || errno != EOPNOTSUPP;
}

/*
 * Whether the checks that need a valid request apply to @c. A command of a
 * later feature that is not available yet is reported and passed over; any
 * other command that cannot be built is a failure.
 */
static bool buildable(struct __test_metadata *_metadata,
		      struct _test_data_obj *self, const struct cmd_desc *c,
		      bool built)
{
	if (c->later && !later_available(self, c)) {
		TH_LOG("%s: not available yet, checks skipped", c->name);
		return false;
	}
	if (!built) {
		TH_LOG("%s: cannot build a valid request", c->name);
		EXPECT_TRUE(built);
	}
	return built;
}

/* The minimum sizes documented in the uAPI, so a layout change is caught */
TEST(documented_minimum_sizes)
{
	static const size_t expected[C_NR] = {
		[C_DESTROY] = 8, [C_IOAS_ALLOC] = 12, [C_ALLOW_IOVAS] = 24,
		[C_COPY] = 40, [C_IOVA_RANGES] = 32, [C_MAP] = 40,
		[C_UNMAP] = 24, [C_OPTION] = 24, [C_VFIO_IOAS] = 12,
		[C_HWPT_ALLOC] = 24, [C_HW_INFO] = 32, [C_SET_DIRTY] = 16,
		[C_GET_DIRTY] = 48, [C_INVALIDATE] = 32, [C_FAULT_ALLOC] = 16,
		[C_TEST_CMD] = 68,
	};
	int i;

	for (i = 0; i != C_NR; i++) {
		if (cmds[i].min_size != expected[i])
			TH_LOG("%s", cmds[i].name);
		EXPECT_EQ(expected[i], cmds[i].min_size);
	}
	EXPECT_EQ(72, sizeof(struct iommu_test_cmd));
	EXPECT_EQ(0x3ba0, IOMMU_TEST_CMD);
}

TEST_F(obj, valid_requests_succeed)
{
	__u64 raw64[RAW_SIZE / 8];
	unsigned char *raw = (unsigned char *)raw64;
	bool built;
	int i, rc;

	for (i = 0; i != C_NR; i++) {
		built = build(self, &cmds[i], raw, RAW_SIZE, cmds[i].size);
		if (!buildable(_metadata, self, &cmds[i], built))
			continue;
		rc = ioctl(self->fd, cmds[i].request, raw);
		if (rc)
			TH_LOG("%s: %s", cmds[i].name, strerror(errno));
		EXPECT_EQ(0, rc);
		if (!rc && cmds[i].cleanup)
			cmds[i].cleanup(self, raw);
	}
}

TEST_F(obj, size_below_minimum)
{
	__u64 raw64[RAW_SIZE / 8];
	unsigned char *raw = (unsigned char *)raw64;
	__u32 sizes[3];
	int i, j;

	for (i = 0; i != C_NR; i++) {
		sizes[0] = 0;
		sizes[1] = sizeof(__u32);
		sizes[2] = cmds[i].min_size - 1;
		for (j = 0; j != ARRAY_SIZE(sizes); j++) {
			int rc;

			build(self, &cmds[i], raw, RAW_SIZE, sizes[j]);
			rc = ioctl(self->fd, cmds[i].request, raw);

			if (rc != -1 || errno != EINVAL)
				TH_LOG("%s size %u: rc %d %s", cmds[i].name,
				       sizes[j], rc, strerror(errno));
			EXPECT_EQ(-1, rc);
			EXPECT_EQ(EINVAL, errno);
		}
	}
}

TEST_F(obj, size_minimum_accepted)
{
	__u64 raw64[RAW_SIZE / 8];
	unsigned char *raw = (unsigned char *)raw64;
	bool built;
	int i, rc;

	for (i = 0; i != C_NR; i++) {
		built = build(self, &cmds[i], raw, RAW_SIZE, cmds[i].min_size);
		if (!buildable(_metadata, self, &cmds[i], built))
			continue;
		rc = ioctl(self->fd, cmds[i].request, raw);
		if (rc)
			TH_LOG("%s min size %zu: %s", cmds[i].name,
			       cmds[i].min_size, strerror(errno));
		EXPECT_EQ(0, rc);
		if (!rc && cmds[i].cleanup)
			cmds[i].cleanup(self, raw);
	}
}

TEST_F(obj, size_larger_zero_tail)
{
	__u64 raw64[RAW_SIZE / 8];
	unsigned char *raw = (unsigned char *)raw64;
	bool built;
	int i, rc;

	for (i = 0; i != C_NR; i++) {
		built = build(self, &cmds[i], raw, RAW_SIZE,
			      cmds[i].size + TAIL);
		if (!buildable(_metadata, self, &cmds[i], built))
			continue;
		rc = ioctl(self->fd, cmds[i].request, raw);
		if (rc)
			TH_LOG("%s size %zu: %s", cmds[i].name,
			       cmds[i].size + TAIL, strerror(errno));
		EXPECT_EQ(0, rc);
		if (!rc && cmds[i].cleanup)
			cmds[i].cleanup(self, raw);
		/* Nothing is written beyond the structure the kernel knows */
		EXPECT_TRUE(all_zero(raw + cmds[i].size, TAIL));
	}
}

/* A structure spanning two pages (the tail crosses a page boundary) */
TEST_F(obj, size_larger_than_page)
{
	unsigned char *area;
	int i, rc;

	area = mmap(NULL, 2 * page_sz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	for (i = 0; i != C_NR; i++) {
		__u32 size = 2 * page_sz;
		bool built;

		built = build(self, &cmds[i], area, size, size);
		if (buildable(_metadata, self, &cmds[i], built)) {
			rc = ioctl(self->fd, cmds[i].request, area);
			if (rc)
				TH_LOG("%s: %s", cmds[i].name,
				       strerror(errno));
			EXPECT_EQ(0, rc);
			if (!rc && cmds[i].cleanup)
				cmds[i].cleanup(self, area);
		}

		build(self, &cmds[i], area, size, size);
		area[2 * page_sz - 1] = 1;
		EXPECT_ERRNO(E2BIG, ioctl(self->fd, cmds[i].request, area));
	}
	munmap(area, 2 * page_sz);
}

TEST_F(obj, size_larger_nonzero_tail)
{
	__u64 raw64[RAW_SIZE / 8];
	unsigned char *raw = (unsigned char *)raw64;
	static const unsigned int pos[] = { 0, 1, TAIL - 1 };
	size_t size;
	int i, j, rc;

	for (i = 0; i != C_NR; i++) {
		size = cmds[i].size + TAIL;
		for (j = 0; j != ARRAY_SIZE(pos); j++) {
			build(self, &cmds[i], raw, RAW_SIZE, size);
			raw[cmds[i].size + pos[j]] = 0x80;
			rc = ioctl(self->fd, cmds[i].request, raw);
			if (rc != -1 || errno != E2BIG)
				TH_LOG("%s tail byte %u: rc %d %s",
				       cmds[i].name, pos[j], rc,
				       strerror(errno));
			EXPECT_EQ(-1, rc);
			EXPECT_EQ(E2BIG, errno);
		}
	}
}

TEST_F(obj, null_argument)
{
	int i;

	for (i = 0; i != C_NR; i++) {
		int rc = ioctl(self->fd, cmds[i].request, NULL);

		if (rc != -1 || errno != EFAULT)
			TH_LOG("%s: rc %d %s", cmds[i].name, rc,
			       strerror(errno));
		EXPECT_EQ(-1, rc);
		EXPECT_EQ(EFAULT, errno);
	}
}

/* ---------------------------------------------------------------------- */
/* Single-field perturbations of valid requests                            */
/* ---------------------------------------------------------------------- */

enum pert_value {
	PV_CONST,	/* .value */
	PV_IOAS,	/* an IOAS */
	PV_HWPT,	/* the auto paging HWPT */
	PV_IDEV,	/* the device object */
	PV_STDEV,	/* the selftest object */
};

struct perturbation {
	enum cmd_index cmd;
	const char *field;
	unsigned int offset;
	unsigned int width;
	enum pert_value kind;
	__u64 value;
	int expect;
};

#define PERT(_cmd, _type, _field, _kind, _value, _errno)		\
	{								\
		.cmd = _cmd,						\
		.field = #_type "." #_field " = " #_value,		\
		.offset = offsetof(_type, _field),			\
		.width = sizeof(((_type *)0)->_field),			\
		.kind = _kind,						\
		.value = _value,					\
		.expect = _errno,					\
	}

#define PCONST(_cmd, _type, _field, _value, _errno)			\
	PERT(_cmd, _type, _field, PV_CONST, _value, _errno)

static const struct perturbation perturbations[] = {
	/* Unknown flags, ops and options */
	PCONST(C_IOAS_ALLOC, struct iommu_ioas_alloc, flags, 1, EOPNOTSUPP),
	PCONST(C_IOAS_ALLOC, struct iommu_ioas_alloc, flags, 1U << 31,
	       EOPNOTSUPP),
	PCONST(C_MAP, struct iommu_ioas_map, flags, 1 << 3, EOPNOTSUPP),
	PCONST(C_MAP, struct iommu_ioas_map, flags, 1U << 31, EOPNOTSUPP),
	PCONST(C_COPY, struct iommu_ioas_copy, flags, 1 << 3, EOPNOTSUPP),
	PCONST(C_COPY, struct iommu_ioas_copy, flags, 1 << 15, EOPNOTSUPP),
	PCONST(C_OPTION, struct iommu_option, op, 2, EOPNOTSUPP),
	PCONST(C_OPTION, struct iommu_option, option_id, 2, EOPNOTSUPP),
	PCONST(C_OPTION, struct iommu_option, option_id, 0xffff, EOPNOTSUPP),
	PCONST(C_VFIO_IOAS, struct iommu_vfio_ioas, op, 3, EOPNOTSUPP),
	PCONST(C_HWPT_ALLOC, struct iommu_hwpt_alloc, flags, 1 << 3,
	       EOPNOTSUPP),
	PCONST(C_HWPT_ALLOC, struct iommu_hwpt_alloc, flags,
	       IOMMU_HWPT_FAULT_ID_VALID, EOPNOTSUPP),
	PCONST(C_HW_INFO, struct iommu_hw_info, flags, 2, EOPNOTSUPP),
	PCONST(C_SET_DIRTY, struct iommu_hwpt_set_dirty_tracking, flags, 2,
	       EOPNOTSUPP),
	PCONST(C_GET_DIRTY, struct iommu_hwpt_get_dirty_bitmap, flags, 2,
	       EOPNOTSUPP),
	PCONST(C_FAULT_ALLOC, struct iommu_fault_alloc, flags, 1, EOPNOTSUPP),
	PCONST(C_TEST_CMD, struct iommu_test_cmd, op, 0, EOPNOTSUPP),
	PCONST(C_TEST_CMD, struct iommu_test_cmd, op, 1000, EOPNOTSUPP),

	/* Reserved fields */
	PCONST(C_MAP, struct iommu_ioas_map, __reserved, 1, EOPNOTSUPP),
	PCONST(C_IOVA_RANGES, struct iommu_ioas_iova_ranges, __reserved, 1,
	       EOPNOTSUPP),
	PCONST(C_ALLOW_IOVAS, struct iommu_ioas_allow_iovas, __reserved, 1,
	       EOPNOTSUPP),
	PCONST(C_OPTION, struct iommu_option, __reserved, 1, EOPNOTSUPP),
	PCONST(C_VFIO_IOAS, struct iommu_vfio_ioas, __reserved, 1,
	       EOPNOTSUPP),
	PCONST(C_HWPT_ALLOC, struct iommu_hwpt_alloc, __reserved, 1,
	       EOPNOTSUPP),
	PCONST(C_HW_INFO, struct iommu_hw_info, __reserved[0], 1, EOPNOTSUPP),
	PCONST(C_HW_INFO, struct iommu_hw_info, __reserved[2], 1, EOPNOTSUPP),
	PCONST(C_SET_DIRTY, struct iommu_hwpt_set_dirty_tracking, __reserved,
	       1, EOPNOTSUPP),
	PCONST(C_GET_DIRTY, struct iommu_hwpt_get_dirty_bitmap, __reserved,
	       1, EOPNOTSUPP),
	PCONST(C_INVALIDATE, struct iommu_hwpt_invalidate, __reserved, 1,
	       EOPNOTSUPP),

	/* IDs that name nothing */
	PCONST(C_DESTROY, struct iommu_destroy, id, 0, ENOENT),
	PCONST(C_DESTROY, struct iommu_destroy, id, BAD_ID, ENOENT),
	PCONST(C_DESTROY, struct iommu_destroy, id, UINT32_MAX, ENOENT),
	PCONST(C_ALLOW_IOVAS, struct iommu_ioas_allow_iovas, ioas_id, BAD_ID,
	       ENOENT),
	PCONST(C_COPY, struct iommu_ioas_copy, dst_ioas_id, BAD_ID, ENOENT),
	PCONST(C_COPY, struct iommu_ioas_copy, src_ioas_id, BAD_ID, ENOENT),
	PCONST(C_IOVA_RANGES, struct iommu_ioas_iova_ranges, ioas_id, 0,
	       ENOENT),
	PCONST(C_MAP, struct iommu_ioas_map, ioas_id, BAD_ID, ENOENT),
	PCONST(C_UNMAP, struct iommu_ioas_unmap, ioas_id, BAD_ID, ENOENT),
	PCONST(C_OPTION, struct iommu_option, object_id, BAD_ID, ENOENT),
	PCONST(C_VFIO_IOAS, struct iommu_vfio_ioas, ioas_id, BAD_ID, ENOENT),
	PCONST(C_HWPT_ALLOC, struct iommu_hwpt_alloc, dev_id, BAD_ID, ENOENT),
	PCONST(C_HWPT_ALLOC, struct iommu_hwpt_alloc, pt_id, BAD_ID, EINVAL),
	PCONST(C_HW_INFO, struct iommu_hw_info, dev_id, BAD_ID, ENOENT),
	PCONST(C_SET_DIRTY, struct iommu_hwpt_set_dirty_tracking, hwpt_id,
	       BAD_ID, ENOENT),
	PCONST(C_GET_DIRTY, struct iommu_hwpt_get_dirty_bitmap, hwpt_id,
	       BAD_ID, ENOENT),
	PCONST(C_INVALIDATE, struct iommu_hwpt_invalidate, hwpt_id, BAD_ID,
	       ENOENT),

	/* IDs of objects of the wrong kind */
	PERT(C_MAP, struct iommu_ioas_map, ioas_id, PV_HWPT, 0, ENOENT),
	PERT(C_MAP, struct iommu_ioas_map, ioas_id, PV_IDEV, 0, ENOENT),
	PERT(C_MAP, struct iommu_ioas_map, ioas_id, PV_STDEV, 0, ENOENT),
	PERT(C_UNMAP, struct iommu_ioas_unmap, ioas_id, PV_HWPT, 0, ENOENT),
	PERT(C_IOVA_RANGES, struct iommu_ioas_iova_ranges, ioas_id, PV_IDEV,
	     0, ENOENT),
	PERT(C_ALLOW_IOVAS, struct iommu_ioas_allow_iovas, ioas_id, PV_HWPT,
	     0, ENOENT),
	PERT(C_COPY, struct iommu_ioas_copy, src_ioas_id, PV_HWPT, 0, ENOENT),
	PERT(C_COPY, struct iommu_ioas_copy, dst_ioas_id, PV_STDEV, 0,
	     ENOENT),
	PERT(C_OPTION, struct iommu_option, object_id, PV_HWPT, 0, ENOENT),
	PERT(C_VFIO_IOAS, struct iommu_vfio_ioas, ioas_id, PV_HWPT, 0,
	     ENOENT),
	PERT(C_HWPT_ALLOC, struct iommu_hwpt_alloc, dev_id, PV_IOAS, 0,
	     ENOENT),
	PERT(C_HWPT_ALLOC, struct iommu_hwpt_alloc, pt_id, PV_IDEV, 0, EINVAL),
	PERT(C_HW_INFO, struct iommu_hw_info, dev_id, PV_HWPT, 0, ENOENT),
	PERT(C_SET_DIRTY, struct iommu_hwpt_set_dirty_tracking, hwpt_id,
	     PV_IOAS, 0, ENOENT),
	PERT(C_GET_DIRTY, struct iommu_hwpt_get_dirty_bitmap, hwpt_id,
	     PV_IDEV, 0, ENOENT),
	PERT(C_INVALIDATE, struct iommu_hwpt_invalidate, hwpt_id, PV_HWPT, 0,
	     ENOENT),
};

static __u64 pert_value(struct _test_data_obj *self, const struct perturbation *p)
{
	switch (p->kind) {
	case PV_IOAS:
		return self->ioas_id;
	case PV_HWPT:
		return self->hwpt_id;
	case PV_IDEV:
		return self->idev_id;
	case PV_STDEV:
		return self->stdev_id;
	default:
		return p->value;
	}
}

static void poke(void *cmd, unsigned int offset, unsigned int width,
		 __u64 value)
{
	unsigned char *dst = (unsigned char *)cmd + offset;
	__u8 v8 = value;
	__u16 v16 = value;
	__u32 v32 = value;

	switch (width) {
	case 1:
		memcpy(dst, &v8, 1);
		break;
	case 2:
		memcpy(dst, &v16, 2);
		break;
	case 4:
		memcpy(dst, &v32, 4);
		break;
	default:
		memcpy(dst, &value, 8);
	}
}

TEST_F(obj, single_field_errors)
{
	__u64 raw64[RAW_SIZE / 8];
	unsigned char *raw = (unsigned char *)raw64;
	unsigned char before[RAW_SIZE];
	int i, rc;

	for (i = 0; i != ARRAY_SIZE(perturbations); i++) {
		const struct perturbation *p = &perturbations[i];
		const struct cmd_desc *c = &cmds[p->cmd];

		if (!buildable(_metadata, self, c,
			       build(self, c, raw, RAW_SIZE, c->size)))
			continue;
		poke(raw, p->offset, p->width, pert_value(self, p));
		memcpy(before, raw, RAW_SIZE);
		rc = ioctl(self->fd, c->request, raw);
		if (rc != -1 || errno != p->expect)
			TH_LOG("%s: rc %d %s, want %s", p->field, rc,
			       strerror(errno), strerror(p->expect));
		EXPECT_EQ(-1, rc);
		EXPECT_EQ(p->expect, errno);
		/*
		 * Results are copied back only on success. Two documented
		 * exceptions update counts on failure.
		 */
		if (p->cmd != C_IOVA_RANGES && p->cmd != C_INVALIDATE)
			EXPECT_EQ(0, memcmp(before, raw, c->size));
	}
}

/* ---------------------------------------------------------------------- */
/* Request numbers                                                         */
/* ---------------------------------------------------------------------- */

TEST(unknown_request_numbers)
{
	__u64 raw64[RAW_SIZE / 8] = { 0 };
	unsigned char *raw = (unsigned char *)raw64;
	unsigned int nr;
	int fd;

	fd = ifd_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	memcpy(raw, &(__u32){ 64 }, sizeof(__u32));

	/* Reserved for later commands (0x8f..0x94) and unassigned holes */
	for (nr = 0x8f; nr != 0xa0; nr++)
		EXPECT_ERRNO(ENOTTY, ioctl(fd, _IO(IOMMUFD_TYPE, nr), raw));
	for (nr = 0xa1; nr != 0x100; nr++)
		EXPECT_ERRNO(ENOTTY, ioctl(fd, _IO(IOMMUFD_TYPE, nr), raw));
	EXPECT_ERRNO(ENOTTY, ioctl(fd, _IO(IOMMUFD_TYPE, 0x7f), raw));

	/* Valid numbers with direction/size bits are different requests */
	for (nr = IOMMUFD_CMD_BASE; nr <= IOMMUFD_CMD_FAULT_QUEUE_ALLOC; nr++) {
		EXPECT_ERRNO(ENOTTY,
			     ioctl(fd, _IOWR(IOMMUFD_TYPE, nr, __u32), raw));
		EXPECT_ERRNO(ENOTTY,
			     ioctl(fd, _IOW(IOMMUFD_TYPE, nr, __u64), raw));
	}
	EXPECT_ERRNO(ENOTTY,
		     ioctl(fd, _IOWR(IOMMUFD_TYPE, 0xa0,
				     struct iommu_test_cmd), raw));

	/* Another ioctl type byte */
	EXPECT_ERRNO(ENOTTY, ioctl(fd, _IO('x', IOMMUFD_CMD_IOAS_ALLOC), raw));

	/* The fd still works */
	EXPECT_OK(ifd_ioas_alloc(fd, NULL));
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* Object IDs                                                              */
/* ---------------------------------------------------------------------- */

#define NR_IDS 64

TEST(ids_nonzero_unique_and_released)
{
	__u32 ids[NR_IDS];
	int fd, i, j;

	fd = ifd_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	for (i = 0; i != NR_IDS; i++) {
		ASSERT_OK(ifd_ioas_alloc(fd, &ids[i]));
		ASSERT_NE(0, ids[i]);
		for (j = 0; j != i; j++)
			ASSERT_NE(ids[j], ids[i]);
	}
	/* Destroy every other one: the rest stays usable */
	for (i = 0; i < NR_IDS; i += 2)
		ASSERT_OK(ifd_destroy(fd, ids[i]));
	for (i = 0; i != NR_IDS; i++) {
		__u32 num = 0;

		if (i % 2) {
			ASSERT_ERRNO(EMSGSIZE, ifd_iova_ranges(fd, ids[i], NULL,
							       &num, NULL));
			ASSERT_EQ(1, num);
		} else {
			ASSERT_ERRNO(ENOENT, ifd_iova_ranges(fd, ids[i], NULL,
							     &num, NULL));
			ASSERT_ERRNO(ENOENT, ifd_destroy(fd, ids[i]));
		}
	}
	for (i = 1; i < NR_IDS; i += 2)
		ASSERT_OK(ifd_destroy(fd, ids[i]));
	for (i = 0; i != NR_IDS; i++)
		ASSERT_ERRNO(ENOENT, ifd_destroy(fd, ids[i]));
	close(fd);
}

TEST(ids_are_per_file)
{
	__u32 ioas1, ioas2;
	int fd1, fd2;

	fd1 = ifd_open();
	if (fd1 < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));
	fd2 = ifd_open();
	ASSERT_LE(0, fd2);
	ASSERT_OK(ifd_ioas_alloc(fd1, &ioas1));
	ASSERT_ERRNO(ENOENT, ifd_destroy(fd2, ioas1));
	ASSERT_OK(ifd_ioas_alloc(fd2, &ioas2));
	ASSERT_OK(ifd_destroy(fd1, ioas1));
	/* Closing one file leaves the other intact */
	close(fd1);
	ASSERT_OK(ifd_destroy(fd2, ioas2));
	close(fd2);
}

TEST_F(obj, destroyed_ioas_is_gone)
{
	__u32 ioas, num = 1;
	__u64 iova = 0, val;
	struct iommu_iova_range r = { .start = 0, .last = page_sz - 1 };

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
	ASSERT_OK(ifd_map(self->fd, ioas, self->buf, page_sz, &iova));
	ASSERT_OK(ifd_destroy(self->fd, ioas));

	ASSERT_ERRNO(ENOENT, ifd_map(self->fd, ioas, self->buf, page_sz,
				     &iova));
	ASSERT_ERRNO(ENOENT, ifd_unmap(self->fd, ioas, 0, UINT64_MAX, NULL));
	ASSERT_ERRNO(ENOENT, ifd_iova_ranges(self->fd, ioas, &r, &num, NULL));
	ASSERT_ERRNO(ENOENT, ifd_allow_iovas(self->fd, ioas, &r, 1));
	ASSERT_ERRNO(ENOENT, ifd_copy(self->fd, ioas, &iova, self->ioas_id,
				      self->iova, page_sz, MAP_RW));
	ASSERT_ERRNO(ENOENT, ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					    ioas, &val));
	ASSERT_ERRNO(ENOENT, mock_domain(self->fd, ioas, NULL, NULL, NULL));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, ioas));
}

/* ---------------------------------------------------------------------- */
/* Dependencies between objects                                            */
/* ---------------------------------------------------------------------- */

TEST_F(obj, destroy_in_use_is_ebusy)
{
	/* The IOAS has a device, the device is owned by its stdev */
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->idev_id));
	/* Refused requests changed nothing */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->buf_size));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 1));

	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	/* Automatic HWPT and device object went with the device */
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->idev_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->stdev_id));
	/* No domain left: nothing is pinned, the mapping itself remains */
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->ioas_id));
}

TEST_F(obj, explicit_hwpt_lifetime)
{
	__u32 hwpt, stdev2;

	ASSERT_OK(ifd_hwpt_alloc(self->fd, self->idev_id, self->ioas_id, 0,
				 &hwpt));
	/* A HWPT keeps its IOAS alive */
	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
	/* A device attached keeps the HWPT alive */
	ASSERT_OK(mock_domain(self->fd, hwpt, &stdev2, NULL, NULL));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, hwpt));
	ASSERT_OK(ifd_destroy(self->fd, stdev2));
	/* Explicit HWPTs are not destroyed with their last device */
	ASSERT_OK(mock_check_map(self->fd, hwpt, self->iova, self->buf,
				 self->buf_size));
	ASSERT_OK(ifd_destroy(self->fd, hwpt));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

TEST_F(obj, access_keeps_ioas_busy)
{
	int access_fd;

	ASSERT_OK(ifd_destroy(self->fd, self->stdev_id));
	ASSERT_OK(mock_access_create(self->fd, self->ioas_id, 0, &access_fd));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, self->ioas_id));
	ASSERT_OK(close(access_fd));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
}

TEST_F(obj, mock_domain_bad_target)
{
	ASSERT_ERRNO(ENOENT, mock_domain(self->fd, 0, NULL, NULL, NULL));
	ASSERT_ERRNO(ENOENT, mock_domain(self->fd, BAD_ID, NULL, NULL, NULL));
	/* Objects that are neither an IOAS nor a HWPT */
	ASSERT_ERRNO(EINVAL, mock_domain(self->fd, self->idev_id, NULL, NULL,
					 NULL));
	ASSERT_ERRNO(EINVAL, mock_domain(self->fd, self->stdev_id, NULL, NULL,
					 NULL));
	/* Unknown device flags */
	ASSERT_ERRNO(EINVAL, mock_domain_flags(self->fd, self->ioas_id,
					       1U << 31, NULL, NULL, NULL));
}

TEST_F(obj, mock_domain_outputs)
{
	__u32 stdev, hwpt, idev;

	ASSERT_OK(mock_domain(self->fd, self->ioas_id, &stdev, &hwpt, &idev));
	ASSERT_NE(0, stdev);
	ASSERT_NE(0, idev);
	/* A second device on the same IOAS shares the automatic HWPT */
	ASSERT_EQ(self->hwpt_id, hwpt);
	ASSERT_NE(stdev, idev);
	ASSERT_NE(self->stdev_id, stdev);
	ASSERT_NE(self->idev_id, idev);
	/* Attaching to the HWPT directly gives back that HWPT */
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	ASSERT_OK(mock_domain(self->fd, self->hwpt_id, &stdev, &hwpt, &idev));
	ASSERT_EQ(self->hwpt_id, hwpt);
	ASSERT_OK(ifd_destroy(self->fd, stdev));
	/* The first device still holds the HWPT */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->buf_size));
}

TEST_F(obj, domain_replace_ids)
{
	__u32 ioas2, pt;

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas2));
	/* Only selftest objects can be replaced */
	pt = ioas2;
	ASSERT_ERRNO(ENOENT, mock_domain_replace(self->fd, self->idev_id, &pt));
	pt = BAD_ID;
	ASSERT_ERRNO(ENOENT, mock_domain_replace(self->fd, self->stdev_id,
						 &pt));
	pt = self->idev_id;
	ASSERT_ERRNO(EINVAL, mock_domain_replace(self->fd, self->stdev_id,
						 &pt));
	/* Replacing with the current HWPT is a no-op */
	pt = self->hwpt_id;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_EQ(self->hwpt_id, pt);

	/* Moving the only device away frees the automatic HWPT */
	pt = ioas2;
	ASSERT_OK(mock_domain_replace(self->fd, self->stdev_id, &pt));
	ASSERT_NE(self->hwpt_id, pt);
	ASSERT_NE(0, pt);
	ASSERT_ERRNO(ENOENT, ifd_destroy(self->fd, self->hwpt_id));
	ASSERT_OK(ifd_destroy(self->fd, self->ioas_id));
	ASSERT_ERRNO(EBUSY, ifd_destroy(self->fd, ioas2));
	ASSERT_OK(mock_check_refs(self->fd, self->buf, self->buf_size, 0));
}

/* ---------------------------------------------------------------------- */
/* Teardown on close                                                       */
/* ---------------------------------------------------------------------- */

/* Build a graph of objects that holds pins on @buf */
static int build_graph(int fd, void *buf, size_t size, int *access_fd)
{
	__u32 ioas1, ioas2, stdev, hwpt, idev, pages_id;
	__u64 iova;

	if (ifd_ioas_alloc(fd, &ioas1) || ifd_ioas_alloc(fd, &ioas2))
		return -1;
	if (mock_domain(fd, ioas1, &stdev, &hwpt, &idev) ||
	    mock_domain(fd, ioas2, NULL, NULL, NULL))
		return -1;
	if (ifd_map_fixed(fd, ioas1, buf, size, MOCK_APERTURE_START))
		return -1;
	if (ifd_copy(fd, ioas2, &iova, ioas1, MOCK_APERTURE_START, size,
		     MAP_RW))
		return -1;
	if (ifd_hwpt_alloc(fd, idev, ioas2, 0, NULL))
		return -1;
	if (mock_access_create(fd, ioas2,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
			       access_fd))
		return -1;
	return mock_access_pages(fd, *access_fd, 0, iova, size, buf,
				 &pages_id);
}

TEST(close_releases_everything)
{
	size_t size = 8 * page_sz;
	int fd, access_fd;
	void *buf;

	fd = mock_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(fd));
	buf = buf_alloc(size, BUF_SMALL);
	ASSERT_NE(NULL, buf);

	ASSERT_OK(build_graph(fd, buf, size, &access_fd));
	/* One pin per page, however many domains, copies and accesses */
	ASSERT_OK(mock_check_refs(fd, buf, size, 1));
	ASSERT_OK(close(access_fd));
	ASSERT_OK(close(fd));

	fd = ifd_open();
	ASSERT_LE(0, fd);
	ASSERT_OK(mock_check_refs(fd, buf, size, 0));
	close(fd);
}

/* An open access fd keeps the iommufd context alive */
TEST(access_fd_outlives_iommufd)
{
	size_t size = 4 * page_sz;
	int fd, fd2, access_fd;
	void *buf;

	fd = mock_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", mock_open_error(fd));
	buf = buf_alloc(size, BUF_SMALL);
	ASSERT_NE(NULL, buf);
	fd2 = ifd_open();
	ASSERT_LE(0, fd2);

	ASSERT_OK(build_graph(fd, buf, size, &access_fd));
	ASSERT_OK(close(fd));
	ASSERT_OK(mock_check_refs(fd2, buf, size, 1));
	ASSERT_OK(close(access_fd));
	ASSERT_OK(mock_check_refs(fd2, buf, size, 0));
	close(fd2);
}

/* ---------------------------------------------------------------------- */
/* Copy-out failures and IOMMU_OPTION_RLIMIT_MODE                          */
/* ---------------------------------------------------------------------- */

TEST_F(obj, readonly_argument_rolls_back)
{
	struct iommu_ioas_map *map;
	void *page, *other;

	other = buf_alloc(page_sz, BUF_SMALL);
	ASSERT_NE(NULL, other);
	page = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);

	/* The kernel cannot report the chosen IOVA, so the map is undone */
	map = page;
	map->size = sizeof(*map);
	map->flags = MAP_RW;
	map->ioas_id = self->ioas_id;
	map->user_va = (uintptr_t)other;
	map->length = page_sz;
	ASSERT_OK(mprotect(page, page_sz, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_MAP, page));
	ASSERT_OK(mock_check_refs(self->fd, other, page_sz, 0));

	/* Same for an allocation that cannot return its ID */
	ASSERT_OK(mprotect(page, page_sz, PROT_READ | PROT_WRITE));
	memset(page, 0, page_sz);
	((struct iommu_ioas_alloc *)page)->size =
		sizeof(struct iommu_ioas_alloc);
	ASSERT_OK(mprotect(page, page_sz, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, page));

	munmap(page, page_sz);
	munmap(other, page_sz);
}

TEST(option_rlimit_mode)
{
	__u64 val;
	__u32 ioas;
	int fd;

	fd = ifd_open();
	if (fd < 0)
		SKIP(return, "/dev/iommu: %s", strerror(errno));

	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(0, val);
	ASSERT_OK(ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(1, val);
	ASSERT_ERRNO(EINVAL, ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					    2));
	/* A per-file option takes no object */
	ASSERT_ERRNO(EOPNOTSUPP, ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE,
						1, &val));

	/* Cannot change while objects (and thus possible charges) exist */
	ASSERT_OK(ifd_ioas_alloc(fd, &ioas));
	ASSERT_ERRNO(EBUSY, ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					   0));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(1, val);
	ASSERT_OK(ifd_destroy(fd, ioas));
	ASSERT_OK(ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));

	/* Privileged */
	ASSERT_OK(drop_capability(CAP_SYS_RESOURCE));
	ASSERT_ERRNO(EPERM, ifd_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					   1));
	ASSERT_OK(ifd_option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	ASSERT_EQ(0, val);
	close(fd);
}

TEST_F(obj, option_huge_pages)
{
	__u32 ioas;
	__u64 val;

	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	ASSERT_EQ(1, val);
	/* Not while domains hold mappings, which may use large IOPTEs */
	ASSERT_ERRNO(EBUSY, ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					   self->ioas_id, 0));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				 self->ioas_id, &val));
	ASSERT_EQ(1, val);

	ASSERT_OK(ifd_ioas_alloc(self->fd, &ioas));
	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas, 0));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				 &val));
	ASSERT_EQ(0, val);
	ASSERT_ERRNO(EINVAL, ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					    ioas, 2));
	/* Per-IOAS option: 0 is not an IOAS */
	ASSERT_ERRNO(ENOENT, ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					    0, &val));
	ASSERT_OK(ifd_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas, 1));
	ASSERT_OK(ifd_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				 &val));
	ASSERT_EQ(1, val);
}

static int vfio_ioas(int fd, __u16 op, __u32 *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.ioas_id = *ioas_id,
		.op = op,
	};
	int rc;

	rc = ioctl(fd, IOMMU_VFIO_IOAS, &cmd);
	if (!rc)
		*ioas_id = cmd.ioas_id;
	return rc;
}

TEST_F(obj, vfio_compat_ioas)
{
	__u32 id = 0;

	ASSERT_ERRNO(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	id = self->ioas_id;
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 0;
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	ASSERT_EQ(self->ioas_id, id);
	ASSERT_OK(vfio_ioas(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id));
	ASSERT_ERRNO(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	/* Clearing never destroyed the IOAS */
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id, self->iova,
				 self->buf, self->buf_size));
}

TEST_F(obj, temp_memory_limit_bounds)
{
	/* One PFN batch element (unsigned long + u32) is the minimum */
	ASSERT_ERRNO(EINVAL, mock_set_temp_memory_limit(self->fd, 0));
	ASSERT_ERRNO(EINVAL, mock_set_temp_memory_limit(self->fd,
							sizeof(long) + 3));
	ASSERT_OK(mock_set_temp_memory_limit(self->fd, sizeof(long) + 4));
	/* Still works with the smallest possible batch */
	ASSERT_OK(ifd_map_fixed(self->fd, self->ioas_id, self->buf,
				self->buf_size, self->iova + self->buf_size));
	ASSERT_OK(mock_check_map(self->fd, self->hwpt_id,
				 self->iova + self->buf_size, self->buf,
				 self->buf_size));
	ASSERT_OK(mock_set_temp_memory_limit(self->fd,
					     MOCK_TEMP_MEMORY_LIMIT_DEFAULT));
}

TEST_HARNESS_MAIN
