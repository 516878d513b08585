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
 * handles the line at a time.
 *
 * Bytes the port holds but will not interrupt for: polling a port through
 * poll_get_char() may clear its receive interrupt (PL011 does, in
 * pl011_quiesce_irqs()), and a PL011 raises it again only when its FIFO
 * reaches the trigger level anew.  So when the handler leaves bytes behind
 * (its budget ran out) or the debugger stops polling, the consumer sets the
 * interrupt pending at the interrupt controller: the handler runs again.
 * Without that, a UART without a receive timeout interrupt (QEMU's PL011)
 * stops receiving for good.
 *
 * A slow reader: when the flip buffer refuses data, the consumer masks the
 * receive interrupt until the ring drains (backpressure, nothing lost).
 * When the reader makes no progress for NMI_TTY_THROTTLE_MS, it unmasks
 * and drops what does not fit, so the knock stays reachable even when the
 * reader never comes back.  Only the consumer masks, and only while it
 * runs; the NMI handler never does.
 *
 * Transmit is polled, one byte at a time under a raw spinlock: the CPU
 * waits for the UART at line rate (about 87us a byte at 115200 baud) with
 * interrupts off for one byte at most.  There is no transmit interrupt.
 *
 * Without pseudo-NMI (no irqchip.gicv3_pseudo_nmi=1, or an interrupt
 * controller without NMIs) the same handler runs as an ordinary interrupt:
 * the console works, and the knock works while the CPU that takes the
 * interrupt is alive.
 */

#define pr_fmt(fmt) "ttyNMI: " fmt

#include <linux/atomic.h>
#include <linux/console.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/kgdb.h>
#include <linux/moduleparam.h>
#include <linux/nmi_tty.h>
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
#define NMI_TTY_BREAK_NS	(5 * NSEC_PER_SEC)
#define NMI_TTY_RETRY_MS	10
#define NMI_TTY_THROTTLE_MS	5000
#define NMI_TTY_TRAPNR		2	/* see nmi_tty_enter_debugger() */

static char knock[NMI_TTY_KNOCK_MAX + 1] = "$3#33";
module_param_string(knock, knock, sizeof(knock), 0444);
MODULE_PARM_DESC(knock,
		 "Bytes that enter the kernel debugger from NMI (default \"$3#33\", empty: off)");

/* Bounds the time one NMI spends on a port that keeps receiving. */
static unsigned int rx_budget = 1024;
module_param(rx_budget, uint, 0444);
MODULE_PARM_DESC(rx_budget, "Bytes read per receive interrupt at most (default 1024)");

struct nmi_tty {
	struct tty_port port;
	struct tty_driver *poll_driver;	/* kgdboc's port */
	int poll_line;
	int irq;
	bool nmi;			/* receive is a pseudo-NMI */
	size_t knock_len;

	/* Receive ring: the interrupt handler produces, nmi_tty_drain() consumes. */
	u8 ring[NMI_TTY_RING_SIZE];
	unsigned int head;		/* written by the producer only */
	unsigned int tail;		/* written by the consumer only */
	atomic_t overflowed;		/* bytes lost to a full ring (NMI side) */
	atomic_t dropped;		/* bytes dropped for a stalled reader */

	/* Interrupt handler state (serialised by the interrupt controller) */
	size_t knock_seen;		/* bytes of the knock matched so far */
	u64 break_ns;			/* when a BREAK came; 0: none pending */
	atomic_t sysrq_key;		/* a BREAK+key for handle_sysrq(); 0: none */
	atomic_t kick;			/* the port may hold bytes: re-trigger */

	/* Consumer state, under rx_lock */
	spinlock_t rx_lock;
	bool throttled;			/* receive masked for backpressure */
	bool stalled;			/* reader gave up: drop, do not mask */
	unsigned long throttled_at;
	struct irq_work rx_work;
	struct delayed_work retry_work;

	raw_spinlock_t tx_lock;		/* one byte at a time onto the wire */
};

static struct nmi_tty nmi_tty;
static struct tty_driver *nmi_tty_driver;
static bool nmi_tty_attached;

/* ---- receive, producer side: NMI context ------------------------------ */

static void nmi_tty_queue(struct nmi_tty *nt, u8 c)
{
	unsigned int head = nt->head;

	/* Pairs with the consumer's release of tail: its reads are done. */
	if (head - smp_load_acquire(&nt->tail) >= NMI_TTY_RING_SIZE) {
		atomic_inc(&nt->overflowed);
		return;
	}
	nt->ring[head & (NMI_TTY_RING_SIZE - 1)] = c;
	/* Publish the byte before the index that covers it. */
	smp_store_release(&nt->head, head + 1);
}

static void nmi_tty_enter_debugger(struct nmi_tty *nt)
{
	if (!nt->nmi) {
		/* An ordinary interrupt: enter the way SysRq-g does. */
		if (dbg_io_ops)
			kgdb_breakpoint();
		return;
	}
	/*
	 * The registers are those the NMI preempted: the debugger shows what
	 * this CPU was doing, and rounds the other CPUs up.  The trap number
	 * must not be 0, which kdb takes for a single step; 2 is what the
	 * other NMI caller of kgdb_nmicallin() passes (X86_TRAP_NMI).
	 */
	kgdb_nmicallin(raw_smp_processor_id(), NMI_TTY_TRAPNR, get_irq_regs(),
		       0, NULL);
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

static void nmi_tty_receive(struct nmi_tty *nt, int c)
{
	if (c == POLL_CHAR_BREAK) {
		nt->break_ns = ktime_get_mono_fast_ns() | 1;
		return;
	}
	c &= 0xff;	/* drop error flags a port may report with the byte */

	if (nt->break_ns) {
		bool fresh = ktime_get_mono_fast_ns() - nt->break_ns <
			     NMI_TTY_BREAK_NS;

		nt->break_ns = 0;
		if (fresh && c == 'g') {
			nmi_tty_enter_debugger(nt);
			return;
		}
		if (fresh) {
			/* Other SysRq keys are not for NMI context. */
			atomic_set(&nt->sysrq_key, c);
			return;
		}
	}

	if (nmi_tty_knock(nt, c))
		nmi_tty_enter_debugger(nt);
}

static irqreturn_t nmi_tty_interrupt(int irq, void *dev_id)
{
	struct nmi_tty *nt = dev_id;
	struct tty_driver *drv = nt->poll_driver;
	unsigned int n;
	int c;

	for (n = 0; n < rx_budget; n++) {
		c = drv->ops->poll_get_char(drv, nt->poll_line);
		if (c == NO_POLL_CHAR || c < 0)
			break;
		nmi_tty_receive(nt, c);
	}
	if (n == rx_budget)
		atomic_set(&nt->kick, 1);
	irq_work_queue(&nt->rx_work);
	return IRQ_HANDLED;
}

/* ---- receive, consumer side ------------------------------------------- */

static void nmi_tty_mask_rx(struct nmi_tty *nt, bool mask)
{
	if (mask == nt->throttled)
		return;
	nt->throttled = mask;
	if (mask) {
		nt->throttled_at = jiffies;
		if (nt->nmi)
			disable_nmi_nosync(nt->irq);
		else
			disable_irq_nosync(nt->irq);
	} else if (nt->nmi) {
		enable_nmi(nt->irq);
	} else {
		enable_irq(nt->irq);
	}
}

/* Take the receive interrupt again, whatever the port's own line says. */
static void nmi_tty_kick(struct nmi_tty *nt)
{
	int err;

	/* While the line is masked the pending state waits for the unmask. */
	err = irq_set_irqchip_state(nt->irq, IRQCHIP_STATE_PENDING, true);
	if (err)
		pr_warn_once("cannot re-trigger irq %d (%d): receive may stall\n",
			     nt->irq, err);
}

static void nmi_tty_drain(struct nmi_tty *nt)
{
	unsigned int head, tail;
	unsigned long flags;
	bool open, pending, accepted = false;
	int dropped, overflowed, key;

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
		if (done) {
			accepted = true;
		} else if (nt->stalled) {
			atomic_add(len, &nt->dropped);
			done = len;
		}
		tail += done;
		if (done < len)
			break;
	}
	/* Hand the slots back only after reading them. */
	smp_store_release(&nt->tail, tail);
	if (open)
		tty_flip_buffer_push(&nt->port);

	/*
	 * Backpressure while the reader is slow; drop mode once it has made
	 * no progress for NMI_TTY_THROTTLE_MS, until the tty accepts data
	 * again.  A slow reader that keeps reading is never dropped from.
	 */
	pending = tail != head;
	if (accepted) {
		nt->throttled_at = jiffies;
		if (!nt->throttled)
			nt->stalled = false;
	}
	if (!pending) {
		nmi_tty_mask_rx(nt, false);
	} else if (!nt->throttled && !nt->stalled) {
		nmi_tty_mask_rx(nt, true);
	} else if (nt->throttled &&
		   time_after(jiffies, nt->throttled_at +
			      msecs_to_jiffies(NMI_TTY_THROTTLE_MS))) {
		nt->stalled = true;
		nmi_tty_mask_rx(nt, false);
	}
	spin_unlock_irqrestore(&nt->rx_lock, flags);

	if (pending)
		schedule_delayed_work(&nt->retry_work,
				      msecs_to_jiffies(NMI_TTY_RETRY_MS));
	dropped = atomic_xchg(&nt->dropped, 0);
	if (dropped)
		pr_warn_ratelimited("dropped %d received bytes: reader stalled\n",
				    dropped);
	overflowed = atomic_xchg(&nt->overflowed, 0);
	if (overflowed)
		pr_warn_ratelimited("dropped %d received bytes: receive ring overflowed\n",
				    overflowed);
	key = atomic_xchg(&nt->sysrq_key, 0);
	if (key)
		handle_sysrq(key);
	if (atomic_xchg(&nt->kick, 0))
		nmi_tty_kick(nt);
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

static void nmi_tty_console_write(struct console *co, const char *s,
				  unsigned int count)
{
	unsigned int i;

	/*
	 * kdb prints to its own port, which is ours: do not print twice.  Not
	 * in_dbg_master(): with pseudo-NMI, irqs_disabled() reads PMR and is
	 * false in the NMI that entered the debugger.
	 */
	if (atomic_read(&kgdb_active) == raw_smp_processor_id())
		return;
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

static struct console nmi_tty_console = {
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

/* ---- attach to kgdboc's port ------------------------------------------ */

static int nmi_tty_request_irq(struct nmi_tty *nt)
{
	int err;

	/*
	 * Backpressure needs disable_nmi_nosync() to mask the line at once: a
	 * lazy disable waits for the flow handler to mask it, and the NMI flow
	 * handler never does, so the NMI would keep coming into a full ring.
	 */
	irq_set_status_flags(nt->irq, IRQ_DISABLE_UNLAZY);
	err = request_nmi(nt->irq, nmi_tty_interrupt,
			  IRQF_PERCPU | IRQF_NO_AUTOEN, "ttyNMI", nt);
	if (!err) {
		nt->nmi = true;
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
	else
		irq_clear_status_flags(nt->irq, IRQ_DISABLE_UNLAZY);
	return err;
}

/**
 * nmi_tty_attach - serve ttyNMI0 over the port kgdboc polls
 * @driver: the tty driver of kgdboc's port
 * @line: the port's line
 *
 * Called by kgdboc once it owns the port.  ttyNMI takes the port only when
 * console=ttyNMI0 selects it; the port must then not be opened as its own
 * tty (ttyAMA0, ttyS0...): its interrupt is ours.
 *
 * Return: 0, also when ttyNMI stays out of the way (not selected, or the
 * port lacks poll_get_irq): then kgdboc works as without ttyNMI.
 */
int nmi_tty_attach(struct tty_driver *driver, int line)
{
	struct nmi_tty *nt = &nmi_tty;
	struct device *dev;
	int err;

	if (nmi_tty_attached)
		return -EBUSY;
	if (!driver->ops->poll_get_irq || !driver->ops->poll_put_raw_char) {
		pr_info("%s%d lacks poll_get_irq/poll_put_raw_char: not attached\n",
			driver->name, line);
		return 0;
	}
	nt->irq = driver->ops->poll_get_irq(driver, line);
	if (nt->irq <= 0) {
		pr_info("%s%d has no interrupt: not attached\n", driver->name,
			line);
		return 0;
	}
	nt->poll_driver = driver;
	nt->poll_line = line;
	nt->knock_len = strnlen(knock, NMI_TTY_KNOCK_MAX);
	rx_budget = max(rx_budget, 1U);	/* 0 would re-trigger for ever */
	nt->head = 0;
	nt->tail = 0;
	nt->knock_seen = 0;
	nt->break_ns = 0;
	nt->throttled = false;
	nt->stalled = false;
	atomic_set(&nt->dropped, 0);
	atomic_set(&nt->overflowed, 0);
	atomic_set(&nt->sysrq_key, 0);
	atomic_set(&nt->kick, 0);
	spin_lock_init(&nt->rx_lock);
	raw_spin_lock_init(&nt->tx_lock);
	init_irq_work(&nt->rx_work, nmi_tty_rx_work);
	INIT_DELAYED_WORK(&nt->retry_work, nmi_tty_retry_work);

	/* Registered only if console= selects it; output works already. */
	register_console(&nmi_tty_console);
	if (!console_is_registered(&nmi_tty_console))
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
	err = nmi_tty_request_irq(nt);
	if (err)
		goto err_device;

	nmi_tty_attached = true;
	return 0;

err_device:
	tty_unregister_device(nmi_tty_driver, 0);
err_register:
	tty_unregister_driver(nmi_tty_driver);
err_driver:
	tty_driver_kref_put(nmi_tty_driver);
	nmi_tty_driver = NULL;
err_port:
	tty_port_destroy(&nt->port);
	unregister_console(&nmi_tty_console);
	pr_err("cannot attach to %s%d: %d\n", driver->name, line, err);
	return err;
}

/**
 * nmi_tty_debugger_exit - the kernel debugger stops polling the port
 *
 * Called by kgdboc as the debugger resumes the kernel, with every other CPU
 * still stopped: only NMI-safe work here.  Bytes that came in while the
 * debugger polled may sit in the port with its receive interrupt cleared.
 */
void nmi_tty_debugger_exit(void)
{
	if (!nmi_tty_attached)
		return;
	atomic_set(&nmi_tty.kick, 1);
	irq_work_queue(&nmi_tty.rx_work);
}

/**
 * nmi_tty_detach - stop serving ttyNMI0, before kgdboc lets its port go
 *
 * Return: 0, or -EBUSY while ttyNMI0 is open.
 */
int nmi_tty_detach(void)
{
	struct nmi_tty *nt = &nmi_tty;

	if (!nmi_tty_attached)
		return 0;
	if (tty_port_users(&nt->port))
		return -EBUSY;

	unregister_console(&nmi_tty_console);
	if (nt->nmi) {
		disable_nmi_nosync(nt->irq);
		free_nmi(nt->irq, nt);
	} else {
		free_irq(nt->irq, nt);
	}
	irq_clear_status_flags(nt->irq, IRQ_DISABLE_UNLAZY);
	irq_work_sync(&nt->rx_work);
	cancel_delayed_work_sync(&nt->retry_work);
	tty_unregister_device(nmi_tty_driver, 0);
	tty_unregister_driver(nmi_tty_driver);
	tty_driver_kref_put(nmi_tty_driver);
	nmi_tty_driver = NULL;
	tty_port_destroy(&nt->port);
	nmi_tty_attached = false;
	return 0;
}
