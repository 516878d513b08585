// SPDX-License-Identifier: GPL-2.0
/*
 * nmidbg's test module: a kernel thread that sleeps in D state inside this
 * module's text, so a triage has a module frame to resolve from the .ko.
 * Loaded by the board's init (`insmod /nmidbg_test.ko`).
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static struct task_struct *nmidbg_test_task;

static noinline int nmidbg_test_sleeper(void *unused)
{
	set_current_state(TASK_UNINTERRUPTIBLE);
	schedule();	/* nmidbg-test: the D-state frame */
	return 0;
}

static int __init nmidbg_test_init(void)
{
	nmidbg_test_task = kthread_run(nmidbg_test_sleeper, NULL, "nmidbg_test");
	return PTR_ERR_OR_ZERO(nmidbg_test_task);
}
module_init(nmidbg_test_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nmidbg test: a task in D state in a module");
