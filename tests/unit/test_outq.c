// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Output queues on a socketpair whose reader reads nothing (a client
 * that stopped reading): what the socket takes goes out at once, the rest
 * waits up to OUTQ_BOUND and drains in order once read, and one byte
 * beyond the bound loses the client instead of waiting for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "outq.h"
#include "rows.h"

static int sv[2];

static int setup(void **state)
{
	int small = 4096;

	(void)state;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Fill the socket, then the queue to its bound, with bytes 0, 1, 2, ... */
static size_t fill(struct outq *q)
{
	static uint8_t chunk[4096];
	size_t sent = 0;

	while (q->len + sizeof(chunk) <= OUTQ_BOUND) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)(sent + i);
		assert_int_equal(outq_put(q, chunk, sizeof(chunk)), 0);
		sent += sizeof(chunk);
	}
	return sent;
}

static void test_queues_up_to_the_bound_then_drains_in_order(void **state)
{
	struct outq q;
	uint8_t buf[65536];
	size_t sent, got = 0;
	ssize_t n;

	(void)state;
	outq_init(&q, sv[0]);
	sent = fill(&q);
	assert_true(outq_queued(&q) > OUTQ_BOUND - 4096);
	assert_int_equal(q.lost, 0);
	while (got < sent) {
		n = read(sv[1], buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN) {
			assert_true(outq_queued(&q) > 0);
			outq_flush(&q);
			continue;
		}
		assert_true(n > 0);
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(buf[i], (uint8_t)(got + (size_t)i));
		got += (size_t)n;
	}
	assert_int_equal(outq_queued(&q), 0);
	outq_free(&q);
}

static void test_beyond_the_bound_the_client_is_lost(void **state)
{
	struct outq q;

	(void)state;
	outq_init(&q, sv[0]);
	fill(&q);
	while (q.len + 16 <= OUTQ_BOUND)
		assert_int_equal(outq_put(&q, "0123456789abcdef", 16), 0);
	assert_int_equal(outq_put(&q, "0123456789abcdef", 16), -1);
	assert_int_equal(q.lost, ENOBUFS);
	assert_string_equal(outq_why(&q), "it does not read");
	assert_int_equal(outq_queued(&q), 0);	/* nothing more goes out */
	assert_int_equal(outq_put(&q, "y", 1), -1);
	outq_free(&q);
}

static void test_a_peer_that_hung_up_is_lost(void **state)
{
	struct outq q;

	(void)state;
	outq_init(&q, sv[0]);
	close(sv[1]);
	sv[1] = open("/dev/null", O_RDONLY);	/* for teardown */
	assert_int_equal(outq_put(&q, "x", 1), -1);
	assert_int_equal(q.lost, EPIPE);
	outq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queues_up_to_the_bound_then_drains_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_beyond_the_bound_the_client_is_lost,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_peer_that_hung_up_is_lost,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("outq", tests, NULL, NULL);
}
