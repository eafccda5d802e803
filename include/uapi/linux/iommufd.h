/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace interface of iommufd, the /dev/iommu character device.
 *
 * This header is written from scratch for the clean-room iommufd project.
 * Its binary interface (numbers, structure layouts, constant values) is
 * identical to the Linux 6.12 interface; everything else is our own.
 */
#ifndef _UAPI_IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')

/**
 * DOC: Calling convention and common errors
 *
 * All requests are ioctl() calls on a file descriptor obtained by opening
 * /dev/iommu. The request numbers defined here encode only the type byte and
 * a command number: there are no direction or size bits. The size travels
 * inside the argument instead. Every command structure starts with a __u32
 * called ``size`` which userspace sets to the number of bytes it is handing
 * over, normally sizeof() of the structure as it was compiled.
 *
 * This makes the interface extensible at the tail of each structure:
 *
 *  - Each command has a minimum size, the length of the structure in the
 *    first kernel release that offered the command. A smaller ``size`` is
 *    rejected with EINVAL.
 *  - A ``size`` larger than the structure known to the running kernel is
 *    accepted only when every byte beyond the known part is zero. A non-zero
 *    byte there means the caller asks for something this kernel cannot do,
 *    and the call fails with E2BIG.
 *  - Fields not covered by a short ``size`` are treated as zero, and results
 *    are copied back for at most ``size`` bytes.
 *
 * Errors that any command may return, with their general meaning:
 *
 *  - ENOTTY: the request number is not an iommufd command this kernel
 *    implements (including the reserved numbers listed below).
 *  - EFAULT: the argument, or memory named by a user pointer inside it, could
 *    not be read or written.
 *  - EINVAL: ``size`` is below the minimum, or the request is understood but
 *    one of its values does not make sense (a zero length, a misaligned
 *    address, an impossible combination of fields).
 *  - E2BIG: non-zero bytes past the end of the structure this kernel knows.
 *  - EOPNOTSUPP: a flag bit, type code, option or operation the kernel does
 *    not recognise or cannot honour. Unless a command says otherwise, a field
 *    named ``__reserved`` that is not zero is reported the same way.
 *  - ENOENT: an object ID that names no live object (or, for arguments that
 *    accept a single kind of object, an object of another kind), or an IOVA
 *    range that is not mapped. A few arguments that accept several kinds of
 *    object report a bad ID with EINVAL instead; they say so.
 *  - ENOMEM: the kernel could not allocate memory, or pinning user pages would
 *    exceed the caller's locked-memory limit.
 *  - EOVERFLOW: an address plus length computation wraps around.
 *  - EBUSY: the object is still used by something else.
 *
 * Individual commands document further errors and refinements.
 *
 * Object IDs are non-zero __u32 values allocated by the kernel and unique
 * among the live objects of one open /dev/iommu file; 0 never names an
 * object. An object lives until it is destroyed with IOMMU_DESTROY, or until
 * the file is closed, which destroys everything that is left. Once an object
 * is gone its ID no longer resolves and may later be handed out again.
 */

/**
 * enum - iommufd command numbers
 * @IOMMUFD_CMD_BASE: First command number; requests below it are not
 *                    iommufd commands.
 * @IOMMUFD_CMD_DESTROY: Number of IOMMU_DESTROY.
 * @IOMMUFD_CMD_IOAS_ALLOC: Number of IOMMU_IOAS_ALLOC.
 * @IOMMUFD_CMD_IOAS_ALLOW_IOVAS: Number of IOMMU_IOAS_ALLOW_IOVAS.
 * @IOMMUFD_CMD_IOAS_COPY: Number of IOMMU_IOAS_COPY.
 * @IOMMUFD_CMD_IOAS_IOVA_RANGES: Number of IOMMU_IOAS_IOVA_RANGES.
 * @IOMMUFD_CMD_IOAS_MAP: Number of IOMMU_IOAS_MAP.
 * @IOMMUFD_CMD_IOAS_UNMAP: Number of IOMMU_IOAS_UNMAP.
 * @IOMMUFD_CMD_OPTION: Number of IOMMU_OPTION.
 * @IOMMUFD_CMD_VFIO_IOAS: Number of IOMMU_VFIO_IOAS.
 * @IOMMUFD_CMD_HWPT_ALLOC: Number of IOMMU_HWPT_ALLOC.
 * @IOMMUFD_CMD_GET_HW_INFO: Number of IOMMU_GET_HW_INFO.
 * @IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING: Number of
 *                                       IOMMU_HWPT_SET_DIRTY_TRACKING.
 * @IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP: Number of IOMMU_HWPT_GET_DIRTY_BITMAP.
 * @IOMMUFD_CMD_HWPT_INVALIDATE: Number of IOMMU_HWPT_INVALIDATE.
 * @IOMMUFD_CMD_FAULT_QUEUE_ALLOC: Number of IOMMU_FAULT_QUEUE_ALLOC.
 *
 * Command numbers are part of the ABI and are never reused or renumbered.
 *
 * @IOMMUFD_CMD_IOAS_MAP_FILE: Number of IOMMU_IOAS_MAP_FILE.
 * @IOMMUFD_CMD_VIOMMU_ALLOC: Number of IOMMU_VIOMMU_ALLOC.
 * @IOMMUFD_CMD_VDEVICE_ALLOC: Number of IOMMU_VDEVICE_ALLOC.
 * @IOMMUFD_CMD_IOAS_CHANGE_PROCESS: Number of IOMMU_IOAS_CHANGE_PROCESS.
 * @IOMMUFD_CMD_VEVENTQ_ALLOC: Number of IOMMU_VEVENTQ_ALLOC.
 * @IOMMUFD_CMD_HW_QUEUE_ALLOC: Number of IOMMU_HW_QUEUE_ALLOC.
 * @IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA: Number of IOMMU_IOAS_NOIOMMU_GET_PA.
 *
 * A number whose command this kernel does not implement fails with ENOTTY.
 */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
	IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x95,
};

/**
 * struct iommu_destroy - argument of ioctl(IOMMU_DESTROY)
 * @size: Bytes passed by userspace, sizeof(struct iommu_destroy). The
 *        minimum is 8.
 * @id: ID of the object to destroy. Any kind of object that userspace
 *      created may be named here.
 *
 * Removes an object from the file and releases what it holds. An object that
 * other objects still depend on cannot be destroyed yet: for example an IOAS
 * that hardware page tables or devices are attached to, a hardware page
 * table with devices attached or with nested children, a fault queue that a
 * hardware page table refers to, or a device object that is owned by the
 * driver that bound it. Such requests fail with EBUSY, and the caller has to
 * take the dependants away first. An ID that names no live object gives
 * ENOENT.
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};

#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/**
 * struct iommu_ioas_alloc - argument of ioctl(IOMMU_IOAS_ALLOC)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_alloc). The
 *        minimum is 12.
 * @flags: No flags are defined; must be 0, otherwise EOPNOTSUPP.
 * @out_ioas_id: Written by the kernel: the ID of the new IOAS.
 *
 * Creates an I/O address space (IOAS). An IOAS is the user-controlled
 * translation from I/O virtual addresses (IOVA) to process memory. It starts
 * out empty, with the whole IOVA space usable. Devices and hardware page
 * tables can then be attached to it, and every mapping made in the IOAS is
 * mirrored into all of them.
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/**
 * struct iommu_iova_range - one interval of IOVA
 * @start: Lowest IOVA in the interval.
 * @last: Highest IOVA in the interval; the interval includes it, so a range
 *        covering the whole 64-bit space is [0, U64_MAX].
 *
 * Element type of the arrays used by IOMMU_IOAS_IOVA_RANGES and
 * IOMMU_IOAS_ALLOW_IOVAS.
 */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct iommu_ioas_iova_ranges - argument of ioctl(IOMMU_IOAS_IOVA_RANGES)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_iova_ranges).
 *        The minimum is 32.
 * @ioas_id: The IOAS to query.
 * @num_iovas: On input, how many elements @allowed_iovas has room for. On
 *             output, how many usable ranges the IOAS has in total.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @allowed_iovas: User pointer to an array of struct iommu_iova_range that
 *                 receives the usable ranges in ascending order.
 * @out_iova_alignment: Written by the kernel: the alignment every IOVA and
 *                      length given to IOMMU_IOAS_MAP or IOMMU_IOAS_COPY must
 *                      have. It is a power of two between 1 and the CPU page
 *                      size.
 *
 * Reports the IOVA that can currently be mapped in an IOAS. The result is
 * not fixed: attaching a device removes whatever that device cannot
 * translate (its aperture limits and reserved regions such as MSI windows),
 * and detaching it can give that IOVA back. Userspace should query again
 * after every attach or detach.
 *
 * The ranges are written up to the capacity given in @num_iovas, and
 * @num_iovas is always set to the full count. When the array was too small
 * the call fails with EMSGSIZE after writing back the needed count, so the
 * caller can allocate a larger array and retry. A @num_iovas of 0 is a valid
 * way to ask only for the count. An unknown or non-IOAS @ioas_id gives
 * ENOENT.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};

#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/**
 * struct iommu_ioas_allow_iovas - argument of ioctl(IOMMU_IOAS_ALLOW_IOVAS)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_allow_iovas).
 *        The minimum is 24.
 * @ioas_id: The IOAS to change.
 * @num_iovas: Number of elements in @allowed_iovas; 0 empties the list.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @allowed_iovas: User pointer to an array of struct iommu_iova_range.
 *
 * Replaces the IOAS's list of guaranteed IOVA ranges with the given one.
 * Ranges on this list are promised to stay usable: from now on any attach
 * that would make part of them unusable (because the device cannot reach it
 * or reserves it) is refused, and automatic IOVA selection in IOMMU_IOAS_MAP
 * and IOMMU_IOAS_COPY only picks addresses inside the list while it is not
 * empty.
 *
 * Each range needs @start <= @last and the ranges must not overlap each
 * other, otherwise EINVAL. If IOVA in the requested ranges is already
 * unusable because of an attached device, the call fails with EADDRINUSE and
 * the previous list stays in force. At most 262144 (2^18) ranges are
 * accepted; a larger @num_iovas fails with E2BIG.
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};

#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/**
 * enum iommufd_ioas_map_flags - flags of IOMMU_IOAS_MAP and IOMMU_IOAS_COPY
 * @IOMMU_IOAS_MAP_FIXED_IOVA: The caller chooses the IOVA: the command's iova
 *                             field is an input and the mapping is created
 *                             exactly there. Without this flag the kernel
 *                             picks a free, suitably aligned IOVA and
 *                             returns it in the iova field.
 * @IOMMU_IOAS_MAP_WRITEABLE: Devices may write through the mapping.
 * @IOMMU_IOAS_MAP_READABLE: Devices may read through the mapping.
 *
 * Any other bit makes the command fail with EOPNOTSUPP.
 */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct iommu_ioas_map - argument of ioctl(IOMMU_IOAS_MAP)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_map). The
 *        minimum is 40.
 * @flags: Any combination of enum iommufd_ioas_map_flags.
 * @ioas_id: The IOAS that receives the mapping.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @user_va: Start of the process memory to map.
 * @length: Size of the mapping in bytes; must not be 0.
 * @iova: With IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at. Otherwise
 *        written by the kernel with the IOVA it chose.
 *
 * Pins the memory at @user_va and makes it reachable by DMA at @iova in the
 * IOAS and in every hardware page table attached to it. Pinned pages are
 * charged to the locked-memory limit selected by IOMMU_OPTION_RLIMIT_MODE.
 * The mapping persists until it is removed with IOMMU_IOAS_UNMAP or the IOAS
 * is destroyed, even if the process later unmaps @user_va.
 *
 * Errors beyond the common ones: EINVAL when @length is 0, when @iova or
 * @length does not respect the IOAS alignment reported by
 * IOMMU_IOAS_IOVA_RANGES, or when a fixed range touches IOVA that is
 * reserved (the allowed list only steers automatic allocation); EEXIST when
 * a fixed range overlaps an existing mapping; ENOSPC when no free IOVA of
 * the requested size can be found; EOVERFLOW when @iova or @length is too
 * large for the kernel's address width or the range wraps; EFAULT or ENOMEM
 * when the user memory cannot be pinned or accounted.
 *
 * The mapping exists from the moment the call returns. While the call is
 * still running (pinning memory that is slow to fault in, say) its IOVA range
 * is taken, so that other fixed maps overlapping it fail with EEXIST and
 * automatic IOVA avoids it, but nothing is mapped there yet: IOMMU_IOAS_UNMAP
 * and IOMMU_IOAS_COPY see a hole. If the command cannot be written back
 * (EFAULT), the mapping the call made is removed again, and only that: a
 * mapping another thread made at the same IOVA meanwhile stays.
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/**
 * struct iommu_ioas_map_file - argument of ioctl(IOMMU_IOAS_MAP_FILE)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_map_file). The
 *        minimum is 40.
 * @flags: Any combination of enum iommufd_ioas_map_flags, with the rules of
 *         IOMMU_IOAS_MAP.
 * @ioas_id: The IOAS that receives the mapping.
 * @fd: A memfd, or another shmem (tmpfs) or hugetlbfs file, whose pages are
 *      mapped.
 * @start: Byte offset in the file of the first byte mapped. It takes the
 *         place of IOMMU_IOAS_MAP's user_va: its offset within a page and
 *         its alignment count the same way.
 * @length: Size of the mapping in bytes; must not be 0.
 * @iova: With IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at. Otherwise
 *        written by the kernel with the IOVA it chose.
 *
 * Like IOMMU_IOAS_MAP, but the memory is named by a file and an offset
 * instead of an address in the caller's memory. The pages are pinned
 * through the file's page cache, whole folios at a time, and never through
 * the caller's page tables: the mapping does not depend on whether or where
 * the caller has the file mapped, and it stays valid in another process the
 * iommufd is handed to (see IOMMU_IOAS_CHANGE_PROCESS). Pages the file does
 * not have yet (holes) are allocated when they are pinned. Pins are charged
 * exactly like those of IOMMU_IOAS_MAP, one page per CPU page, to the caller
 * of this command; the kernel keeps a reference on the file while the
 * mapping exists.
 *
 * The file's pinned pages stay pinned and mapped if the file is truncated
 * or has holes punched later: devices keep reaching the pages that were in
 * the file when they were pinned, which the file no longer holds. Pages
 * pinned after such a change (an HWPT attached later) fail with EINVAL
 * where they lie beyond the file's end.
 *
 * Errors beyond those of IOMMU_IOAS_MAP: EBADF when @fd is not an open file
 * descriptor; EINVAL when the file is not a shmem or hugetlbfs file (a pipe,
 * /dev/null, a file on another file system) or when @start + @length
 * reaches beyond the end of the file; EPERM for a writeable mapping of a
 * file that was not opened for writing or of a memfd sealed with
 * F_SEAL_WRITE or F_SEAL_FUTURE_WRITE (while a writeable mapping exists,
 * F_SEAL_WRITE cannot be added: EBUSY, as with a writable shared mmap());
 * EOVERFLOW when @start + @length wraps.
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/**
 * struct iommu_ioas_change_process - argument of
 *                                    ioctl(IOMMU_IOAS_CHANGE_PROCESS)
 * @size: Bytes passed by userspace, sizeof(struct
 *        iommu_ioas_change_process). The minimum is 8.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 *
 * Makes the calling process the owner of every mapping of every IOAS of this
 * iommufd: the pinned pages are charged to the caller from now on, as the
 * caller's IOMMU_IOAS_MAP_FILE would charge them (its user or its mm per
 * IOMMU_OPTION_RLIMIT_MODE; nothing with CAP_IPC_LOCK), and released from
 * the process they were charged to. Pins and mappings do not change, so DMA
 * continues undisturbed. This is how a process that took over an iommufd
 * (after exec(), or passed over a unix socket) takes on its memory.
 *
 * Every mapping must have been made with IOMMU_IOAS_MAP_FILE (a copy of one
 * counts); if any IOAS holds a mapping of process memory, made by
 * IOMMU_IOAS_MAP, the VFIO compatibility interface or still being made, the
 * command fails with EINVAL. It fails with ENOMEM if the caller's
 * RLIMIT_MEMLOCK cannot take the pages. On failure nothing changed. A
 * caller that already owns everything succeeds without change, so a VMM
 * may use the command to probe for it.
 *
 * Mappings made or pinned while the command runs may be left with the
 * process that made them; each mapping is moved whole and charged to
 * exactly one process at any time.
 */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};

#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/**
 * struct iommu_ioas_copy - argument of ioctl(IOMMU_IOAS_COPY)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_copy). The
 *        minimum is 40.
 * @flags: Any combination of enum iommufd_ioas_map_flags. FIXED_IOVA applies
 *         to @dst_iova; the access bits set the permissions of the new
 *         mapping.
 * @dst_ioas_id: The IOAS that receives the new mapping.
 * @src_ioas_id: The IOAS whose existing mapping is the source; it may be the
 *               same IOAS as @dst_ioas_id.
 * @length: Number of bytes to copy; must not be 0.
 * @dst_iova: With IOMMU_IOAS_MAP_FIXED_IOVA, the IOVA to map at in the
 *            destination. Otherwise written by the kernel with the IOVA it
 *            chose.
 * @src_iova: Start of the source range.
 *
 * Creates a mapping in the destination IOAS of the very pages that already
 * back [@src_iova, @src_iova + @length - 1] in the source IOAS. No new pin
 * and no new accounting is needed because the pages are shared with the
 * source mapping, which makes this cheaper than mapping the same memory
 * again. The source range must be fully mapped by mappings created with
 * IOMMU_IOAS_MAP or IOMMU_IOAS_COPY; holes give ENOENT. The destination side
 * follows the same rules and errors as IOMMU_IOAS_MAP, including how it
 * behaves while the call runs and when the command cannot be written back.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};

#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/**
 * struct iommu_ioas_unmap - argument of ioctl(IOMMU_IOAS_UNMAP)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_unmap). The
 *        minimum is 24.
 * @ioas_id: The IOAS to remove mappings from.
 * @iova: Start of the IOVA range to clear.
 * @length: On input the size of the range. On output the number of bytes
 *          that were actually unmapped.
 *
 * Removes every mapping that lies inside [@iova, @iova + @length - 1] and
 * drops the page pins and accounting they held. Mappings are removed whole:
 * the range may cover several mappings and gaps between them, but it must
 * not cut a mapping in two, which is refused with ENOENT. A range that
 * contains no mapping at all also gives ENOENT. The special request @iova = 0,
 * @length = U64_MAX empties the IOAS.
 *
 * EDEADLOCK is returned when an in-kernel user (an emulated device's access)
 * keeps pages of the range pinned after being asked repeatedly to drop them;
 * mappings of the range handled before that point may already be gone.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/**
 * enum iommufd_option - option IDs of IOMMU_OPTION
 * @IOMMU_OPTION_RLIMIT_MODE: Selects whose RLIMIT_MEMLOCK pinned pages are
 *                            charged to. 0 (the default) charges the user
 *                            owning the file, 1 charges the process. This is
 *                            a per-file option: @object_id must be 0. Setting
 *                            it needs CAP_SYS_RESOURCE (else EPERM) and is
 *                            only allowed while the file has no objects
 *                            (else EBUSY).
 * @IOMMU_OPTION_HUGE_PAGES: Per-IOAS option; @object_id names the IOAS. 1
 *                           (the default) lets the kernel build IOMMU
 *                           mappings from runs of contiguous pages using
 *                           large IOMMU page sizes. 0 maps everything in CPU
 *                           page size units, which allows unmapping any
 *                           page-aligned part of a mapping through the VFIO
 *                           compatibility interface and can help
 *                           benchmarking. While it is 0 the IOAS alignment
 *                           (see IOMMU_IOAS_IOVA_RANGES) is at least the CPU
 *                           page size, and it applies to the user address of
 *                           IOMMU_IOAS_MAP as well: later maps that are not
 *                           page aligned fail with EINVAL. Setting 0 fails
 *                           with EADDRINUSE while a mapping of the IOAS is
 *                           not page aligned, and with EBUSY while hardware
 *                           page tables are attached to the IOAS and it has
 *                           mappings (they may already use large pages).
 *
 * Values other than 0 and 1 fail with EINVAL; unknown option IDs with
 * EOPNOTSUPP.
 */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/**
 * enum iommufd_option_ops - operations of IOMMU_OPTION
 * @IOMMU_OPTION_OP_SET: Change the option to the value in @val64.
 * @IOMMU_OPTION_OP_GET: Return the current value of the option in @val64.
 *
 * Any other operation fails with EOPNOTSUPP.
 */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/**
 * struct iommu_option - argument of ioctl(IOMMU_OPTION)
 * @size: Bytes passed by userspace, sizeof(struct iommu_option). The minimum
 *        is 24.
 * @option_id: Which option, one of enum iommufd_option.
 * @op: What to do, one of enum iommufd_option_ops.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @object_id: The object the option belongs to, or 0 for per-file options.
 * @val64: The new value for a set, or the returned value for a get.
 *
 * One command for reading and changing small settings, so that new settings
 * do not each need a command of their own. An @object_id that does not name
 * an object of the kind the option needs gives ENOENT; a non-zero
 * @object_id with a per-file option gives EOPNOTSUPP.
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};

#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/**
 * enum iommufd_vfio_ioas_op - operations of IOMMU_VFIO_IOAS
 * @IOMMU_VFIO_IOAS_GET: Return the IOAS used for VFIO compatibility; fails
 *                       with ENODEV when none is designated.
 * @IOMMU_VFIO_IOAS_SET: Make the IOAS in @ioas_id the one used for VFIO
 *                       compatibility; EPERM once a VFIO no-IOMMU group
 *                       joined the file, which then never translates.
 * @IOMMU_VFIO_IOAS_CLEAR: Forget the compatibility IOAS, if any.
 *
 * Any other operation fails with EOPNOTSUPP.
 */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/**
 * struct iommu_vfio_ioas - argument of ioctl(IOMMU_VFIO_IOAS)
 * @size: Bytes passed by userspace, sizeof(struct iommu_vfio_ioas). The
 *        minimum is 12.
 * @ioas_id: Input for IOMMU_VFIO_IOAS_SET (must name an IOAS, else ENOENT);
 *           output for IOMMU_VFIO_IOAS_GET; ignored by CLEAR.
 * @op: One of enum iommufd_vfio_ioas_op.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 *
 * The legacy VFIO container ioctls have no way to name an IOAS, so an
 * iommufd file used through them works on a single designated IOAS. This
 * command reads or changes that designation. When VFIO connects a device
 * to the file through the legacy container interface and nothing is
 * designated, the kernel creates an IOAS and designates it. Changing or
 * clearing the designation never destroys an IOAS, including one the kernel
 * created this way; that IOAS remains an ordinary object.
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};

#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/**
 * enum iommufd_hwpt_alloc_flags - flags of IOMMU_HWPT_ALLOC
 * @IOMMU_HWPT_ALLOC_NEST_PARENT: Create a paging page table that may later be
 *                                used as the parent of nested page tables.
 *                                Only valid when the page table is built
 *                                from an IOAS.
 * @IOMMU_HWPT_ALLOC_DIRTY_TRACKING: Create a page table able to record which
 *                                   IOVA devices have written to. Refused
 *                                   with EOPNOTSUPP when the IOMMU of the
 *                                   device cannot do it; devices attached
 *                                   later must support it too.
 * @IOMMU_HWPT_FAULT_ID_VALID: The fault_id field is meaningful: I/O page
 *                             faults on the new page table are delivered to
 *                             that fault queue object.
 * @IOMMU_HWPT_ALLOC_PASID: Create a page table usable on the PASIDs of a
 *                          device as well as on its RID. A PASID can only be
 *                          attached to such a page table, and while a PASID
 *                          of a device is attached, the page table of its
 *                          RID must have this flag too. Refused with
 *                          EOPNOTSUPP when the IOMMU cannot attach PASIDs;
 *                          the page table remains usable on the RID of a
 *                          device without PASID support.
 *
 * Any other bit, or a bit that makes no sense for the requested kind of page
 * table, makes the command fail with EOPNOTSUPP.
 */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

/**
 * enum iommu_hwpt_vtd_s1_flags - attribute flags of a VT-d stage-1 table
 * @IOMMU_VTD_S1_SRE: Supervisor requests are allowed (SRE).
 * @IOMMU_VTD_S1_EAFE: Extended accessed flag is enabled (EAFE).
 * @IOMMU_VTD_S1_WPE: Write protection is enforced for supervisor accesses
 *                    (WPE).
 *
 * The names follow the fields of a PASID table entry in the Intel VT-d
 * specification.
 */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/**
 * struct iommu_hwpt_vtd_s1 - data for IOMMU_HWPT_DATA_VTD_S1
 * @flags: Any combination of enum iommu_hwpt_vtd_s1_flags.
 * @pgtbl_addr: Guest-physical address of the root of the stage-1 page table;
 *              it is translated through the parent (stage-2) page table.
 * @addr_width: Input address width, in bits, that the stage-1 table covers.
 * @__reserved: Must be 0.
 *
 * Describes a guest-owned Intel VT-d first-stage page table when creating a
 * nested page table on an Intel IOMMU.
 */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/**
 * enum iommu_hwpt_data_type - format of the driver data of IOMMU_HWPT_ALLOC
 * @IOMMU_HWPT_DATA_NONE: No driver data: a paging page table managed by the
 *                        kernel from an IOAS.
 * @IOMMU_HWPT_DATA_VTD_S1: struct iommu_hwpt_vtd_s1, a nested page table for
 *                          Intel VT-d.
 * @IOMMU_HWPT_DATA_ARM_SMMUV3: A nested page table for an Arm SMMUv3 (the
 *                              guest's stream table entry).
 * @IOMMU_HWPT_DATA_AMD_GUEST: struct iommu_hwpt_amd_guest, a nested page
 *                             table for an AMD IOMMU (the guest's device
 *                             table entry).
 *
 * A value the IOMMU driver of the device does not accept fails with
 * EOPNOTSUPP.
 */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/**
 * struct iommu_hwpt_arm_smmuv3 - Arm SMMUv3 nested page table
 *                                (IOMMU_HWPT_DATA_ARM_SMMUV3)
 * @ste: The first two 64-bit words of the guest's stream table entry, little
 *       endian.
 *
 * Only these fields may be set: in word 0 V, Config, S1Fmt, S1ContextPtr and
 * S1CDMax; in word 1 S1DSS, S1CIR, S1COR, S1CSH, S1STALLD and EATS. Any other
 * bit, or a Config other than abort, bypass or stage-1 translate, gives EIO.
 * S1ContextPtr is a guest (stage-2 input) address: the SMMU reads the context
 * descriptors through the parent's stage 2. Config abort or V clear blocks
 * the device's DMA; Config bypass translates it through the parent alone.
 */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/**
 * struct iommu_hwpt_amd_guest - AMD IOMMU nested page table
 *                               (IOMMU_HWPT_DATA_AMD_GUEST)
 * @dte: The guest's 256-bit Device Table Entry, as four 64-bit words.
 *
 * No AMD IOMMU driver of this kernel accepts it: the AMD driver allocates
 * no nesting parent (IOMMU_HWPT_ALLOC_NEST_PARENT fails with EOPNOTSUPP),
 * so there is no stage 2 a guest's table could be nested on, and it
 * refuses driver data on a paging page table, so IOMMU_HWPT_ALLOC with
 * this type fails with EOPNOTSUPP whatever it is built on.
 */
struct iommu_hwpt_amd_guest {
	__aligned_u64 dte[4];
};

/**
 * struct iommu_hwpt_alloc - argument of ioctl(IOMMU_HWPT_ALLOC)
 * @size: Bytes passed by userspace, sizeof(struct iommu_hwpt_alloc). The
 *        minimum is 24 (up to @__reserved); shorter callers get the later
 *        fields as zero.
 * @flags: Any combination of enum iommufd_hwpt_alloc_flags.
 * @dev_id: The device whose IOMMU the page table is created for; must be a
 *          device bound to this file, else ENOENT.
 * @pt_id: What to build on: an IOAS for a paging page table, or for a nested
 *         one a paging page table created with IOMMU_HWPT_ALLOC_NEST_PARENT
 *         or a virtual IOMMU (IOMMU_VIOMMU_ALLOC), whose parent it then
 *         uses. An ID naming none of these (including a missing object, a
 *         nested HWPT or a paging HWPT without NEST_PARENT) gives EINVAL.
 * @out_hwpt_id: Written by the kernel: the ID of the new page table.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @data_type: One of enum iommu_hwpt_data_type; tells the format of the data
 *             at @data_uptr.
 * @data_len: Size in bytes of the data at @data_uptr.
 * @data_uptr: User pointer to driver data of type @data_type.
 * @fault_id: ID of a fault queue from IOMMU_FAULT_QUEUE_ALLOC. Only read when
 *            @flags has IOMMU_HWPT_FAULT_ID_VALID; a wrong ID gives ENOENT.
 * @__reserved2: Pads the structure to a multiple of 8 bytes. Must be 0.
 *
 * Creates a hardware page table (HWPT) object, the user-visible handle of an
 * IOMMU translation context of a particular IOMMU. Devices attached to a
 * HWPT translate their DMA through it. Two kinds exist:
 *
 * A paging HWPT is created from an IOAS given in @pt_id, normally with
 * @data_type IOMMU_HWPT_DATA_NONE; a driver may define data that selects
 * properties of its page table (none of the 6.12 drivers does: EOPNOTSUPP;
 * the test mock's selects its format). The kernel owns its page table and
 * keeps it equal to
 * the mappings of the IOAS for as long as the HWPT exists. Unlike the
 * page tables the kernel creates on its own when a device is attached
 * directly to an IOAS, an explicitly created one is never shared
 * automatically; it has to be named when attaching.
 *
 * A nested HWPT is created on top of a NEST_PARENT paging HWPT given in
 * @pt_id. Its first translation stage is owned by userspace (typically a
 * guest) and described by driver data whose format @data_type selects; the
 * parent provides the second stage. After changing its table userspace must
 * flush the IOMMU caches with IOMMU_HWPT_INVALIDATE. The parent cannot be
 * destroyed while nested HWPTs use it (EBUSY).
 *
 * With IOMMU_HWPT_DATA_NONE, @data_len must be 0 and with any other type
 * non-zero, else EINVAL; data that cannot be read at @data_uptr (e.g. a 0
 * pointer) gives EFAULT.
 * The driver validates the content of the data and reports malformed data
 * with EINVAL and unsupported settings with EOPNOTSUPP.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};

#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/**
 * enum iommu_hw_info_arm_smmuv3_flags - flags of struct
 *                                       iommu_hw_info_arm_smmuv3
 * @IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI: Each TLBI or CFGI
 *	command and its CMD_SYNC must be issued twice (erratum T264-SMMU-3).
 */
enum iommu_hw_info_arm_smmuv3_flags {
	IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI = 1 << 0,
};

/**
 * struct iommu_hw_info_arm_smmuv3 - Arm SMMUv3 registers
 *                                   (IOMMU_HW_INFO_TYPE_ARM_SMMUV3)
 * @flags: Any combination of enum iommu_hw_info_arm_smmuv3_flags.
 * @__reserved: Written as 0.
 * @idr: The raw SMMU_IDR0 to SMMU_IDR5 registers.
 * @iidr: The raw SMMU_IIDR register.
 * @aidr: The raw SMMU_AIDR register.
 *
 * Userspace may rely only on these fields: IDR0 ST_LEVEL, TERM_MODEL,
 * STALL_MODEL, TTENDIAN, CD2L, ASID16 and TTF; IDR1 SIDSIZE and SSIDSIZE;
 * IDR3 BBML and RIL; IDR5 VAX, GRAN64K, GRAN16K, GRAN4K and DS.
 */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

/**
 * enum iommu_hw_info_vtd_flags - flags of struct iommu_hw_info_vtd
 * @IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17: The IOMMU is affected by Intel
 *                                         erratum 772415 (SPR17): read-only
 *                                         mappings must not be used in a
 *                                         NEST_PARENT page table, so
 *                                         userspace should not rely on them.
 */
enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

/**
 * struct iommu_hw_info_vtd - data of IOMMU_HW_INFO_TYPE_INTEL_VTD
 * @flags: Any combination of enum iommu_hw_info_vtd_flags.
 * @__reserved: Always written as 0.
 * @cap_reg: Raw value of the Capability Register of the Intel IOMMU.
 * @ecap_reg: Raw value of the Extended Capability Register of the Intel
 *            IOMMU.
 *
 * The registers are passed through unmodified; decoding them requires the
 * Intel VT-d specification. A virtual IOMMU can use them to offer a guest
 * only what the physical IOMMU is able to back.
 */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/**
 * struct iommu_hw_info_amd - data of IOMMU_HW_INFO_TYPE_AMD
 * @efr: The Extended Feature Register of the device's IOMMU (MMIO offset
 *       0x30), as the hardware has it; 0 if the IOMMU has none (EFRSup
 *       clear in its capability header).
 * @efr2: The Extended Feature 2 Register (MMIO offset 0x1a0), likewise.
 *
 * Raw values, for a VMM that decides what its guest's AMD vIOMMU may offer
 * (of EFR: GTSup, GASup, GioSup, PPRSup, EPHSup, GATS, GLX and PASmax).
 */
struct iommu_hw_info_amd {
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

/**
 * enum iommu_hw_info_type - formats of the IOMMU_GET_HW_INFO data
 * @IOMMU_HW_INFO_TYPE_NONE: The driver reports no hardware data.
 * @IOMMU_HW_INFO_TYPE_DEFAULT: Same value as IOMMU_HW_INFO_TYPE_NONE. Used as
 *                              the requested type, it asks for whatever
 *                              format the driver reports by default.
 * @IOMMU_HW_INFO_TYPE_INTEL_VTD: struct iommu_hw_info_vtd.
 * @IOMMU_HW_INFO_TYPE_ARM_SMMUV3: struct iommu_hw_info_arm_smmuv3.
 * @IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV: NVIDIA Tegra241 CMDQV parameters
 *                                     (later kernels).
 * @IOMMU_HW_INFO_TYPE_AMD: struct iommu_hw_info_amd.
 */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	IOMMU_HW_INFO_TYPE_AMD = 4,
};

/**
 * enum iommufd_hw_capabilities - generic IOMMU capability bits
 * @IOMMU_HW_CAP_DIRTY_TRACKING: The IOMMU can record DMA writes, so HWPTs
 *                               created with
 *                               IOMMU_HWPT_ALLOC_DIRTY_TRACKING for this
 *                               device work with
 *                               IOMMU_HWPT_SET_DIRTY_TRACKING and
 *                               IOMMU_HWPT_GET_DIRTY_BITMAP.
 * @IOMMU_HW_CAP_PCI_PASID_EXEC: The PCI device may use the Execute
 *                               Requested attribute with a PASID.
 *                               Meaningless when out_max_pasid_log2 is 0.
 * @IOMMU_HW_CAP_PCI_PASID_PRIV: The PCI device may use the Privileged Mode
 *                               Requested attribute with a PASID.
 *                               Meaningless when out_max_pasid_log2 is 0.
 * @IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED: ATS cannot be used for this device.
 *                                      Clear means ATS may be enabled once
 *                                      a suitable page table is attached.
 *
 * Reported in &struct iommu_hw_info.out_capabilities.
 */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3,
};

/**
 * enum iommufd_hw_info_flags - flags of IOMMU_GET_HW_INFO
 * @IOMMU_HW_INFO_FLAG_INPUT_TYPE: The in_data_type field holds the format
 *                                 the caller asks for. Without this flag
 *                                 the field's input value is ignored and
 *                                 IOMMU_HW_INFO_TYPE_DEFAULT is assumed.
 *
 * Any other bit makes the command fail with EOPNOTSUPP.
 */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/**
 * struct iommu_hw_info - argument of ioctl(IOMMU_GET_HW_INFO)
 * @size: Bytes passed by userspace, sizeof(struct iommu_hw_info). The
 *        minimum is 32 (up to @__reserved); shorter callers do not receive
 *        @out_capabilities.
 * @flags: Any combination of enum iommufd_hw_info_flags.
 * @dev_id: A device bound to this file; anything else gives ENOENT.
 * @data_len: On input, the size of the buffer at @data_uptr in bytes. On
 *            output, the size of the data the driver has, which may be
 *            larger or smaller than the buffer.
 * @data_uptr: User pointer to the buffer receiving the driver data. May be 0
 *             when @data_len is 0.
 * @in_data_type: Input, read only with IOMMU_HW_INFO_FLAG_INPUT_TYPE: the
 *                format the caller wants, one of enum iommu_hw_info_type. A
 *                format the driver cannot provide gives EOPNOTSUPP. Shares
 *                its storage with @out_data_type.
 * @out_data_type: Output: the format of the data written to @data_uptr, one
 *                 of enum iommu_hw_info_type. Overwrites @in_data_type.
 * @out_max_pasid_log2: Output: number of PASID bits the device can use, 0 if
 *                      it cannot use PASIDs.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @out_capabilities: Output: any combination of enum iommufd_hw_capabilities.
 *
 * Describes the IOMMU in front of a device. A virtual machine monitor uses
 * this to present a virtual IOMMU that matches the physical one, for example
 * so that a guest builds first-stage page tables the hardware can walk in a
 * nested configuration.
 *
 * The driver data is copied into the user buffer up to the smaller of the
 * two sizes; if the buffer is larger than the data, the rest of it is
 * cleared. Passing @data_len = 0 just reports the size and format. The
 * generic fields (@out_max_pasid_log2, @out_capabilities) are always filled
 * in.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};

#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/**
 * enum iommufd_hwpt_set_dirty_tracking_flags - flags of
 *                                              IOMMU_HWPT_SET_DIRTY_TRACKING
 * @IOMMU_HWPT_DIRTY_TRACKING_ENABLE: Set to switch dirty tracking on, clear
 *                                    to switch it off.
 *
 * Any other bit makes the command fail with EOPNOTSUPP.
 */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/**
 * struct iommu_hwpt_set_dirty_tracking - argument of
 *                                        ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING)
 * @size: Bytes passed by userspace,
 *        sizeof(struct iommu_hwpt_set_dirty_tracking). The minimum is 16.
 * @flags: Any combination of enum iommufd_hwpt_set_dirty_tracking_flags.
 * @hwpt_id: A paging HWPT; other IDs give ENOENT.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 *
 * Switches recording of DMA writes on or off for a paging HWPT. The HWPT
 * must have been created with IOMMU_HWPT_ALLOC_DIRTY_TRACKING, otherwise the
 * call fails with EOPNOTSUPP. Switching tracking on starts from a clean
 * state: writes made before are not reported. Repeating the current state is
 * harmless.
 */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};

#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/**
 * enum iommufd_hwpt_get_dirty_bitmap_flags - flags of
 *                                            IOMMU_HWPT_GET_DIRTY_BITMAP
 * @IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: Report the dirty state but leave it
 *                                        set in the IOMMU. Cheaper, and
 *                                        suitable when the range is about to
 *                                        be unmapped anyway.
 *
 * Any other bit makes the command fail with EOPNOTSUPP.
 */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/**
 * struct iommu_hwpt_get_dirty_bitmap - argument of
 *                                      ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP)
 * @size: Bytes passed by userspace,
 *        sizeof(struct iommu_hwpt_get_dirty_bitmap). The minimum is 48.
 * @hwpt_id: A paging HWPT; other IDs give ENOENT.
 * @flags: Any combination of enum iommufd_hwpt_get_dirty_bitmap_flags.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @iova: First IOVA covered by the bitmap; bit 0 stands for it.
 * @length: Number of bytes of IOVA covered, starting at @iova.
 * @page_size: IOVA bytes represented by one bit; a power of two.
 * @data: User pointer to the bitmap, an array of __u64 words.
 *
 * Reports which parts of [@iova, @iova + @length - 1] devices have written to
 * since tracking was switched on or since the last report, and by default
 * forgets that state so the next report starts afresh. The bit for an IOVA
 * ``x`` of the range is bit ``n % 64`` of word ``n / 64``, where
 * ``n = (x - @iova) / @page_size``. The kernel only sets bits; clear the
 * bitmap before the call. Mapped parts of the range that were not written
 * and unmapped parts leave their bits alone.
 *
 * @iova and @length must be multiples of @page_size and of the IOVA
 * alignment of the HWPT, and @page_size must not be 0, otherwise EINVAL; a
 * range that wraps or exceeds the kernel's address width gives EOVERFLOW. A
 * HWPT without dirty tracking support gives EOPNOTSUPP.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};

#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/**
 * enum iommu_hwpt_invalidate_data_type - formats of invalidation entries
 * @IOMMU_HWPT_INVALIDATE_DATA_VTD_S1: struct iommu_hwpt_vtd_s1_invalidate.
 * @IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3: Arm SMMUv3 commands, issued to a
 *                                           virtual IOMMU.
 *
 * A format the HWPT's or virtual IOMMU's driver does not accept fails with
 * EINVAL.
 */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/**
 * struct iommu_viommu_arm_smmuv3_invalidate - one Arm SMMUv3 command
 *	(IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3)
 * @cmd: The 128-bit command as the guest wrote it to its command queue,
 *       little endian.
 *
 * Accepted opcodes: TLBI_NSNH_ALL, TLBI_NH_VA, TLBI_NH_VAA, TLBI_NH_ALL,
 * TLBI_NH_ASID, ATC_INV, CFGI_CD and CFGI_CD_ALL; any other gives EIO. The
 * kernel puts in the VMID of the virtual IOMMU and translates the guest's
 * StreamID (the virt_id of a virtual device; unknown: EIO) to the device's.
 */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/**
 * enum iommu_hwpt_vtd_s1_invalidate_flags - flags of a VT-d invalidation
 *                                           entry
 * @IOMMU_VTD_INV_FLAGS_LEAF: Only leaf translations in the range changed, so
 *                            cached non-leaf (paging structure) entries may
 *                            be kept. Without it those are flushed too.
 */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

/**
 * struct iommu_hwpt_vtd_s1_invalidate - entry of
 *                                       IOMMU_HWPT_INVALIDATE_DATA_VTD_S1
 * @addr: Start of the range to flush; must be aligned to 4 KiB.
 * @npages: Length of the range in 4 KiB pages.
 * @flags: Any combination of enum iommu_hwpt_vtd_s1_invalidate_flags.
 * @__reserved: Must be 0.
 *
 * Asks the Intel IOMMU to drop cached first-stage translations of a nested
 * HWPT after the guest changed its page table. @addr = 0 together with
 * @npages = U64_MAX flushes everything cached for the page table. Device
 * TLBs (ATS) are flushed along with the IOMMU's own caches when the device
 * uses ATS.
 */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/**
 * struct iommu_hwpt_invalidate - argument of ioctl(IOMMU_HWPT_INVALIDATE)
 * @size: Bytes passed by userspace, sizeof(struct iommu_hwpt_invalidate).
 *        The minimum is 32.
 * @hwpt_id: A nested HWPT, or a virtual IOMMU; other IDs give ENOENT.
 * @data_uptr: User pointer to an array of @entry_num entries, each
 *             @entry_len bytes long.
 * @data_type: Format of every entry, one of
 *             enum iommu_hwpt_invalidate_data_type.
 * @entry_len: Size of one entry in bytes, normally sizeof() of the entry
 *             structure; the usual size-extension rules apply per entry.
 * @entry_num: On input, the number of entries. On output, the number of
 *             entries that were fully processed.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 *
 * Flushes IOMMU caches of a nested HWPT after userspace changed its
 * first-stage page table; until then the hardware may keep using stale
 * translations. Issued to a virtual IOMMU, it also reaches the caches that
 * belong to its devices rather than to one page table (device TLBs,
 * descriptor caches); entries name devices by their virtual IDs
 * (IOMMU_VDEVICE_ALLOC). Entries are handled in order and processing stops at the
 * first one that fails: the error of that entry is returned and @entry_num
 * tells how many entries before it took effect.
 *
 * With a non-zero @entry_num, @data_uptr and @entry_len must be non-zero,
 * otherwise EINVAL; neither has an upper limit. An @entry_num of 0 processes
 * nothing and can be used to probe whether the HWPT accepts @data_type. A
 * large array is worked through in steps; a task that is being killed stops
 * between two of them (EINTR).
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};

#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/**
 * enum iommu_hwpt_pgfault_flags - flags of struct iommu_hwpt_pgfault
 * @IOMMU_PGFAULT_FLAGS_PASID_VALID: The request carried a PASID, stored in
 *                                   the pasid field.
 * @IOMMU_PGFAULT_FLAGS_LAST_PAGE: This is the final request of its group;
 *                                 the group is answered by responding to
 *                                 this message's cookie.
 */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),
};

/**
 * enum iommu_hwpt_pgfault_perm - access bits of struct iommu_hwpt_pgfault
 * @IOMMU_PGFAULT_PERM_READ: The device wants to read.
 * @IOMMU_PGFAULT_PERM_WRITE: The device wants to write.
 * @IOMMU_PGFAULT_PERM_EXEC: The request had the PCIe Execute Requested
 *                           attribute set in its PASID prefix.
 * @IOMMU_PGFAULT_PERM_PRIV: The request had the PCIe Privileged Mode
 *                           Requested attribute set in its PASID prefix.
 */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

/**
 * struct iommu_hwpt_pgfault - I/O page fault message read from a fault queue
 * @flags: Any combination of enum iommu_hwpt_pgfault_flags.
 * @dev_id: ID of the device object that raised the fault.
 * @pasid: PASID of the request; valid only with
 *         IOMMU_PGFAULT_FLAGS_PASID_VALID.
 * @grpid: Page request group index chosen by the device.
 * @perm: Any combination of enum iommu_hwpt_pgfault_perm.
 * @__reserved: Always 0.
 * @addr: The faulting address in the device's address space.
 * @length: Optional hint from the device of how many bytes it is about to
 *          access from @addr, letting the handler resolve more than one page
 *          at once; 0 when there is no hint.
 * @cookie: Kernel-chosen token identifying the fault group. It is the value
 *          to pass in struct iommu_hwpt_page_response when answering the
 *          group, which is done once, after its LAST_PAGE message.
 *
 * read() on the file descriptor of a fault queue returns a whole number of
 * these records, and only whole groups: 0 when no fault is waiting, EINVAL
 * when the buffer has no room for all records of the first waiting group
 * (or is not a multiple of the record size). A fault stays pending until
 * userspace writes a response for its group, or until the device leaves the
 * HWPT or the file is closed, in which case the kernel answers it as
 * IOMMUFD_PAGE_RESP_INVALID; faults arriving after the close are answered
 * so at once.
 */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/**
 * enum iommufd_page_response_code - result codes of a fault response
 * @IOMMUFD_PAGE_RESP_SUCCESS: The fault was resolved; the device should retry
 *                             the access. Corresponds to the PCIe page
 *                             request response code "Success".
 * @IOMMUFD_PAGE_RESP_INVALID: The fault cannot be resolved; the device must
 *                             not retry. Corresponds to the PCIe response
 *                             code "Invalid Request".
 */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/**
 * struct iommu_hwpt_page_response - answer written to a fault queue
 * @cookie: The @cookie of the fault group being answered, as read from the
 *          group's last struct iommu_hwpt_pgfault. A cookie of no group
 *          that was read and is still unanswered is rejected with EINVAL.
 * @code: One of enum iommufd_page_response_code.
 *
 * write() on the file descriptor of a fault queue takes a whole number of
 * these records; each one completes a pending fault group.
 */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/**
 * struct iommu_fault_alloc - argument of ioctl(IOMMU_FAULT_QUEUE_ALLOC)
 * @size: Bytes passed by userspace, sizeof(struct iommu_fault_alloc). The
 *        minimum is 16.
 * @flags: No flags are defined; must be 0, otherwise EOPNOTSUPP.
 * @out_fault_id: Written by the kernel: the ID of the new fault queue
 *                object, to be used as fault_id in IOMMU_HWPT_ALLOC.
 * @out_fault_fd: Written by the kernel: a new file descriptor for the queue.
 *
 * Creates a fault queue through which I/O page faults of HWPTs created with
 * IOMMU_HWPT_FAULT_ID_VALID reach userspace. Faults are read from the new
 * file descriptor as struct iommu_hwpt_pgfault records and answered by
 * writing struct iommu_hwpt_page_response records to it; poll() reports when
 * faults are waiting. The object can only be destroyed once no HWPT uses it
 * and its file descriptor has been closed.
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};

#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/**
 * enum iommu_viommu_type - kinds of virtual IOMMU
 * @IOMMU_VIOMMU_TYPE_DEFAULT: Reserved; no driver offers it (EOPNOTSUPP).
 * @IOMMU_VIOMMU_TYPE_ARM_SMMUV3: An Arm SMMUv3 virtual IOMMU.
 * @IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV: An Arm SMMUv3 virtual IOMMU with
 *                                    NVIDIA Tegra241 command queue
 *                                    virtualization.
 */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

/**
 * struct iommu_viommu_alloc - argument of ioctl(IOMMU_VIOMMU_ALLOC)
 * @size: Bytes passed by userspace, sizeof(struct iommu_viommu_alloc). The
 *        minimum is 24 (up to @out_viommu_id), the size of the first
 *        release; such callers pass no driver data.
 * @flags: No flags are defined; must be 0, otherwise EOPNOTSUPP.
 * @type: One of enum iommu_viommu_type, or a type a driver defines for
 *        itself; a type the device's IOMMU driver does not offer gives
 *        EOPNOTSUPP.
 * @dev_id: A device bound to this file (else ENOENT); the virtual IOMMU is
 *          a slice of the physical IOMMU instance in front of it.
 * @hwpt_id: A paging HWPT created with IOMMU_HWPT_ALLOC_NEST_PARENT for the
 *           same IOMMU: the second stage of every nested HWPT of the virtual
 *           IOMMU. A missing ID gives ENOENT, a HWPT that is not a nesting
 *           parent EINVAL.
 * @out_viommu_id: Written by the kernel: the ID of the new virtual IOMMU.
 * @data_len: Size in bytes of the driver data at @data_uptr; 0 for none.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 * @data_uptr: User pointer to driver data whose format @type selects. The
 *             driver may also write results into it, e.g. an offset and
 *             length to pass to mmap() of the /dev/iommu file descriptor
 *             (MAP_SHARED, exactly those values, else ENXIO) to map pages
 *             of the virtual IOMMU; while mapped, the virtual IOMMU cannot
 *             be destroyed (EBUSY).
 *
 * A virtual IOMMU is the part of one physical IOMMU instance that one
 * virtual machine owns: the ID spaces its guest sees (virtual device IDs,
 * cache tags), events not tied to a page table, and hardware a guest may
 * drive directly. It holds @hwpt_id, which cannot be destroyed while the
 * virtual IOMMU exists (EBUSY), and stands in for it as the pt_id of
 * IOMMU_HWPT_ALLOC: nested HWPTs built on the virtual IOMMU translate
 * through that parent. The virtual IOMMU itself cannot be destroyed while
 * virtual devices, nested HWPTs, event queues or hardware queues use it
 * (EBUSY).
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};

#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/**
 * struct iommu_vdevice_alloc - argument of ioctl(IOMMU_VDEVICE_ALLOC)
 * @size: Bytes passed by userspace, sizeof(struct iommu_vdevice_alloc). The
 *        minimum is 24.
 * @viommu_id: The virtual IOMMU the device appears on; else ENOENT.
 * @dev_id: A device bound to this file; else ENOENT. It must be behind the
 *          physical IOMMU of the virtual IOMMU, else EINVAL.
 * @out_vdevice_id: Written by the kernel: the ID of the new virtual device.
 * @virt_id: The ID the guest knows the device by on this virtual IOMMU
 *           (an SMMUv3 stream ID, a VT-d requester ID, an AMD device ID).
 *
 * Tells the kernel that device @dev_id is known to the guest as @virt_id on
 * virtual IOMMU @viommu_id, so that the driver can translate the guest's
 * device IDs in invalidations and report events with them. A device has at
 * most one virtual device, and a virtual IOMMU at most one virtual device
 * per @virt_id: either clash gives EEXIST.
 *
 * Destroy it with IOMMU_DESTROY before the device is unbound. If the device
 * goes first, the virtual device goes with it: its ID then names nothing
 * (IOMMU_DESTROY gives ENOENT) and is not handed out again while the file is
 * open.
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};

#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/**
 * enum iommu_veventq_flag - flags of struct iommufd_vevent_header
 * @IOMMU_VEVENTQ_FLAG_LOST_EVENTS: Events were dropped because the queue was
 *                                  full. A header with this flag carries no
 *                                  payload.
 */
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),
};

/**
 * struct iommufd_vevent_header - header of each record read from a vEVENTQ
 * @flags: Any combination of enum iommu_veventq_flag.
 * @sequence: Number of the record: 0, 1, 2, ... wrapping from 0x7fffffff
 *            to 0. A step larger than 1 between two records means events
 *            were lost in between.
 *
 * read() returns whole records back to back: each header is followed by the
 * payload of the queue's type, except for a LOST_EVENTS header, which ends
 * what was queued before the loss and takes a sequence number of its own.
 */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

/**
 * struct iommu_vevent_arm_smmuv3 - an Arm SMMUv3 event
 *                                  (IOMMU_VEVENTQ_TYPE_ARM_SMMUV3)
 * @evt: The 256-bit event record, little endian, its StreamID replaced by
 *       the virt_id of the device's virtual device.
 *
 * Forwarded events: C_BAD_STE, F_STREAM_DISABLED, C_BAD_SUBSTREAMID,
 * C_BAD_CD, F_TRANSLATION, F_ADDR_SIZE, F_ACCESS and F_PERMISSION of a device
 * attached to a nested HWPT.
 */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

/**
 * enum iommu_veventq_type - kinds of virtual IOMMU event queue
 * @IOMMU_VEVENTQ_TYPE_DEFAULT: Reserved; no driver offers it (EOPNOTSUPP).
 * @IOMMU_VEVENTQ_TYPE_ARM_SMMUV3: Arm SMMUv3 event records.
 * @IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV: Tegra241 CMDQV error maps.
 */
enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/**
 * struct iommu_veventq_alloc - argument of ioctl(IOMMU_VEVENTQ_ALLOC)
 * @size: Bytes passed by userspace, sizeof(struct iommu_veventq_alloc). The
 *        minimum is 32.
 * @flags: No flags are defined; must be 0, otherwise EOPNOTSUPP.
 * @viommu_id: The virtual IOMMU whose events the queue receives; else
 *             ENOENT.
 * @type: One of enum iommu_veventq_type, or a type a driver defines; a type
 *        the virtual IOMMU's driver does not report gives EOPNOTSUPP. A
 *        virtual IOMMU has at most one queue of each type (EEXIST).
 * @veventq_depth: How many events the queue holds before it drops new ones;
 *                 1 to 65536, else EINVAL.
 * @out_veventq_id: Written by the kernel: the ID of the new queue object.
 * @out_veventq_fd: Written by the kernel: a new file descriptor (close on
 *                  exec) to read events from.
 * @__reserved: Must be 0, otherwise EOPNOTSUPP.
 *
 * Creates a queue through which the driver of a virtual IOMMU reports
 * events of its virtual devices (translation faults of nested stage-1
 * tables, errors of queues the guest drives); I/O page requests still go to
 * fault queues (IOMMU_FAULT_QUEUE_ALLOC). read() returns as many whole
 * records (struct iommufd_vevent_header and payload) as fit; a buffer too
 * small for the first one gives EINVAL. Without O_NONBLOCK it waits for an
 * event, with it EAGAIN. poll() reports EPOLLIN while records are queued.
 * Once @veventq_depth events are queued, new ones are dropped and counted;
 * the reader then sees a LOST_EVENTS header after the queued records. The
 * object can be destroyed only after its file descriptor is closed
 * (EBUSY); closing the file does not destroy it.
 */
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};

#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

/**
 * enum iommu_hw_queue_type - kinds of hardware-accelerated queue
 * @IOMMU_HW_QUEUE_TYPE_DEFAULT: Reserved; no driver offers it (EOPNOTSUPP).
 * @IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV: A Tegra241 virtual command queue.
 */
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

/**
 * struct iommu_hw_queue_alloc - argument of ioctl(IOMMU_HW_QUEUE_ALLOC)
 * @size: Bytes passed by userspace, sizeof(struct iommu_hw_queue_alloc).
 *        The minimum is 40.
 * @flags: No flags are defined; must be 0.
 * @viommu_id: The virtual IOMMU owning the queue.
 * @type: One of enum iommu_hw_queue_type.
 * @index: Number of the queue among those of its type on the virtual IOMMU.
 * @out_hw_queue_id: Written by the kernel: the ID of the new queue.
 * @nesting_parent_iova: Guest-physical base of the queue memory, an IOVA of
 *                       the virtual IOMMU's parent HWPT.
 * @length: Size of the queue memory in bytes.
 *
 * Lets the IOMMU consume a queue the guest writes (a command queue, say)
 * without the VMM in between. Each (@type, @index) exists at most once per
 * virtual IOMMU (else EEXIST); the driver may require an order, such as
 * queue 0 before queue 1 (else EIO) and refuse to destroy a queue another
 * one depends on (EBUSY). The memory at [@nesting_parent_iova,
 * @nesting_parent_iova + @length) must be mapped in the IOAS of the
 * parent (else ENOENT) and, for IOMMUs that read queues by physical
 * address (all in this kernel), physically contiguous (else EINVAL); it is
 * pinned, and unmapping it fails with EBUSY while the queue exists. Other
 * errors: EOPNOTSUPP for @flags, the DEFAULT type or a type the vIOMMU has
 * no queues of; EINVAL for a zero @length, an @index the driver does not
 * have or a queue over 32 MiB (with 4 KiB pages); EOVERFLOW if the range
 * wraps; ENOENT for a bad @viommu_id.
 */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};

#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

/**
 * struct iommu_ioas_noiommu_get_pa - ioctl(IOMMU_IOAS_NOIOMMU_GET_PA)
 * @size: Bytes passed by userspace, sizeof(struct iommu_ioas_noiommu_get_pa).
 *        The minimum is 40.
 * @flags: Must be 0; no flags are defined.
 * @ioas_id: The IOAS whose mapping is looked up.
 * @__reserved: Must be 0.
 * @iova: The IOVA whose memory is wanted. It need not be page aligned.
 * @length: In: how many bytes from @iova the caller is interested in; must
 *          not be 0, and @iova + @length must not wrap. Out: how many bytes
 *          from @iova are physically contiguous and mapped by the same
 *          mapping, at most the input value.
 * @out_phys: Out: the CPU physical address of the byte at @iova.
 *
 * A device of a "no-IOMMU" vfio group (vfio's enable_unsafe_noiommu_mode)
 * does DMA with CPU physical addresses, untranslated and unchecked. Its cdev
 * may still be bound to an iommufd and attached to an IOAS: the IOAS then
 * keeps every mapping pinned for as long as it exists, and this command
 * tells the driver which physical addresses to program into the device.
 * The IOVA of a mapping is only a name for the memory here.
 *
 * The caller needs CAP_SYS_RAWIO, as for everything of vfio's no-IOMMU mode,
 * and the IOAS must have a no-IOMMU device attached (otherwise any user could
 * learn the physical addresses of its memory). The result is valid until
 * the mapping is unmapped or the last no-IOMMU device detaches.
 *
 * Errors: EOPNOTSUPP for non-zero @flags or @__reserved; EINVAL if @length
 * is 0; EOVERFLOW if @iova + @length wraps; EPERM without CAP_SYS_RAWIO;
 * ENOENT if @ioas_id is not an IOAS or no mapping covers @iova; ENODEV if no
 * no-IOMMU device is attached to the IOAS.
 */
struct iommu_ioas_noiommu_get_pa {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 out_phys;
};

#define IOMMU_IOAS_NOIOMMU_GET_PA _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)

#endif /* _UAPI_IOMMUFD_H */
