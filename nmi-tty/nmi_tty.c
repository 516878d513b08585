// SPDX-License-Identifier: GPL-2.0
/*
 * ttyNMI: a console and tty over the kgdboc port whose receive interrupt
 * is a pseudo-NMI.
 *
 * kgdboc hands us the port it polls.  We take that port's receive
 * interrupt as an NMI and read the port through the tty poll hooks, so
 * the gdb knock ("$3#33" by default) and BREAK followed by 'g' enter the
 * kernel debugger even on a CPU that spins with interrupts masked; the
 * debugger then rounds the other CPUs up with its NMI IPI.  Every other
 * byte goes through a lock-free ring to irq_work, which feeds the tty
 * layer: the console and a shell on ttyNMI0 work as on any serial port.
 *
 * Receive path, by context:
 *   NMI       drain the port, match knock and BREAK, fill the ring.
 *   irq_work  move the ring into the tty flip buffer (and the retry work
 *             when the flip buffer is full).
 * The NMI side takes no lock, allocates nothing, never sleeps and never
 * printks (printk from NMI is deferred: nobody would see it when every
 * CPU is stuck).  It is serialised by the interrupt controller: one CPU
 * handles the line at a time.  The debugger it enters takes kgdb's own
 * locks, which are NMI-safe.
 *
 * Bytes the port holds but will not interrupt for: polling a port through
 * poll_get_char() may clear its receive interrupt (PL011 does, in
 * pl011_quiesce_irqs()), and a PL011 raises it again only when its FIFO
 * reaches the trigger level anew.  So when the handler leaves bytes behind
 * (its budget ran out) or the debugger stops polling, ttyNMI makes the
 * interrupt pending again through the irqchip's retrigger callback: on
 * GICv3 one write to a set-pending register, no lock, so it is done right
 * there, in NMI context.  Queued to irq_work instead, it would never run
 * while the CPU that takes the NMI spins with interrupts masked, and the
 * knock would be out of reach behind the bytes left in the FIFO.
 *
 * A slow reader: receive is never masked, so the knock and BREAK stay
 * reachable at all times (a UART without flow control would overrun its
 * FIFO meanwhile anyway).  What the tty does not take waits in the ring;
 * what does not fit in the ring is dropped after the knock matcher has
 * seen it, counted, and reported from process context.
 *
 * Transmit is polled, one byte at a time under a raw spinlock: the CPU
 * waits for the UART at line rate (about 87us a byte at 115200 baud) with
 * interrupts off for one byte at most.  There is no transmit interrupt.
 *
 * The line follows the CPUs: a per-CPU NMI line is left behind when its
 * CPU goes offline (the hotplug core moves only ordinary interrupts), so
 * ttyNMI moves it to another online CPU itself.
 *
 * Which ports: those whose driver sets uart_port->poll_rx_nmi, declaring
 * that poll mode raises the receive interrupt, that the poll read clears
 * it and reports BREAK without a lock or a runtime PM call, and that the
 * line is free while the port is not open (PL011, 8250_pci, 8250_dw).
 * For any other port ttyNMI takes no interrupt: it prints the kernel log
 * and one line saying why there is no input.
 *
 * Without pseudo-NMI (no irqchip.gicv3_pseudo_nmi=1, or an interrupt
 * controller without NMIs) the same handler runs as an ordinary interrupt:
 * the console works, and the knock works while the CPU that takes the
 * interrupt is alive.
 */

#define pr_fmt(fmt) "ttyNMI: " fmt

#include <linux/atomic.h>
#include <linux/console.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/kgdb.h>
#include <linux/moduleparam.h>
#include <linux/nmi_tty.h>
#include <linux/rcupdate.h>
#include <linux/serial_core.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysrq.h>
#include <linux/timekeeping.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/workqueue.h>
#include <asm/irq_regs.h>

/*
 * A power of two.  It absorbs input while irq_work cannot run on the CPU
 * that takes the NMI (that CPU may keep interrupts off for tens of ms):
 * 32 KiB is about 3 s at 115200 baud, 300 ms at QEMU's PL011 rate.
 */
#define NMI_TTY_RING_SIZE	32768
#define NMI_TTY_KNOCK_MAX	16
#define NMI_TTY_BREAK_NS	(5 * NSEC_PER_SEC)	/* serial_core's SYSRQ_TIMEOUT */
#define NMI_TTY_RETRY_MS	10
#define NMI_TTY_TRAPNR		2	/* see nmi_tty_enter_debugger() */

#ifdef CONFIG_MAGIC_SYSRQ_SERIAL
/* After a BREAK, turns SysRq on when kernel.sysrq is 0 (as serial_core). */
static const char sysrq_seq[] = CONFIG_MAGIC_SYSRQ_SERIAL_SEQUENCE;
#endif

static char knock[NMI_TTY_KNOCK_MAX + 1] = "$3#33";
module_param_string(knock, knock, sizeof(knock), 0444);
MODULE_PARM_DESC(knock,
		 "Bytes that enter the kernel debugger from NMI (default \"$3#33\", empty: off)");

/*
 * The knock and BREAK+g are this console's way into the debugger, as
 * kgdboc's own is: kernel.sysrq does not gate them (a distribution's
 * default would turn them off).  This is their switch, also at run time,
 * for a console that takes pasted text: off, both are ordinary input, and
 * 'g' after a BREAK is SysRq-g under kernel.sysrq like any SysRq key.
 */
static bool nmi_tty_entry = true;
module_param_named(entry, nmi_tty_entry, bool, 0644);
MODULE_PARM_DESC(entry, "Enter the debugger on the knock and BREAK+g (default 1)");

/* Bounds the time one NMI spends on a port that keeps receiving. */
static unsigned int rx_budget = 1024;
module_param(rx_budget, uint, 0444);
MODULE_PARM_DESC(rx_budget, "Bytes read per receive interrupt at most (default 1024)");

static unsigned long rx_dropped;
module_param(rx_dropped, ulong, 0444);
MODULE_PARM_DESC(rx_dropped, "Received bytes dropped so far: the receive ring was full");

struct nmi_tty {
	struct tty_port port;
	struct tty_driver *poll_driver;	/* kgdboc's port */
	int poll_line;
	int irq;
	struct irq_data *irq_data;	/* for the lock-free re-trigger */
	bool nmi;			/* receive is a pseudo-NMI */
	bool serving;			/* attached: the handler may use the port */
	bool output_only;		/* console only: the port refused receive */
	size_t knock_len;
	int hp_state;			/* our CPU hotplug state */

	/* Receive ring: the interrupt handler produces, nmi_tty_drain() consumes. */
	u8 ring[NMI_TTY_RING_SIZE];
	unsigned int head;		/* written by the producer only */
	unsigned int tail;		/* written by the consumer only */
	atomic_t dropped;		/* bytes lost to a full ring (NMI side) */

	/* Interrupt handler state (serialised by the interrupt controller) */
	size_t knock_seen;		/* bytes of the knock matched so far */
	u64 break_ns;			/* when a BREAK came; 0: none pending */
	size_t sysrq_seen;		/* bytes of sysrq_seq matched after it */
	atomic_t sysrq_key;		/* a BREAK+key for handle_sysrq(); 0: none */
	atomic_t sysrq_enable;		/* BREAK+sysrq_seq was typed */

	spinlock_t rx_lock;		/* consumer side */
	struct irq_work rx_work;
	struct delayed_work retry_work;
	struct work_struct sysrq_work;

	raw_spinlock_t tx_lock;		/* one byte at a time onto the wire */
};

static struct nmi_tty nmi_tty;
static struct tty_driver *nmi_tty_driver;

/* ---- receive, producer side: NMI context ------------------------------ */

static void nmi_tty_queue(struct nmi_tty *nt, u8 c)
{
	unsigned int head = nt->head;

	/* Pairs with the consumer's release of tail: its reads are done. */
	if (head - smp_load_acquire(&nt->tail) >= NMI_TTY_RING_SIZE) {
		atomic_inc(&nt->dropped);
		return;
	}
	nt->ring[head & (NMI_TTY_RING_SIZE - 1)] = c;
	/* Publish the byte before the index that covers it. */
	smp_store_release(&nt->head, head + 1);
}

/*
 * Make our interrupt pending again, from any context, NMI included: the
 * port may hold bytes it will not interrupt for (see the top).  Not
 * irq_set_irqchip_state(), which takes the descriptor's lock: the chip's
 * retrigger callback (checked at attach) is, on GICv3, a single write to
 * the set-pending register.
 */
static void nmi_tty_retrigger(struct nmi_tty *nt)
{
	nt->irq_data->chip->irq_retrigger(nt->irq_data);
}

/* Returns true: the port was the debugger's meanwhile (see the handler). */
static bool nmi_tty_enter_debugger(struct nmi_tty *nt)
{
	if (!nt->nmi) {
		/* An ordinary interrupt: enter the way SysRq-g does. */
		if (!dbg_io_ops)
			return false;
		kgdb_breakpoint();
		return true;
	}
	/*
	 * The registers are those the NMI preempted: the debugger shows what
	 * this CPU was doing, and rounds the other CPUs up.  The trap number
	 * must not be 0, which kdb takes for a single step; 2 is what the
	 * other NMI caller of kgdb_nmicallin() passes (X86_TRAP_NMI).
	 */
	return !kgdb_nmicallin(raw_smp_processor_id(), NMI_TTY_TRAPNR,
			       get_irq_regs(), 0, NULL);
}

/*
 * Match the knock.  Bytes that may begin the knock are held back (as a
 * count: they are a prefix of the knock); when the match fails they are
 * released to the tty, except for a tail that may still begin it.
 * Returns true when the knock is complete.
 */
static bool nmi_tty_knock(struct nmi_tty *nt, u8 c)
{
	char seen[NMI_TTY_KNOCK_MAX + 1];
	size_t n = nt->knock_seen, start = 0;

	if (!nt->knock_len) {
		nmi_tty_queue(nt, c);
		return false;
	}
	memcpy(seen, knock, n);
	seen[n++] = c;
	while (start < n && memcmp(seen + start, knock, n - start))
		nmi_tty_queue(nt, seen[start++]);
	nt->knock_seen = n - start;
	if (nt->knock_seen < nt->knock_len)
		return false;
	nt->knock_seen = 0;
	return true;
}

/* Held-back bytes of a knock that will not complete: they are input. */
static void nmi_tty_release_knock(struct nmi_tty *nt)
{
	size_t i;

	for (i = 0; i < nt->knock_seen; i++)
		nmi_tty_queue(nt, knock[i]);
	nt->knock_seen = 0;
}

/*
 * The bytes after a BREAK.  'g' enters the debugger.  Other keys follow
 * the serial console's SysRq rules (uart_handle_sysrq_char()): only with
 * CONFIG_MAGIC_SYSRQ_SERIAL and within five seconds of the BREAK, a key is
 * a SysRq command when kernel.sysrq allows any; when it allows none, the
 * bytes may spell CONFIG_MAGIC_SYSRQ_SERIAL_SEQUENCE, which turns SysRq
 * on; each byte of it gives five more seconds.  A NUL, which is what a
 * line held low (a pulled cable) reads as, cancels.  BREAK+g, like the
 * knock, does not depend on kernel.sysrq: it is this console's way into
 * the debugger.  Returns true when the byte was consumed; *entered is set
 * when the debugger ran.
 */
static bool nmi_tty_after_break(struct nmi_tty *nt, u8 c, bool *entered)
{
	bool fresh = ktime_get_mono_fast_ns() - nt->break_ns <
		     NMI_TTY_BREAK_NS;

	if (fresh && c == 'g' && !nt->sysrq_seen && READ_ONCE(nmi_tty_entry)) {
		nt->break_ns = 0;
		*entered = nmi_tty_enter_debugger(nt);
		return true;
	}
#ifdef CONFIG_MAGIC_SYSRQ_SERIAL
	if (fresh && c) {
		size_t len = strlen(sysrq_seq);

		if (sysrq_mask()) {
			/* handle_sysrq() is not for NMI context: irq_work */
			nt->break_ns = 0;
			atomic_set(&nt->sysrq_key, c);
			return true;
		}
		if (nt->sysrq_seen < len && sysrq_seq[nt->sysrq_seen] == c) {
			if (++nt->sysrq_seen == len) {
				nt->break_ns = 0;
				atomic_set(&nt->sysrq_enable, 1);
			} else {
				nt->break_ns = ktime_get_mono_fast_ns() | 1;
			}
			return true;
		}
	}
#endif
	nt->break_ns = 0;
	return false;
}

/* Returns true when the byte entered the debugger. */
static bool nmi_tty_receive(struct nmi_tty *nt, int c)
{
	bool entered = false;

	if (c == POLL_CHAR_BREAK) {
		nt->break_ns = ktime_get_mono_fast_ns() | 1;
		nt->sysrq_seen = 0;
		return false;
	}
	c &= 0xff;	/* drop error flags a port may report with the byte */

	if (nt->break_ns && nmi_tty_after_break(nt, c, &entered))
		return entered;
	if (!READ_ONCE(nmi_tty_entry)) {
		/* Switched off: a knock begun before is input too. */
		nmi_tty_release_knock(nt);
		nmi_tty_queue(nt, c);
		return false;
	}
	if (nmi_tty_knock(nt, c))
		return nmi_tty_enter_debugger(nt);
	return false;
}

static irqreturn_t nmi_tty_interrupt(int irq, void *dev_id)
{
	struct nmi_tty *nt = dev_id;
	struct tty_driver *drv = nt->poll_driver;
	unsigned int n;
	int c;

	/* Detaching: the port is no longer ours to read. */
	if (!READ_ONCE(nt->serving))
		return IRQ_HANDLED;
	for (n = 0; n < rx_budget; n++) {
		c = drv->ops->poll_get_char(drv, nt->poll_line);
		if (c == NO_POLL_CHAR || c < 0)
			break;
		/*
		 * Back from the debugger: it polled the port meanwhile, and
		 * may still own it (a single step).  Leave the port and the
		 * ring alone; nmi_tty_debugger_exit() re-triggers when the
		 * debugger really resumes.  No irq_work either: its IPI would
		 * be taken before a stepped instruction.
		 */
		if (nmi_tty_receive(nt, c))
			return IRQ_HANDLED;
	}
	/*
	 * Out of budget: come back for the rest at once, from here.  The
	 * irq_work below may not run for a long time (this CPU may be the one
	 * that spins masked), and the knock may be behind the bytes left.
	 */
	if (n == rx_budget)
		nmi_tty_retrigger(nt);
	irq_work_queue(&nt->rx_work);
	return IRQ_HANDLED;
}

/* ---- receive, consumer side ------------------------------------------- */

static void nmi_tty_drain(struct nmi_tty *nt)
{
	unsigned int head, tail;
	unsigned long flags;
	bool open, pending;
	int dropped, key;

	spin_lock_irqsave(&nt->rx_lock, flags);
	open = tty_port_initialized(&nt->port);
	/* Pairs with the producer's release: bytes below head are written. */
	head = smp_load_acquire(&nt->head);
	tail = nt->tail;
	while (tail != head) {
		unsigned int off = tail & (NMI_TTY_RING_SIZE - 1);
		unsigned int len = min(head - tail, NMI_TTY_RING_SIZE - off);
		unsigned int done = len;

		/* Nobody reads a closed port: drop, like a UART does. */
		if (open)
			done = tty_insert_flip_string(&nt->port, nt->ring + off,
						      len);
		tail += done;
		if (done < len)
			break;
	}
	/* Hand the slots back only after reading them. */
	smp_store_release(&nt->tail, tail);
	pending = tail != head;
	dropped = atomic_xchg(&nt->dropped, 0);
	rx_dropped += dropped;
	spin_unlock_irqrestore(&nt->rx_lock, flags);
	if (open)
		tty_flip_buffer_push(&nt->port);

	/*
	 * The tty is full (its reader is slow): try again later.  Receive is
	 * not masked meanwhile; the producer drops what the ring cannot hold.
	 */
	if (pending)
		schedule_delayed_work(&nt->retry_work,
				      msecs_to_jiffies(NMI_TTY_RETRY_MS));
	if (dropped)
		pr_warn_ratelimited("dropped %d received bytes: the receive ring was full (%lu in all)\n",
				    dropped, rx_dropped);
	key = atomic_xchg(&nt->sysrq_key, 0);
	if (key)
		handle_sysrq(key);
	if (atomic_xchg(&nt->sysrq_enable, 0))
		schedule_work(&nt->sysrq_work);
}

static void nmi_tty_rx_work(struct irq_work *work)
{
	nmi_tty_drain(container_of(work, struct nmi_tty, rx_work));
}

static void nmi_tty_retry_work(struct work_struct *work)
{
	nmi_tty_drain(container_of(to_delayed_work(work), struct nmi_tty,
				   retry_work));
}

static void nmi_tty_sysrq_work(struct work_struct *work)
{
#ifdef CONFIG_MAGIC_SYSRQ_SERIAL
	sysrq_toggle_support(1);
	pr_info("SysRq is enabled by magic sequence '%*pE' on ttyNMI0\n",
		(int)strlen(sysrq_seq), sysrq_seq);
#endif
}

/* ---- transmit --------------------------------------------------------- */

static void nmi_tty_put(struct nmi_tty *nt, u8 c)
{
	unsigned long flags;
	bool locked = true;

	/* In a panic, a CPU that died holding the lock must not stop us. */
	if (oops_in_progress)
		locked = raw_spin_trylock_irqsave(&nt->tx_lock, flags);
	else
		raw_spin_lock_irqsave(&nt->tx_lock, flags);
	nt->poll_driver->ops->poll_put_raw_char(nt->poll_driver, nt->poll_line,
						c);
	if (locked)
		raw_spin_unlock_irqrestore(&nt->tx_lock, flags);
}

static ssize_t nmi_tty_write(struct tty_struct *tty, const u8 *buf,
			     size_t count)
{
	struct nmi_tty *nt = tty->driver_data;
	size_t i;

	for (i = 0; i < count; i++)
		nmi_tty_put(nt, buf[i]);
	return count;
}

static unsigned int nmi_tty_write_room(struct tty_struct *tty)
{
	return 2048;	/* writes complete synchronously */
}

/*
 * kdb writes to its port itself and then to every console but the one
 * kgdboc names as that port's (kgdb_io.cons): nmi_tty_console() is how
 * kgdboc names ours, so each kdb line is printed once, and every kernel
 * message, the debugger's CPU's included, is printed here.
 */
static void nmi_tty_console_write(struct console *co, const char *s,
				  unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (s[i] == '\n')
			nmi_tty_put(&nmi_tty, '\r');
		nmi_tty_put(&nmi_tty, s[i]);
	}
}

static struct tty_driver *nmi_tty_console_device(struct console *co,
						 int *index)
{
	*index = co->index;
	return nmi_tty_driver;
}

static struct console nmi_tty_con = {
	.name	= "ttyNMI",
	.write	= nmi_tty_console_write,
	.device	= nmi_tty_console_device,
	.flags	= CON_PRINTBUFFER | CON_ANYTIME,
	.index	= 0,
};

/* ---- tty -------------------------------------------------------------- */

static int nmi_tty_install(struct tty_driver *drv, struct tty_struct *tty)
{
	tty->driver_data = &nmi_tty;
	return tty_port_install(&nmi_tty.port, drv, tty);
}

static int nmi_tty_open(struct tty_struct *tty, struct file *file)
{
	return tty_port_open(&nmi_tty.port, tty, file);
}

static void nmi_tty_close(struct tty_struct *tty, struct file *file)
{
	tty_port_close(&nmi_tty.port, tty, file);
}

static void nmi_tty_hangup(struct tty_struct *tty)
{
	tty_port_hangup(&nmi_tty.port);
}

static const struct tty_operations nmi_tty_ops = {
	.install	= nmi_tty_install,
	.open		= nmi_tty_open,
	.close		= nmi_tty_close,
	.hangup		= nmi_tty_hangup,
	.write		= nmi_tty_write,
	.write_room	= nmi_tty_write_room,
};

static const struct tty_port_operations nmi_tty_port_ops;

/* ---- CPU hotplug ------------------------------------------------------ */

/*
 * @cpu goes offline.  The hotplug core moves only interrupts that may be
 * balanced; an NMI line is per-CPU, so if it is routed to @cpu it would
 * stay there: no input and no knock until @cpu comes back, which with no
 * input nobody can ask for.  Route it to another online CPU.
 */
static int nmi_tty_cpu_offline(unsigned int cpu)
{
	struct nmi_tty *nt = &nmi_tty;
	unsigned int target;
	int err;

	if (!cpumask_test_cpu(cpu,
			      irq_data_get_effective_affinity_mask(nt->irq_data)))
		return 0;
	target = cpumask_any_but(cpu_online_mask, cpu);
	if (target >= nr_cpu_ids)
		return 0;
	err = irq_set_affinity(nt->irq, cpumask_of(target));
	if (err)
		pr_warn("cannot move irq %d from CPU%u (%d): no input while it is offline\n",
			nt->irq, cpu, err);
	else
		pr_info("CPU%u goes offline: receive moves to CPU%u\n", cpu,
			target);
	return 0;
}

/* ---- attach to kgdboc's port ------------------------------------------ */

static int nmi_tty_request_irq(struct nmi_tty *nt)
{
	int err;

	err = request_nmi(nt->irq, nmi_tty_interrupt,
			  IRQF_PERCPU | IRQF_NO_AUTOEN, "ttyNMI", nt);
	if (!err) {
		nt->nmi = true;
		/*
		 * Route the line to one CPU we name, so that its effective
		 * affinity says where it is (see nmi_tty_cpu_offline()).
		 */
		err = irq_set_affinity(nt->irq,
				       cpumask_of(cpumask_first(cpu_online_mask)));
		if (err)
			pr_warn("cannot route irq %d (%d): it stays where the interrupt controller put it\n",
				nt->irq, err);
		enable_nmi(nt->irq);
		pr_info("receive on irq %d is a pseudo-NMI: knock \"%s\" and BREAK+g enter the debugger\n",
			nt->irq, knock);
		return 0;
	}
	nt->nmi = false;
	err = request_irq(nt->irq, nmi_tty_interrupt, IRQF_NO_THREAD, "ttyNMI",
			  nt);
	if (!err)
		pr_warn("no pseudo-NMI for irq %d (boot with irqchip.gicv3_pseudo_nmi=1): ordinary interrupt, the debugger is out of reach while its CPU masks interrupts\n",
			nt->irq);
	return err;
}

/*
 * The port's driver does not declare that its polled receive may run in
 * NMI context (uart_port->poll_rx_nmi): taking its line could storm (a
 * receive cause the poll read does not clear) or never fire (poll mode
 * leaves receive masked).  Refuse receive, but when console=ttyNMI0 asked
 * for us, still print the kernel log, so that the refusal is seen on the
 * very line the user watches rather than nowhere.
 */
static int nmi_tty_attach_output_only(struct nmi_tty *nt)
{
	register_console(&nmi_tty_con);
	if (!console_is_registered(&nmi_tty_con))
		return 0;
	WRITE_ONCE(nt->output_only, true);
	pr_err("cannot take receive from %s%d: its driver does not declare an NMI-safe polled receive (uart_port->poll_rx_nmi); ttyNMI0 prints the kernel log only, no input, no knock, no BREAK+g\n",
	       nt->poll_driver->name, nt->poll_line);
	return 0;
}

/**
 * nmi_tty_attach - serve ttyNMI0 over the port kgdboc polls
 * @driver: the tty driver of kgdboc's port
 * @line: the port's line
 *
 * Called by kgdboc once it has the port, before it registers with kgdb (so
 * that with kgdbwait the boot log is out before the debugger waits).
 * ttyNMI takes the port only when console=ttyNMI0 selects it; the port must
 * then not be opened as its own tty (ttyAMA0, ttyS0...): its interrupt is
 * ours.
 *
 * Return: 0, also when ttyNMI stays out of the way (not selected, or the
 * port cannot serve it) or only prints (the port's driver does not declare
 * uart_port->poll_rx_nmi); a negative errno when it was selected and could
 * not attach.  Either way kgdboc works as without ttyNMI unless it attached.
 */
int nmi_tty_attach(struct tty_driver *driver, int line)
{
	struct nmi_tty *nt = &nmi_tty;
	struct device *dev;
	int err;

	if (nt->serving || nt->output_only)
		return -EBUSY;
	/*
	 * Not a serial_core port.  Stay out of the way: its poll_put_char()
	 * is the debugger's, which may spin until a host reads (hvc).
	 */
	if (!driver->ops->poll_get_irq || !driver->ops->poll_put_raw_char) {
		pr_info("%s%d lacks poll_get_irq/poll_put_raw_char: not attached\n",
			driver->name, line);
		return 0;
	}
	nt->poll_driver = driver;
	nt->poll_line = line;
	raw_spin_lock_init(&nt->tx_lock);
	nt->irq = driver->ops->poll_get_irq(driver, line);
	if (nt->irq == -EOPNOTSUPP)
		return nmi_tty_attach_output_only(nt);
	if (nt->irq <= 0) {
		pr_info("%s%d has no interrupt: not attached\n", driver->name,
			line);
		return 0;
	}
	nt->irq_data = irq_get_irq_data(nt->irq);
	if (!nt->irq_data || !nt->irq_data->chip ||
	    !nt->irq_data->chip->irq_retrigger) {
		pr_info("irq %d of %s%d cannot be re-triggered: not attached\n",
			nt->irq, driver->name, line);
		return 0;
	}
	nt->knock_len = strnlen(knock, NMI_TTY_KNOCK_MAX);
	rx_budget = max(rx_budget, 1U);	/* 0 would re-trigger for ever */
	nt->head = 0;
	nt->tail = 0;
	nt->knock_seen = 0;
	nt->break_ns = 0;
	nt->sysrq_seen = 0;
	atomic_set(&nt->dropped, 0);
	atomic_set(&nt->sysrq_key, 0);
	atomic_set(&nt->sysrq_enable, 0);
	spin_lock_init(&nt->rx_lock);
	init_irq_work(&nt->rx_work, nmi_tty_rx_work);
	INIT_DELAYED_WORK(&nt->retry_work, nmi_tty_retry_work);
	INIT_WORK(&nt->sysrq_work, nmi_tty_sysrq_work);

	/* Registered only if console= selects it; output works already. */
	register_console(&nmi_tty_con);
	if (!console_is_registered(&nmi_tty_con))
		return 0;

	tty_port_init(&nt->port);
	nt->port.ops = &nmi_tty_port_ops;
	nmi_tty_driver = tty_alloc_driver(1, TTY_DRIVER_REAL_RAW |
					     TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(nmi_tty_driver)) {
		err = PTR_ERR(nmi_tty_driver);
		goto err_port;
	}
	nmi_tty_driver->driver_name = "nmi_tty";
	nmi_tty_driver->name = "ttyNMI";
	nmi_tty_driver->type = TTY_DRIVER_TYPE_SERIAL;
	nmi_tty_driver->subtype = SERIAL_TYPE_NORMAL;
	nmi_tty_driver->init_termios = tty_std_termios;
	nmi_tty_driver->init_termios.c_cflag |= CLOCAL;
	tty_set_operations(nmi_tty_driver, &nmi_tty_ops);

	err = tty_register_driver(nmi_tty_driver);
	if (err)
		goto err_driver;
	dev = tty_port_register_device(&nt->port, nmi_tty_driver, 0, NULL);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto err_register;
	}
	/* Before the interrupt: the handler reads the port only when set. */
	WRITE_ONCE(nt->serving, true);
	err = nmi_tty_request_irq(nt);
	if (err)
		goto err_device;
	err = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
					"tty/nmi_tty:online", NULL,
					nmi_tty_cpu_offline);
	if (err < 0)
		pr_warn("no CPU hotplug callback (%d): taking CPU%d offline leaves the line behind\n",
			err, cpumask_first(irq_data_get_effective_affinity_mask(nt->irq_data)));
	nt->hp_state = err;
	return 0;

err_device:
	WRITE_ONCE(nt->serving, false);
	tty_unregister_device(nmi_tty_driver, 0);
err_register:
	tty_unregister_driver(nmi_tty_driver);
err_driver:
	tty_driver_kref_put(nmi_tty_driver);
	nmi_tty_driver = NULL;
err_port:
	tty_port_destroy(&nt->port);
	unregister_console(&nmi_tty_con);
	pr_err("cannot attach to %s%d: %d\n", driver->name, line, err);
	return err;
}

/**
 * nmi_tty_console - ttyNMI's console, which writes to kgdboc's port
 *
 * Return: the console while ttyNMI is attached, also when it is only
 * printing because the port refused receive; else NULL.
 */
struct console *nmi_tty_console(void)
{
	struct nmi_tty *nt = &nmi_tty;

	if (READ_ONCE(nt->serving) || READ_ONCE(nt->output_only))
		return &nmi_tty_con;
	return NULL;
}

/**
 * nmi_tty_debugger_exit - the kernel debugger stops polling the port
 *
 * Called by kgdboc as the debugger resumes the kernel, on the debugger's
 * CPU with every other CPU still stopped, possibly in NMI context: only
 * NMI-safe work here.  Bytes that came in while the debugger polled may
 * sit in the port with its receive interrupt cleared: re-trigger.  The
 * handler is not running anywhere else now (an NMI does not preempt an
 * NMI, so the roundup waited for it), so its match state can be reset
 * here: a knock or SysRq sequence begun before the debugger ran is not
 * finished by bytes typed after it.  Held-back knock bytes are the user's
 * input: they go to the tty.  (When the roundup timed out on a CPU that
 * never took its NMI, that CPU may be in the handler too; then the reset
 * races with it, as the debugger's own polling of the port already does.)
 */
void nmi_tty_debugger_exit(void)
{
	struct nmi_tty *nt = &nmi_tty;

	/*
	 * A single step resumes the kernel for one instruction and comes
	 * straight back to the debugger, which keeps the port.  Making our
	 * NMI pending here would have the step land in its entry code.
	 */
	if (!READ_ONCE(nt->serving) || kgdb_single_step)
		return;
	nmi_tty_release_knock(nt);
	nt->break_ns = 0;
	nt->sysrq_seen = 0;
	nmi_tty_retrigger(nt);
	irq_work_queue(&nt->rx_work);
}

/**
 * nmi_tty_detach - stop serving ttyNMI0, before kgdboc lets its port go
 *
 * Return: 0, or -EBUSY while ttyNMI0 is open (it then stays attached).
 */
int nmi_tty_detach(void)
{
	struct nmi_tty *nt = &nmi_tty;

	if (nt->output_only) {
		unregister_console(&nmi_tty_con);
		WRITE_ONCE(nt->output_only, false);
		return 0;
	}
	if (!nt->serving)
		return 0;
	if (tty_port_users(&nt->port))
		return -EBUSY;

	unregister_console(&nmi_tty_con);
	if (nt->hp_state >= 0)
		cpuhp_remove_state_nocalls(nt->hp_state);
	if (nt->nmi) {
		disable_nmi_nosync(nt->irq);
		WRITE_ONCE(nt->serving, false);
		/*
		 * A handler may still run on another CPU.  NMI handlers are
		 * RCU read-side critical sections (Documentation/RCU/NMI-RCU.rst):
		 * after this, none is, and none can touch the port or queue work.
		 */
		synchronize_rcu();
		free_nmi(nt->irq, nt);
		/* request_nmi() made the line per-CPU: give it back movable. */
		irq_modify_status(nt->irq, IRQ_PER_CPU, 0);
	} else {
		WRITE_ONCE(nt->serving, false);
		free_irq(nt->irq, nt);	/* waits for a handler in flight */
	}
	irq_work_sync(&nt->rx_work);
	cancel_delayed_work_sync(&nt->retry_work);
	cancel_work_sync(&nt->sysrq_work);
	tty_unregister_device(nmi_tty_driver, 0);
	tty_unregister_driver(nmi_tty_driver);
	tty_driver_kref_put(nmi_tty_driver);
	nmi_tty_driver = NULL;
	tty_port_destroy(&nt->port);
	return 0;
}
