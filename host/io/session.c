// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The session: what the board said, through the mode tracker.  Everything
 * that reads the board goes through session_read(), from the one event
 * loop (loop.c), so the tracker sees every byte once.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "loop.h"
#include "session.h"

volatile sig_atomic_t session_interrupted;
volatile sig_atomic_t session_signal;
volatile sig_atomic_t session_sigints;

static void on_signal(int sig)
{
	if (!session_signal)
		session_signal = sig;
	if (sig == SIGINT)
		session_sigints++;
	session_interrupted = 1;
}

/*
 * SA_RESTART: a write to stdout that the signal lands in goes on (glibc
 * would drop the buffered chunk on EINTR: a JSON document cut short).
 * poll(), nanosleep() and the port's waits return EINTR regardless, which
 * is how every wait sees the flag.
 */
static void catch(int sig)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void session_catch_signals(void)
{
	catch(SIGINT);
	catch(SIGTERM);
	catch(SIGHUP);
	catch(SIGPIPE);
}

void session_deadline(int ms)
{
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 },
	};

	catch(SIGALRM);
	setitimer(ITIMER_REAL, &it, NULL);
}

int session_hold_signal(void)
{
	int held = session_interrupted;

	session_interrupted = 0;
	return held;
}

void session_release_signal(int held)
{
	if (held)
		session_interrupted = 1;
}

void session_catch_sigint(void)
{
	catch(SIGINT);
}

long session_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void session_init(struct session *s, struct port *port)
{
	memset(s, 0, sizeof(*s));
	s->port = port;
	mode_init(&s->mode);
}

void session_free(struct session *s)
{
	free(s->text);
	s->text = NULL;
}

void session_mark(struct session *s)
{
	s->text_len = 0;
	s->prompts = 0;
	s->stops = 0;
	s->packets = 0;
	s->reboots = 0;
	s->kdb_banners = 0;
}

static void add_text(struct session *s, const uint8_t *data, size_t len)
{
	if (s->text_len + len + 1 > s->text_cap) {
		size_t cap = (s->text_len + len + 1) * 2;
		char *t = realloc(s->text, cap);

		if (!t)
			return;	/* keep what we have; the board is not lost for it */
		s->text = t;
		s->text_cap = cap;
	}
	memcpy(s->text + s->text_len, data, len);
	s->text_len += len;
	s->text[s->text_len] = '\0';
}

static void on_event(void *ctx, const struct mode_event *ev)
{
	struct session *s = ctx;

	if (s->on_event)
		s->on_event(s->event_ctx, ev);
	switch (ev->type) {
	case MODE_EV_TEXT:
		s->at_more = 0;
		s->at_prompt = 0;
		add_text(s, ev->data, ev->len);
		if (s->on_text)
			s->on_text(s->text_ctx, ev->data, ev->len);
		break;
	case MODE_EV_KDB_PROMPT:
		s->kdb_banners = 0;
		s->go_sent = 0;
		s->at_prompt = 1;
		if (s->in_flight == SESSION_FLIGHT_ENTER || s->in_flight == SESSION_FLIGHT_TO_KDB)
			s->in_flight = SESSION_FLIGHT_NONE;
		s->prompts++;
		s->prompt_cpu = ev->cpu;
		break;
	case MODE_EV_MORE:
		/*
		 * The tracker saw kdb's pager prompt (a line that is just
		 * "more> "): drop it from the collected text here, where it is
		 * known to be the pager, never the same text inside a line.
		 */
		s->at_more = 1;
		if (s->quit_more) {
			/* Someone else's command: end it, kdb then prompts. */
			s->at_more = 0;
			session_send(s, "q");
		} else if (s->answer_more) {
			s->at_more = 0;
			if (s->text_len >= 6 &&
			    memcmp(s->text + s->text_len - 6, "more> ", 6) == 0)
				s->text[s->text_len -= 6] = '\0';
			session_send(s, " ");
		}
		break;
	case MODE_EV_PACKET:
		if (ev->len && (ev->data[0] == 'S' || ev->data[0] == 'T')) {
			s->stops++;
			if (s->in_flight == SESSION_FLIGHT_ENTER)
				s->in_flight = SESSION_FLIGHT_NONE;
		}
		if (s->in_flight == SESSION_FLIGHT_TO_KGDB)
			s->in_flight = SESSION_FLIGHT_NONE;
		s->packets++;
		s->packet_len = ev->len < sizeof(s->packet) ? ev->len : sizeof(s->packet);
		memcpy(s->packet, ev->data, s->packet_len);
		if (s->on_packet)
			s->on_packet(s->hook_ctx, ev->data, ev->len);
		break;
	case MODE_EV_ACK:
		if (s->on_ack)
			s->on_ack(s->hook_ctx, ev->len == 1);
		break;
	case MODE_EV_REBOOT:
		s->reboots++;
		break;
	case MODE_EV_BANNER:
		s->kdb_banners++;
		break;
	default:
		break;
	}
}

static void remember(struct session *s, const uint8_t *buf, size_t n)
{
	if (n >= sizeof(s->last)) {
		memcpy(s->last, buf + n - sizeof(s->last), sizeof(s->last));
		s->last_len = sizeof(s->last);
		return;
	}
	if (s->last_len + n > sizeof(s->last)) {
		size_t drop = s->last_len + n - sizeof(s->last);

		memmove(s->last, s->last + drop, s->last_len - drop);
		s->last_len -= drop;
	}
	memcpy(s->last + s->last_len, buf, n);
	s->last_len += n;
}

int session_send(struct session *s, const char *str)
{
	return port_write(s->port, str, strlen(str));
}

void session_text_to_file(void *ctx, const uint8_t *data, size_t len)
{
	fwrite(data, 1, len, ctx);
	fflush(ctx);
}

int session_read(struct session *s)
{
	uint8_t buf[4096];
	ssize_t n = port_read(s->port, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	remember(s, buf, (size_t)n);
	mode_feed(&s->mode, buf, (size_t)n, on_event, s);
	return 0;
}

void session_idle(struct session *s)
{
	mode_flush(&s->mode, on_event, s);
}

int session_wait(struct session *s, int timeout_ms, int (*done)(struct session *))
{
	struct loop l;

	loop_init(&l, s);
	return loop_run(&l, timeout_ms, done);
}

const char *session_last_seen(struct session *s, char *buf, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < s->last_len && j + 5 < len; i++) {
		unsigned char c = (unsigned char)s->last[i];

		if (c == '\n')
			j += (size_t)snprintf(buf + j, len - j, "\\n");
		else if (c == '\r')
			j += (size_t)snprintf(buf + j, len - j, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			j += (size_t)snprintf(buf + j, len - j, "\\x%02x", c);
		else
			buf[j++] = (char)c;
	}
	buf[j] = '\0';
	return j ? buf : "nothing";
}

const char *session_strerror(struct session *s, int rc)
{
	switch (rc) {
	case SESSION_TIMEOUT:
		return "timed out";
	case SESSION_INTR:
		return "interrupted";
	case SESSION_REBOOT:
		return "the board rebooted";
	default:
		return s->port->err[0] ? s->port->err : "port error";
	}
}
