/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Telnet codec (RFC 854) with the RFC 2217 COM-PORT-OPTION bits nmidbg
 * needs.  Pure: bytes in, events out, no I/O.  Used for QEMU's telnet-mode
 * socket chardev (BREAK is IAC BRK) and for ser2net's rfc2217 accepter
 * (BREAK is SET-CONTROL BREAK-ON/BREAK-OFF).
 */
#ifndef NMIDBG_TELNET_H
#define NMIDBG_TELNET_H

#include <stddef.h>
#include <stdint.h>

#define TELNET_IAC	255
#define TELNET_DONT	254
#define TELNET_DO	253
#define TELNET_WONT	252
#define TELNET_WILL	251
#define TELNET_SB	250
#define TELNET_BRK	243
#define TELNET_SE	240

#define TELNET_OPT_BINARY	0
#define TELNET_OPT_ECHO		1
#define TELNET_OPT_SGA		3
#define TELNET_OPT_COMPORT	44	/* RFC 2217 */

/* RFC 2217 client-to-server commands; the server answers with +100. */
#define RFC2217_SET_BAUDRATE	1
#define RFC2217_SET_CONTROL	5
#define RFC2217_BREAK_ON	5
#define RFC2217_BREAK_OFF	6

/*
 * Longer subnegotiations are cut off: the peer never ended it, so what
 * follows is data again (passed on, not swallowed for good).  What it held
 * comes out as data too, in the call that cuts it off: one call can give
 * up to this many data bytes more than it was fed; summed over calls,
 * never more than fed.  telnet_read_room() sizes reads for that.
 */
#define TELNET_SB_MAX	64

enum telnet_event_type {
	TELNET_EV_DATA,		/* data, len bytes */
	TELNET_EV_BREAK,	/* IAC BRK */
	TELNET_EV_WILL,		/* option negotiation: option */
	TELNET_EV_WONT,
	TELNET_EV_DO,
	TELNET_EV_DONT,
	TELNET_EV_SB,		/* subnegotiation: option, data, len */
	TELNET_EV_DESYNC,	/* a malformed subnegotiation was dropped or cut
				 * off: data is a short reason (for the debug log) */
};

struct telnet_event {
	enum telnet_event_type type;
	uint8_t option;
	const uint8_t *data;
	size_t len;
};

typedef void (*telnet_cb)(void *ctx, const struct telnet_event *ev);

struct telnet {
	int state;
	uint8_t option;
	uint8_t sb[TELNET_SB_MAX];
	size_t sb_len;
};

void telnet_init(struct telnet *t);
/* Decode len bytes; cb gets data runs and commands, in order. */
void telnet_feed(struct telnet *t, const uint8_t *buf, size_t len,
		 telnet_cb cb, void *ctx);
/*
 * How many raw bytes a read into a buffer of cap bytes may take: cap less
 * the bytes an unfinished subnegotiation holds (at most TELNET_SB_MAX),
 * which a cut-off gives back as data.  0 when cap is no larger than that.
 */
size_t telnet_read_room(const struct telnet *t, size_t cap);
/*
 * One read's decoding: len raw bytes in, the data to out (cap bytes at
 * most), every other event to cb (which never sees TELNET_EV_DATA).  With
 * len <= telnet_read_room(t, cap) all the data fits.  Data that does not
 * (a caller that took more) is dropped, never written past cap, and cb
 * gets a TELNET_EV_DESYNC saying so.  Returns the data length in out,
 * never more than cap.
 */
size_t telnet_decode(struct telnet *t, const uint8_t *in, size_t len,
		     uint8_t *out, size_t cap, telnet_cb cb, void *ctx);
/*
 * A telnet client's Enter is CR LF or CR NUL (NVT, RFC 854); a serial
 * console's is one CR, and kdb runs its last command again on an empty
 * line.  Copies in to out (len bytes at most) with the LF or NUL after a
 * CR dropped; *after_cr carries a CR at the end of one call to the next.
 * Returns the length out.
 */
size_t telnet_nvt_enter(int *after_cr, const uint8_t *in, size_t len,
			uint8_t *out);
/* Escape data for the wire (IAC doubled); out holds 2 * len.  Returns the length. */
size_t telnet_escape(const uint8_t *in, size_t len, uint8_t *out);
/* IAC cmd option, into out[3]. */
size_t telnet_cmd(uint8_t cmd, uint8_t option, uint8_t *out);
/* IAC SB option data IAC SE with data escaped, into out (2 * len + 5). */
size_t telnet_subneg(uint8_t option, const uint8_t *data, size_t len,
		     uint8_t *out);

#endif
