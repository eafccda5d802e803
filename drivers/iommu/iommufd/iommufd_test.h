/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Test-only interface of /dev/iommu: the IOMMU_TEST_CMD ioctl that drives the
 * mock IOMMU of CONFIG_IOMMUFD_TEST.
 *
 * This is not a stable uAPI. It exists for the iommu kselftests, which include
 * this file by its path in the kernel tree, so it must stay usable from
 * userspace: fixed-width types only, no kernel-internal headers.
 */
#ifndef _IOMMUFD_TEST_H
#define _IOMMUFD_TEST_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <uapi/linux/iommufd.h>
#else
#include <linux/iommufd.h>
#endif

/**
 * enum iommu_test_op - Operations of IOMMU_TEST_CMD
 * @IOMMU_TEST_OP_ADD_RESERVED: Reserve an IOVA range of the IOAS @id with no
 *                              owner, as a device's reserved region would.
 * @IOMMU_TEST_OP_MOCK_DOMAIN: Create a mock device, bind it and attach it to
 *                             the IOAS or HWPT @id.
 * @IOMMU_TEST_OP_MD_CHECK_MAP: Check that the mock paging domain of HWPT @id
 *                              maps an IOVA range onto the caller's memory.
 * @IOMMU_TEST_OP_MD_CHECK_REFS: Check the DMA pin count of the caller's pages.
 * @IOMMU_TEST_OP_CREATE_ACCESS: Create an access object on the IOAS @id and
 *                               return a file descriptor that owns it.
 * @IOMMU_TEST_OP_DESTROY_ACCESS_PAGES: Unpin pages pinned through the access
 *                                      fd @id.
 * @IOMMU_TEST_OP_ACCESS_PAGES: Pin pages through the access fd @id.
 * @IOMMU_TEST_OP_ACCESS_RW: Read or write IOVA through the access fd @id.
 * @IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT: Set the global limit of temporary
 *                                       memory the core may use per operation.
 * @IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: Move the mock device of the selftest
 *                                     object @id to another IOAS or HWPT.
 * @IOMMU_TEST_OP_ACCESS_REPLACE_IOAS: Move the access of fd @id to another
 *                                     IOAS.
 * @IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: Like @IOMMU_TEST_OP_MOCK_DOMAIN, with
 *                                   device flags (enum iommu_test_dev_flags).
 * @IOMMU_TEST_OP_DIRTY: Mark IOVAs of the mock paging domain of HWPT @id
 *                       dirty.
 * @IOMMU_TEST_OP_MD_CHECK_IOTLB: Check one IOTLB entry of the mock nested
 *                                domain of HWPT @id.
 * @IOMMU_TEST_OP_TRIGGER_IOPF: Inject an I/O page fault from a mock device.
 * @IOMMU_TEST_OP_DEV_CHECK_CACHE: Check one cache entry of the mock device
 *                                 whose iommufd device object is @id.
 * @IOMMU_TEST_OP_TRIGGER_VEVENT: Make a mock device report one event to the
 *                                IOMMU_VEVENTQ_TYPE_SELFTEST queue of the
 *                                virtual IOMMU it has a virtual device on.
 * @IOMMU_TEST_OP_PASID_ATTACH: Attach a HWPT to a PASID of the mock device
 *                              of the selftest object @id.
 * @IOMMU_TEST_OP_PASID_REPLACE: Move an attached PASID of the mock device of
 *                               the selftest object @id to another HWPT.
 * @IOMMU_TEST_OP_PASID_DETACH: Detach a PASID of the mock device of the
 *                              selftest object @id.
 * @IOMMU_TEST_OP_PASID_CHECK_HWPT: Check which HWPT a PASID of the mock
 *                                  device of the selftest object @id is
 *                                  attached to, in iommufd and in the mock
 *                                  IOMMU.
 * @IOMMU_TEST_OP_DMABUF_GET: Create a mock dma-buf of @dmabuf_get.length
 *                            bytes (at most 4 MiB) of physically
 *                            contiguous, mmap()able memory that
 *                            IOAS_MAP_FILE accepts; the ioctl returns its
 *                            new fd.
 * @IOMMU_TEST_OP_DMABUF_REVOKE: Revoke or restore a mock dma-buf, as VFIO
 *                               revokes a BAR's on reset; importers are
 *                               told of a revocation before it returns.
 *
 * An op this kernel does not implement fails with EOPNOTSUPP.
 */
enum iommu_test_op {
	IOMMU_TEST_OP_ADD_RESERVED		= 1,
	IOMMU_TEST_OP_MOCK_DOMAIN		= 2,
	IOMMU_TEST_OP_MD_CHECK_MAP		= 3,
	IOMMU_TEST_OP_MD_CHECK_REFS		= 4,
	IOMMU_TEST_OP_CREATE_ACCESS		= 5,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES	= 6,
	IOMMU_TEST_OP_ACCESS_PAGES		= 7,
	IOMMU_TEST_OP_ACCESS_RW			= 8,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT	= 9,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE	= 10,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS	= 11,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS		= 12,
	IOMMU_TEST_OP_DIRTY			= 13,
	IOMMU_TEST_OP_MD_CHECK_IOTLB		= 14,
	IOMMU_TEST_OP_TRIGGER_IOPF		= 15,
	IOMMU_TEST_OP_DEV_CHECK_CACHE		= 16,
	IOMMU_TEST_OP_TRIGGER_VEVENT		= 17,
	IOMMU_TEST_OP_PASID_ATTACH		= 18,
	IOMMU_TEST_OP_PASID_REPLACE		= 19,
	IOMMU_TEST_OP_PASID_DETACH		= 20,
	IOMMU_TEST_OP_PASID_CHECK_HWPT		= 21,
	IOMMU_TEST_OP_DMABUF_GET		= 22,
	IOMMU_TEST_OP_DMABUF_REVOKE		= 23,
};

/**
 * enum iommu_test_aperture - IOVA aperture of every mock paging domain
 * @MOCK_APERTURE_START: First usable IOVA.
 * @MOCK_APERTURE_LAST: Last usable IOVA (inclusive).
 */
enum iommu_test_aperture {
	MOCK_APERTURE_START			= 0x01000000UL,
	MOCK_APERTURE_LAST			= 0x7fffffffUL,
};

/**
 * enum iommu_test_access_flags - Flags of access_pages and access_rw
 * @MOCK_FLAGS_ACCESS_WRITE: ACCESS_PAGES pins the pages for writing.
 * @MOCK_FLAGS_ACCESS_SYZ: The iova field is encoded as {u32 area index;
 *                         u32 offset} (syzkaller); also accepted in the
 *                         flags of IOMMU_IOAS_COPY.
 */
enum iommu_test_access_flags {
	MOCK_FLAGS_ACCESS_WRITE			= 0x1,
	MOCK_FLAGS_ACCESS_SYZ			= 0x10000,
};

/**
 * enum iommu_test_access_rw_flags - Flags of access_rw
 * @MOCK_ACCESS_RW_WRITE: Write to the IOVA instead of reading it.
 * @MOCK_ACCESS_RW_SLOW_PATH: Use the path for a foreign address space even if
 *                            the caller owns the mapping.
 */
enum iommu_test_access_rw_flags {
	MOCK_ACCESS_RW_WRITE			= 0x1,
	MOCK_ACCESS_RW_SLOW_PATH		= 0x4,
};

/**
 * enum iommu_test_create_access_flags - Flags of create_access
 * @MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES: The access may pin pages (and
 *                                            needs PAGE_SIZE IOVA alignment).
 */
enum iommu_test_create_access_flags {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES	= 0x1,
};

/**
 * enum iommu_test_dev_flags - Flags of a mock device (mock_domain_flags)
 * @MOCK_FLAGS_DEVICE_NO_DIRTY: The device cannot track dirty IOVAs.
 * @MOCK_FLAGS_DEVICE_HUGE_IOVA: Paging domains allocated for the device also
 *                               support the mock huge IO page size.
 * @MOCK_FLAGS_DEVICE_PASID: The device can use PASIDs, MOCK_PASID_WIDTH bits.
 */
enum iommu_test_dev_flags {
	MOCK_FLAGS_DEVICE_NO_DIRTY		= 0x1,
	MOCK_FLAGS_DEVICE_HUGE_IOVA		= 0x2,
	MOCK_FLAGS_DEVICE_PASID			= 0x4,
};

/* Number of PASID bits of a device created with MOCK_FLAGS_DEVICE_PASID */
#define MOCK_PASID_WIDTH 20
/* A PASID whose replacement always fails with ENOMEM (PASID tests) */
#define IOMMU_TEST_PASID_RESERVED		1024

/**
 * enum iommu_test_nested_iotlb - The "IOTLB" of a mock nested domain
 * @MOCK_NESTED_DOMAIN_IOTLB_ID_MAX: Largest valid entry index.
 * @MOCK_NESTED_DOMAIN_IOTLB_NUM: Number of entries.
 */
enum iommu_test_nested_iotlb {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX		= 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM		= 4,
};

/**
 * struct iommu_test_cmd - ioctl(IOMMU_TEST_CMD)
 * @size: sizeof(struct iommu_test_cmd)
 * @op: One of enum iommu_test_op
 * @id: Object the op works on; its kind depends on @op (an IOAS, HWPT or
 *      selftest object ID, or an access file descriptor)
 * @__reserved: Not checked
 * @add_reserved: IOMMU_TEST_OP_ADD_RESERVED: reserve [@start, @start +
 *                @length - 1]
 * @add_reserved.start: First reserved IOVA
 * @add_reserved.length: Number of reserved bytes
 * @mock_domain: IOMMU_TEST_OP_MOCK_DOMAIN outputs
 * @mock_domain.out_stdev_id: ID of the selftest object owning the device
 * @mock_domain.out_hwpt_id: ID of the HWPT the device got attached to
 * @mock_domain.out_idev_id: ID of the iommufd device object
 * @mock_domain_flags: IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS; outputs as @mock_domain
 * @mock_domain_flags.out_stdev_id: See @mock_domain
 * @mock_domain_flags.out_hwpt_id: See @mock_domain
 * @mock_domain_flags.out_idev_id: See @mock_domain
 * @mock_domain_flags.dev_flags: enum iommu_test_dev_flags
 * @mock_domain_replace: IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE
 * @mock_domain_replace.pt_id: Input: IOAS or HWPT to move to. Output: the HWPT
 *                             now attached
 * @check_map: IOMMU_TEST_OP_MD_CHECK_MAP
 * @check_map.iova: First IOVA to check
 * @check_map.length: Number of bytes to check
 * @check_map.uptr: User address the IOVA must translate to
 * @check_refs: IOMMU_TEST_OP_MD_CHECK_REFS
 * @check_refs.length: Number of bytes to check
 * @check_refs.uptr: First user address to check
 * @check_refs.refs: Expected number of DMA pins of every small page
 * @create_access: IOMMU_TEST_OP_CREATE_ACCESS
 * @create_access.out_access_fd: File descriptor owning the new access
 * @create_access.flags: enum iommu_test_create_access_flags
 * @destroy_access_pages: IOMMU_TEST_OP_DESTROY_ACCESS_PAGES
 * @destroy_access_pages.access_pages_id: ID returned by ACCESS_PAGES
 * @access_pages: IOMMU_TEST_OP_ACCESS_PAGES
 * @access_pages.flags: enum iommu_test_access_flags
 * @access_pages.out_access_pages_id: ID of the pinned range in this access
 * @access_pages.iova: First IOVA to pin
 * @access_pages.length: Number of bytes to pin
 * @access_pages.uptr: If not 0, user address the pinned pages must back
 * @access_rw: IOMMU_TEST_OP_ACCESS_RW
 * @access_rw.iova: First IOVA to access
 * @access_rw.length: Number of bytes
 * @access_rw.uptr: User buffer to copy from or to
 * @access_rw.flags: enum iommu_test_access_rw_flags, MOCK_FLAGS_ACCESS_SYZ
 * @memory_limit: IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT
 * @memory_limit.limit: New limit in bytes
 * @access_replace_ioas: IOMMU_TEST_OP_ACCESS_REPLACE_IOAS
 * @access_replace_ioas.ioas_id: IOAS to move the access to
 * @dirty: IOMMU_TEST_OP_DIRTY
 * @dirty.flags: Ignored
 * @dirty.iova: First IOVA of the range described by the bitmap
 * @dirty.length: Length of that range
 * @dirty.page_size: IOVA bytes per bitmap bit
 * @dirty.uptr: User address of the bitmap (native unsigned long layout)
 * @dirty.out_nr_dirty: Number of mapped slots that were marked dirty
 * @check_iotlb: IOMMU_TEST_OP_MD_CHECK_IOTLB
 * @check_iotlb.id: IOTLB entry index
 * @check_iotlb.iotlb: Expected value of that entry
 * @trigger_iopf: IOMMU_TEST_OP_TRIGGER_IOPF
 * @trigger_iopf.dev_id: iommufd device object ID of a mock device
 * @trigger_iopf.pasid: PASID of the fault, 0 for none
 * @trigger_iopf.grpid: Page request group index
 * @trigger_iopf.perm: IOMMU_PGFAULT_PERM_* bits
 * @trigger_iopf.addr: Faulting address
 * @check_dev_cache: IOMMU_TEST_OP_DEV_CHECK_CACHE
 * @check_dev_cache.id: Cache entry index (0 .. MOCK_DEV_CACHE_ID_MAX)
 * @check_dev_cache.cache: Expected value of that entry
 * @trigger_vevent: IOMMU_TEST_OP_TRIGGER_VEVENT
 * @trigger_vevent.dev_id: iommufd device object ID of a mock device
 * @pasid_attach: IOMMU_TEST_OP_PASID_ATTACH
 * @pasid_attach.pasid: PASID
 * @pasid_attach.pt_id: IOAS or HWPT to attach
 * @pasid_replace: IOMMU_TEST_OP_PASID_REPLACE
 * @pasid_replace.pasid: PASID
 * @pasid_replace.pt_id: IOAS or HWPT to attach instead
 * @pasid_detach: IOMMU_TEST_OP_PASID_DETACH
 * @pasid_detach.pasid: PASID
 * @pasid_check: IOMMU_TEST_OP_PASID_CHECK_HWPT
 * @pasid_check.pasid: PASID
 * @pasid_check.hwpt_id: HWPT expected on it, 0 for none
 * @dmabuf_get: IOMMU_TEST_OP_DMABUF_GET
 * @dmabuf_get.length: Size of the dma-buf
 * @dmabuf_get.open_flags: open(2) flags of the new file
 * @dmabuf_revoke: IOMMU_TEST_OP_DMABUF_REVOKE
 * @dmabuf_revoke.dmabuf_fd: The dma-buf
 * @dmabuf_revoke.revoked: Revoke (non-zero) or restore (0)
 * @last: Carries no data; it makes the minimum size cover the whole union
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			/* out_idev_id is the standard iommufd_bind object */
			__u32 out_idev_id;
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		struct {
			__u32 dev_id;
		} trigger_vevent;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_attach;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_replace;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 pasid;
			__u32 hwpt_id;
		} pasid_check;
		struct {
			__u32 length;
			__u32 open_flags;
		} dmabuf_get;
		struct {
			__s32 dmabuf_fd;
			__u32 revoked;
		} dmabuf_revoke;
	};
	__u32 last;
};

#define IOMMU_TEST_CMD				_IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* Mock devices report this iommu_hw_info::out_data_type */
#define IOMMU_HW_INFO_TYPE_SELFTEST		0xfeedbeef
/* Value of iommu_test_hw_info::test_reg */
#define IOMMU_HW_INFO_SELFTEST_REGVAL		0xdeadbeef

/**
 * struct iommu_test_hw_info - Hardware information of a mock device
 *                             (IOMMU_HW_INFO_TYPE_SELFTEST)
 * @flags: Always 0
 * @test_reg: Always IOMMU_HW_INFO_SELFTEST_REGVAL
 */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/* iommu_hwpt_alloc::data_type of mock domains, nested or paging */
#define IOMMU_HWPT_DATA_SELFTEST		0xdead
/* A conventional initial IOTLB value for struct iommu_hwpt_selftest */
#define IOMMU_TEST_IOTLB_DEFAULT		0xbadbeef

/* IO page size of mock paging domains, and their larger one (HUGE) */
#define MOCK_PAGE_SIZE				2048
#define MOCK_HUGE_PAGE_SIZE			(512 * MOCK_PAGE_SIZE)

/**
 * enum iommu_test_pagetable_type - Formats of a mock paging domain
 * @MOCK_IOMMUPT_DEFAULT: IOPTEs of MOCK_PAGE_SIZE only (or also of
 *                        MOCK_HUGE_PAGE_SIZE for a device created with
 *                        MOCK_FLAGS_DEVICE_HUGE_IOVA)
 * @MOCK_IOMMUPT_HUGE: IOPTEs of MOCK_PAGE_SIZE and MOCK_HUGE_PAGE_SIZE
 * @MOCK_IOMMUPT_AMDV1: The AMD v1 page table format; this mock does not
 *                      offer it (EOPNOTSUPP)
 */
enum iommu_test_pagetable_type {
	MOCK_IOMMUPT_DEFAULT			= 0,
	MOCK_IOMMUPT_HUGE			= 1,
	MOCK_IOMMUPT_AMDV1			= 2,
};

/**
 * struct iommu_hwpt_selftest - Allocation data of mock domains
 *                              (IOMMU_HWPT_DATA_SELFTEST)
 * @iotlb: Nested domain: initial value of every IOTLB entry. Ignored by a
 *         paging domain.
 * @pagetable_type: Paging domain (IOMMU_HWPT_ALLOC on an IOAS): one of
 *                  enum iommu_test_pagetable_type. Ignored by a nested
 *                  domain, which may be given @iotlb alone (4 bytes).
 */
struct iommu_hwpt_selftest {
	__u32 iotlb;
	__u32 pagetable_type;
};

/* iommu_hwpt_invalidate::data_type accepted by mock nested domains */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST	0xdeadbeef
/* An invalidation data_type that mock nested domains reject */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID	0xdadbeef

/**
 * enum iommu_test_invalidate_flags - Flags of struct
 *                                    iommu_hwpt_invalidate_selftest
 * @IOMMU_TEST_INVALIDATE_FLAG_ALL: Invalidate every entry, not just iotlb_id.
 */
enum iommu_test_invalidate_flags {
	IOMMU_TEST_INVALIDATE_FLAG_ALL		= 0x1,
};

/**
 * struct iommu_hwpt_invalidate_selftest - Invalidation entry of a mock
 *                                         nested domain
 *                                         (IOMMU_HWPT_INVALIDATE_DATA_SELFTEST)
 * @flags: enum iommu_test_invalidate_flags
 * @iotlb_id: Entry to invalidate (0 .. MOCK_NESTED_DOMAIN_IOTLB_ID_MAX),
 *            checked even with IOMMU_TEST_INVALIDATE_FLAG_ALL
 *
 * Invalidating an entry sets it to 0.
 */
struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/**
 * enum iommu_test_dev_cache - The cache of a mock device
 * @MOCK_DEV_CACHE_ID_MAX: Highest index of a cache entry
 * @MOCK_DEV_CACHE_NUM: Number of entries
 *
 * Every mock device has a small "device cache" (think ATC) that
 * IOMMU_HWPT_INVALIDATE on a virtual IOMMU clears entry by entry. Entries
 * start out as IOMMU_TEST_DEV_CACHE_DEFAULT.
 */
enum iommu_test_dev_cache {
	MOCK_DEV_CACHE_ID_MAX			= 3,
	MOCK_DEV_CACHE_NUM			= 4,
};

/* Initial value of every entry of a mock device's cache */
#define IOMMU_TEST_DEV_CACHE_DEFAULT		0xbaddad
/* A PASID whose replacement always fails (PASID tests) */
#define IOMMU_TEST_PASID_RESERVED		1024

/* iommu_viommu_alloc::type of the mock's virtual IOMMU */
#define IOMMU_VIOMMU_TYPE_SELFTEST		0xdeadbeef

/**
 * struct iommu_viommu_selftest - Driver data of a mock virtual IOMMU
 *                                (IOMMU_VIOMMU_TYPE_SELFTEST); optional
 * @in_data: Any value
 * @out_data: Written by the kernel: @in_data
 * @out_mmap_offset: Written by the kernel: offset of a page to mmap() from
 *                   the iommufd (shared, not executable); its first u32 is
 *                   @in_data
 * @out_mmap_length: Written by the kernel: its length
 */
struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/* iommu_hwpt_invalidate::data_type accepted by mock virtual IOMMUs */
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST	0xdeadbeef
/* An invalidation data_type that mock virtual IOMMUs reject */
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID	0xdadbeef

/**
 * struct iommu_viommu_invalidate_selftest - Invalidation entry of a mock
 *                                           virtual IOMMU
 *                                           (IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST)
 * @flags: enum iommu_test_invalidate_flags
 * @vdev_id: The virt_id of a virtual device of the virtual IOMMU (not an
 *           object ID)
 * @cache_id: Entry of that device's cache to clear (0 ..
 *            MOCK_DEV_CACHE_ID_MAX), checked even with
 *            IOMMU_TEST_INVALIDATE_FLAG_ALL
 */
struct iommu_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;
	__u32 cache_id;
};

/* iommu_veventq_alloc::type of the mock's event queue */
#define IOMMU_VEVENTQ_TYPE_SELFTEST		0xbeefbeef

/**
 * struct iommu_viommu_event_selftest - Payload of a mock event
 *                                      (IOMMU_VEVENTQ_TYPE_SELFTEST)
 * @virt_id: The virt_id of the virtual device that reported it
 */
struct iommu_viommu_event_selftest {
	__u32 virt_id;
};

/* iommu_hw_queue_alloc::type of the mock's hardware queues */
#define IOMMU_HW_QUEUE_TYPE_SELFTEST		0xdeadbeef
/* Number of mock hardware queues per virtual IOMMU */
#define IOMMU_TEST_HW_QUEUE_MAX			2

#endif
