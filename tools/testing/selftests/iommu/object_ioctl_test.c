// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dev/iommu ioctl calling convention: the generic rules every command
 * follows. Size below the minimum (EINVAL), larger structures with a zero
 * or non-zero tail (accepted or E2BIG), no argument at all (EFAULT),
 * unknown request numbers (ENOTTY), unknown flags and non-zero reserved
 * fields (EOPNOTSUPP), bad and wrongly typed object IDs.
 *
 * The generic rules are table driven: every command has a builder that fills
 * in a request that succeeds, and each rule perturbs that request in exactly
 * one way, so the observed errno can only come from the rule under test.
 */
#include "object_utils.h"

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
	PCONST(C_HWPT_ALLOC, struct iommu_hwpt_alloc, flags, 1 << 4,
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

	/*
	 * Unassigned holes; 0x8f and 0x92 are IOAS_MAP_FILE and
	 * IOAS_CHANGE_PROCESS (ioas_file_test), 0x90, 0x91, 0x93 and 0x94
	 * the vIOMMU commands (viommu_test, veventq_test), 0x95 is
	 * IOAS_NOIOMMU_GET_PA (noiommu_test)
	 */
	for (nr = 0x8f; nr != 0xa0; nr++) {
		if (nr == IOMMUFD_CMD_IOAS_MAP_FILE ||
		    nr == IOMMUFD_CMD_IOAS_CHANGE_PROCESS ||
		    nr == IOMMUFD_CMD_VIOMMU_ALLOC ||
		    nr == IOMMUFD_CMD_VDEVICE_ALLOC ||
		    nr == IOMMUFD_CMD_VEVENTQ_ALLOC ||
		    nr == IOMMUFD_CMD_HW_QUEUE_ALLOC ||
		    nr == IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)
			continue;
		EXPECT_ERRNO(ENOTTY, ioctl(fd, _IO(IOMMUFD_TYPE, nr), raw));
	}
	for (nr = 0xa1; nr != 0x100; nr++)
		EXPECT_ERRNO(ENOTTY, ioctl(fd, _IO(IOMMUFD_TYPE, nr), raw));
	EXPECT_ERRNO(ENOTTY, ioctl(fd, _IO(IOMMUFD_TYPE, 0x7f), raw));

	/* Valid numbers with direction/size bits are different requests */
	for (nr = IOMMUFD_CMD_BASE; nr <= IOMMUFD_CMD_VEVENTQ_ALLOC; nr++) {
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

TEST_HARNESS_MAIN
