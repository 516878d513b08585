/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * GDB remote serial protocol codec: framing ($payload#xx), checksum,
 * '}' escapes, run-length decoding, acks.  Pure: bytes in, events out.
 */
#ifndef NMIDBG_RSP_H
#define NMIDBG_RSP_H

#include <stddef.h>
#include <stdint.h>

#define RSP_MAX_PAYLOAD	16384

enum rsp_event {
	RSP_NONE,	/* byte consumed, nothing complete */
	RSP_PACKET,	/* a packet with a good checksum: rsp_payload() */
	RSP_BAD,	/* a packet with a bad checksum or an overflow */
	RSP_ACK,	/* '+' outside a packet */
	RSP_NACK,	/* '-' outside a packet */
	RSP_INTERRUPT,	/* 0x03 outside a packet */
	RSP_OTHER,	/* any other byte outside a packet */
};

struct rsp_decoder {
	int state;
	uint8_t sum;		/* running checksum of the raw payload */
	uint8_t wire_sum;	/* checksum digits received */
	int ndigits;
	int escaped;
	int run_pending;	/* '*' seen: the next byte is a count */
	int overflow;
	size_t len;
	uint8_t buf[RSP_MAX_PAYLOAD];
};

void rsp_decoder_init(struct rsp_decoder *d);
/* Feed one byte; returns what, if anything, it completed. */
enum rsp_event rsp_decoder_byte(struct rsp_decoder *d, uint8_t b);
/* Whether the decoder is inside a packet ($ seen, # and checksum not yet). */
int rsp_decoder_busy(const struct rsp_decoder *d);
static inline const uint8_t *rsp_payload(const struct rsp_decoder *d)
{
	return d->buf;
}
static inline size_t rsp_payload_len(const struct rsp_decoder *d)
{
	return d->len;
}

/*
 * The packet that makes kgdb leave the gdb stub for kdb.  ttyNMI's default
 * knock is these same bytes (kdb.h), so one knock works whether the
 * kernel runs or kgdb holds it.
 */
#define RSP_KGDB_TO_KDB	"$3#33"

uint8_t rsp_checksum(const uint8_t *buf, size_t len);
/*
 * Frame a payload: $, payload with '#', '$', '}', '*' escaped, #xx.
 * Returns the framed length, or 0 if it does not fit in cap.
 */
size_t rsp_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);
/*
 * kgdb's thread id from its reply to qC ("QC" and hex digits, maybe
 * negative for a CPU's idle task): copied into id.  -1 if not a qC reply.
 */
int rsp_parse_qc(const uint8_t *payload, size_t len, char *id, size_t cap);
/*
 * kgdb answers '?' with a bare "Sxx": gdb then takes the registers of the
 * CPU that entered the debugger for whichever thread it lists first.  Give
 * the reply the thread qC named: "Txxthread:ID;".  Returns the new length
 * in out, or 0 when the payload is not a bare S reply (keep it as it is).
 */
size_t rsp_fix_stop_reply(const uint8_t *payload, size_t len, const char *id,
			  uint8_t *out, size_t cap);
/*
 * What a stub's qSupported reply offers ("PacketSize=7fe;binary-upload+",
 * ';'-separated, unknown features ignored).  An empty reply (kgdb before
 * the series' qSupported patch, or with kgdb.qsupported=0) offers
 * nothing: packet_size 0, binary_upload 0.
 */
struct rsp_features {
	size_t packet_size;	/* most payload bytes a packet may carry; 0: not said */
	int binary_upload;	/* 'x' reads memory in binary */
};
/* Returns -1 (f zeroed) if PacketSize is not a hex number of 16 or more. */
int rsp_parse_supported(const uint8_t *payload, size_t len, struct rsp_features *f);
/*
 * The data of an 'x' reply: 'b' and the bytes (the decoder has undone the
 * escapes) into out.  Returns the byte count, or -1 if the reply is not
 * 'b' data (an "Exx" error) or holds more than cap bytes.
 */
long rsp_binary_decode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);
/* Hex helpers for the memory-read reply. Return -1 on a bad digit. */
int rsp_hex_value(uint8_t c);
long rsp_hex_decode(const uint8_t *hex, size_t len, uint8_t *out, size_t cap);

#endif
