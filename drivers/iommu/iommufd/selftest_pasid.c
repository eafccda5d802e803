// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PASID ops of IOMMU_TEST_CMD: attach, replace and detach HWPTs on the
 * PASIDs of a selftest object's mock device through the kAPI, as a driver
 * would, and check what iommufd and the mock IOMMU hold for a PASID.
 *
 * Dangerous: test kernels only.
 */
#include <linux/iommu.h>
#include <linux/iommufd.h>

#include "device.h"
#include "hwpt.h"
#include "selftest_iommu.h"

/*
 * PASID_CHECK_HWPT: iommufd must have @hwpt_id (0: nothing) on the PASID,
 * and the mock IOMMU that HWPT's domain (0: none).
 */
static int mock_pasid_check(struct iommufd_call *call, struct mock_stdev *sobj,
			    u32 pasid, u32 hwpt_id)
{
	struct iommu_domain *domain;
	struct iommufd_obj *obj;
	int rc = 0;

	if (iommufd_device_pasid_hwpt_id(sobj->idev, pasid) != hwpt_id)
		return -EINVAL;
	domain = mockdev_pasid_domain(sobj->mockdev, pasid);
	if (!hwpt_id)
		return domain ? -EINVAL : 0;

	obj = iommufd_obj_find(call->ictx, hwpt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if ((obj->type != IOMMUFD_OBJ_HWPT_PAGING &&
	     obj->type != IOMMUFD_OBJ_HWPT_NESTED) ||
	    container_of(obj, struct iommufd_hwpt, obj)->domain != domain)
		rc = -EINVAL;
	iommufd_obj_put(call->ictx, obj);
	return rc;
}

/**
 * mock_op_pasid - IOMMU_TEST_OP_PASID_ATTACH, _REPLACE, _DETACH, _CHECK_HWPT
 * @call: the command
 * @arg: its struct iommu_test_cmd; @arg->id names the selftest object
 *
 * Changes of an attachment hold the mock device's lock, so that injected
 * faults never meet an attachment being torn down.
 *
 * Return: 0 or an error code for userspace.
 */
int mock_op_pasid(struct iommufd_call *call, struct iommu_test_cmd *arg)
{
	struct mock_stdev *sobj;
	struct iommufd_obj *obj;
	u32 pt_id;
	int rc;

	obj = iommufd_obj_find(call->ictx, arg->id, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	sobj = container_of(obj, struct mock_stdev, obj);

	switch (arg->op) {
	case IOMMU_TEST_OP_PASID_ATTACH:
		pt_id = arg->pasid_attach.pt_id;
		down_write(&sobj->mockdev->lock);
		rc = iommufd_device_pasid_attach(sobj->idev,
						 arg->pasid_attach.pasid,
						 &pt_id);
		up_write(&sobj->mockdev->lock);
		break;
	case IOMMU_TEST_OP_PASID_REPLACE:
		pt_id = arg->pasid_replace.pt_id;
		down_write(&sobj->mockdev->lock);
		rc = iommufd_device_pasid_replace(sobj->idev,
						  arg->pasid_replace.pasid,
						  &pt_id);
		up_write(&sobj->mockdev->lock);
		break;
	case IOMMU_TEST_OP_PASID_DETACH:
		down_write(&sobj->mockdev->lock);
		iommufd_device_pasid_detach(sobj->idev,
					    arg->pasid_detach.pasid);
		up_write(&sobj->mockdev->lock);
		rc = 0;
		break;
	default:
		rc = mock_pasid_check(call, sobj, arg->pasid_check.pasid,
				      arg->pasid_check.hwpt_id);
		break;
	}
	iommufd_obj_put(call->ictx, obj);
	return rc;
}

/**
 * mock_stdev_detach_pasids - Detach every PASID of a selftest object
 * @sobj: the object being destroyed, its device still bound
 *
 * Under the mock device's lock, like any other attachment change, rather
 * than leaving it to the unbind.
 */
void mock_stdev_detach_pasids(struct mock_stdev *sobj)
{
	down_write(&sobj->mockdev->lock);
	iommufd_device_pasid_detach_all(sobj->idev);
	up_write(&sobj->mockdev->lock);
}
