// SPDX-License-Identifier: GPL-2.0-or-later
/* test_flow.c - Flow table: allocation, hash lookup, removal, timers, full
 *		 table behaviour
 */

#include <netinet/in.h>

#include "passt.h"
#include "flow.h"
#include "log.h"
#include "unit.h"

static struct ctx c;

/**
 * make_flow() - Allocate a ping flow with a tap side derived from @n
 * @n:		Number making addresses and ports unique
 * @now:	Current time
 *
 * Return: the flow, hashed on its initiating side, or NULL if full
 */
static union flow *make_flow(unsigned int n, const struct timespec *now)
{
	union flow *flow = flow_alloc(now);
	struct flowside *s;

	if (!flow)
		return NULL;
	flow->f.type = FLOW_PING4;
	flow->f.proto = IPPROTO_ICMP;
	flow->f.pif[INISIDE] = PIF_TAP;
	flow->f.pif[TGTSIDE] = PIF_HOST;
	s = &flow->f.side[INISIDE];
	inany_from_v4(&s->eaddr, (struct in_addr){ htonl(0xc6336401) });
	inany_from_v4(&s->oaddr, (struct in_addr){ htonl(0xcb007100 + n % 251) });
	s->eport = s->oport = n & 0xffff;
	flow->ping.sock = -1;
	flow_hash_insert(flow, INISIDE);
	return flow;
}

/**
 * find_flow() - Look up the flow make_flow(@n) built
 * @n:		Number the flow was made with
 *
 * Return: the flow, or NULL
 */
static union flow *find_flow(unsigned int n)
{
	union inany_addr ea, oa;

	inany_from_v4(&ea, (struct in_addr){ htonl(0xc6336401) });
	inany_from_v4(&oa, (struct in_addr){ htonl(0xcb007100 + n % 251) });
	return flow_lookup(PIF_TAP, IPPROTO_ICMP, &ea, &oa, n & 0xffff,
			   n & 0xffff, NULL);
}

static void test_insert_lookup_remove(void)
{
	struct timespec now = { 1000, 0 };
	union flow *f[1000];
	unsigned int i, found = 0;

	flow_init();
	for (i = 0; i < 1000; i++)
		f[i] = make_flow(i, &now);
	CHECK_EQ(flow_count(), 1000);

	for (i = 0; i < 1000; i++)
		found += find_flow(i) == f[i];
	CHECK_EQ(found, 1000);
	CHECK(!find_flow(5000));

	/* Remove every other one: the rest must still be found */
	for (i = 0; i < 1000; i += 2) {
		flow_hash_remove(f[i], INISIDE);
		flow_free(f[i]);
	}
	CHECK_EQ(flow_count(), 500);
	found = 0;
	for (i = 0; i < 1000; i++)
		found += (i % 2) ? find_flow(i) == f[i] : !find_flow(i);
	CHECK_EQ(found, 1000);
}

static void test_full_table(void)
{
	struct timespec now = { 1000, 0 };
	unsigned int i, made = 0, found = 0;
	union flow *f;

	flow_init();
	for (i = 0; i < FLOW_MAX; i++)
		made += !!make_flow(i, &now);
	CHECK_EQ(made, FLOW_MAX);
	CHECK(!flow_alloc(&now));	/* refused, no crash */
	CHECK(!flow_alloc(&now));

	for (i = 0; i < FLOW_MAX; i += 97)
		found += !!find_flow(i);
	CHECK_EQ(found, DIV_ROUND_UP(FLOW_MAX, 97));

	/* Free one: exactly one more can be made */
	f = find_flow(7);
	flow_hash_remove(f, INISIDE);
	flow_free(f);
	CHECK(!!flow_alloc(&now));
	CHECK(!flow_alloc(&now));
}

static void test_timers(void)
{
	struct timespec now = { 100, 0 };
	union flow *a, *b, *d;

	flow_init();
	a = make_flow(1, &now);
	b = make_flow(2, &now);
	d = make_flow(3, &now);
	a->ping.last = b->ping.last = d->ping.last = now.tv_sec;

	/* Echo flows expire ICMP_ECHO_TIMEOUT (60 s) after their last use */
	flow_timer_set(a, flow_now_ms(&now) + 60000);
	flow_timer_set(b, flow_now_ms(&now) + 60000);
	flow_timer_set(d, flow_now_ms(&now) + 20000);
	flow_timer_cancel(d);

	now.tv_sec = 130;
	b->ping.last = 130;		/* b used again at 130 s */
	flow_timer_handler(&c, &now);
	CHECK_EQ(flow_count(), 3);

	now.tv_sec = 161;
	flow_timer_handler(&c, &now);
	CHECK(!find_flow(1));		/* a expired */
	CHECK(find_flow(2) == b);	/* b re-armed for 190 s */
	CHECK(find_flow(3) == d);	/* d's timer was cancelled */
	CHECK_EQ(flow_count(), 2);

	now.tv_sec = 191;
	flow_timer_handler(&c, &now);
	CHECK(!find_flow(2));
	CHECK_EQ(flow_count(), 1);

	/* Far deadlines (beyond the wheel's horizon) still fire on time */
	a = make_flow(4, &now);
	a->ping.last = now.tv_sec;
	flow_timer_set(a, flow_now_ms(&now) + 60000);
	for (now.tv_sec = 192; now.tv_sec < 251; now.tv_sec++)
		flow_timer_handler(&c, &now);
	CHECK(find_flow(4) == a);
	now.tv_sec = 252;
	flow_timer_handler(&c, &now);
	CHECK(!find_flow(4));
}

int main(void)
{
	log_init("test_flow", true, LOG_ERR, false);
	c.epollfd = -1;
	test_insert_lookup_remove();
	test_full_table();
	test_timers();
	return unit_done("test_flow");
}
