/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few entry points of QEMU's TCG plugin API (plugin API version 1, as
 * in QEMU 7.2) that insnprof uses.  QEMU's own header is not packaged; the
 * opaque handles are declared as the plain types they are passed as.
 */
#ifndef INSNPROF_QEMU_PLUGIN_API_H
#define INSNPROF_QEMU_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

struct qemu_plugin_tb;

void qemu_plugin_register_vcpu_tb_trans_cb(uint64_t id,
					   void (*cb)(uint64_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  void (*cb)(unsigned int vcpu, void *data),
					  int flags, void *data);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(uint64_t id, void (*cb)(uint64_t id, void *data),
				    void *data);

/* What the plugin itself provides */
int qemu_plugin_install(uint64_t id, const void *info, int argc, char **argv);

#endif /* INSNPROF_QEMU_PLUGIN_API_H */
