// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test hooks of CONFIG_IOMMUFD_TEST that the production layers consult at
 * the points common.h lists: the fail_iommufd fault-injection attribute and
 * the adjustable limit of temporary memory per pinning batch.  Only built
 * with the test option; without it common.h makes both constants.
 */
#include <linux/compiler.h>
#include <linux/fault-inject.h>

#include "common.h"

static DECLARE_FAULT_ATTR(iommufd_fault_attr);

bool iommufd_inject_failure(void)
{
	return should_fail(&iommufd_fault_attr, 1);
}

/**
 * iommufd_fail_init - create /sys/kernel/debug/fail_iommufd
 *
 * A debugfs failure only loses the knob; it is not an error.
 */
void iommufd_fail_init(void)
{
	fault_create_debugfs_attr("fail_iommufd", NULL, &iommufd_fault_attr);
}

static unsigned int temp_memory_limit = IOMMUFD_TEMP_MEMORY_LIMIT;

/**
 * iommufd_temp_memory_limit - bytes of temporary memory per pinning batch
 *
 * Read once per operation.
 *
 * Return: IOMMUFD_TEMP_MEMORY_LIMIT, or what the mock set.
 */
unsigned int iommufd_temp_memory_limit(void)
{
	return READ_ONCE(temp_memory_limit);
}

/**
 * iommufd_set_temp_memory_limit - IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT
 * @limit: new limit in bytes
 *
 * Return: 0, or -EINVAL if @limit cannot hold one element of a batch (a
 * PFN and a count).
 */
int iommufd_set_temp_memory_limit(unsigned int limit)
{
	if (limit < sizeof(unsigned long) + sizeof(u32))
		return -EINVAL;
	WRITE_ONCE(temp_memory_limit, limit);
	return 0;
}
