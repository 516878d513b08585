/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ttyNMI: a console and tty over the kgdboc port, with receive taken as a
 * pseudo-NMI so that the kernel debugger stays reachable from the serial
 * line while CPUs spin with interrupts masked.
 */
#ifndef _LINUX_NMI_TTY_H
#define _LINUX_NMI_TTY_H

struct console;
struct tty_driver;

#ifdef CONFIG_SERIAL_NMI_TTY
int nmi_tty_attach(struct tty_driver *driver, int line);
int nmi_tty_detach(void);
struct console *nmi_tty_console(void);
void nmi_tty_debugger_exit(void);
#else
static inline int nmi_tty_attach(struct tty_driver *driver, int line)
{
	return 0;
}

static inline int nmi_tty_detach(void)
{
	return 0;
}

static inline struct console *nmi_tty_console(void)
{
	return NULL;
}

static inline void nmi_tty_debugger_exit(void)
{
}
#endif

#endif /* _LINUX_NMI_TTY_H */
