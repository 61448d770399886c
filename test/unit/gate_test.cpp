/*
 * gate_test.cpp — the gate (core/gate.hpp): the policy as pure functions
 * (fair order, stale places, rate spacing, the shared breaker's one trial),
 * GateKey, and HttpClients sharing a LocalGate across threads against the
 * in-process TestHttpServer: one limit for all, a waiting lookup first, scans
 * taking turns, a client that is not driven not holding slots, statistics.
 */
#include "core/gate.hpp"
#include "core/http.hpp"

#include "test_http_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace orca_fdw::core {
namespace {

using test::TestClock;
using test::TestHttpServer;
using test::TestRequest;
using test::TestResponse;

constexpr int64_t kMs = 1000000;

GateState Fresh()
{
	GateState s{};
	s.magic = kGateStateMagic;
	return s;
}

GateLimits Limits(int slots, double rps = 0)
{
	GateLimits l;
	l.max_concurrent = slots;
	l.max_requests_per_second = rps;
	l.breaker_failures = 2;
	l.breaker_cooldown_ms = 1000;
	return l;
}

/* ---- the policy ---------------------------------------------------------------- */

TEST(GatePolicy, WaitingLookupGetsTheNextSlotBeforeAnyBatch)
{
	GateState s = Fresh();
	GateLimits l = Limits(1);
	int64_t t = 1000 * kMs, retry = 0;
	GateWho scan1{101, 1}, scan2{102, 1}, lookup{103, 1};
	/* no free slot: both scans and then a lookup join the line */
	EXPECT_FALSE(GateMayStart(s, scan1, false, t, l, 0, &retry));
	EXPECT_FALSE(GateMayStart(s, scan2, false, t + 1, l, 0, &retry));
	EXPECT_FALSE(GateMayStart(s, lookup, true, t + 2, l, 0, &retry));
	EXPECT_EQ(retry, kGatePollMs * kMs);
	/* a slot frees: the scans, though waiting longer, must let the lookup go */
	EXPECT_FALSE(GateMayStart(s, scan1, false, t + 3, l, 1, &retry));
	EXPECT_FALSE(GateMayStart(s, scan2, false, t + 3, l, 1, &retry));
	EXPECT_TRUE(GateMayStart(s, lookup, true, t + 3, l, 1, &retry));
	GateCommitStart(s, lookup, t + 3, l);
	/* then the longest-waiting scan */
	EXPECT_FALSE(GateMayStart(s, scan2, false, t + 4, l, 1, &retry));
	EXPECT_TRUE(GateMayStart(s, scan1, false, t + 4, l, 1, &retry));
	GateCommitStart(s, scan1, t + 4, l);
	/* scan1 wants more: it joins at the end, behind scan2 */
	EXPECT_FALSE(GateMayStart(s, scan1, false, t + 5, l, 1, &retry));
	EXPECT_TRUE(GateMayStart(s, scan2, false, t + 5, l, 1, &retry));
	/* with two free slots both the first two in line may go */
	EXPECT_TRUE(GateMayStart(s, scan1, false, t + 6, l, 2, &retry));
	GateSnapshot snap = GateSnap(s, t + 6);
	EXPECT_EQ(snap.waiting, 2);
	EXPECT_EQ(snap.backends_waiting, 2);
	EXPECT_EQ(snap.lookups_waiting, 0);
}

TEST(GatePolicy, StalePlacesAndLeavingDoNotHoldOthersBack)
{
	GateState s = Fresh();
	GateLimits l = Limits(1);
	int64_t t = 1000 * kMs, retry = 0;
	GateWho gone{201, 1}, me{202, 1};
	EXPECT_FALSE(GateMayStart(s, gone, true, t, l, 0, &retry));
	EXPECT_FALSE(GateMayStart(s, me, false, t + kMs, l, 1, &retry)); /* the lookup is ahead */
	/* the lookup's backend stops trying (died, or stopped driving) */
	int64_t later = t + (kWaiterStaleMs + 1) * kMs;
	EXPECT_TRUE(GateMayStart(s, me, false, later, l, 1, &retry));
	EXPECT_EQ(GateSnap(s, later).waiting, 1); /* only me */
	GateCommitStart(s, me, later, l);
	EXPECT_EQ(GateSnap(s, later).waiting, 0);

	/* leaving the line (nothing queued any more) frees the place at once */
	GateWho a{203, 1}, b{204, 1};
	EXPECT_FALSE(GateMayStart(s, a, true, later, l, 0, &retry));
	EXPECT_FALSE(GateMayStart(s, b, false, later, l, 1, &retry));
	GateStopWaiting(s, a);
	EXPECT_TRUE(GateMayStart(s, b, false, later, l, 1, &retry));
	/* a process that exits leaves every place */
	EXPECT_EQ(GateSnap(s, later).waiting, 1);
	GateForgetProcess(s, b.pid);
	EXPECT_EQ(GateSnap(s, later).waiting, 0);
}

TEST(GatePolicy, FullLineQueuesBehindEveryone)
{
	GateState s = Fresh();
	GateLimits l = Limits(100);
	int64_t t = 1000 * kMs, retry = 0;
	for (int i = 0; i < kGateMaxWaiters; i++)
		EXPECT_FALSE(GateMayStart(s, GateWho{1000 + i, 1}, false, t, l, 0, &retry));
	GateWho late{5000, 1};
	EXPECT_FALSE(GateMayStart(s, late, true, t, l, kGateMaxWaiters, &retry));
	EXPECT_TRUE(GateMayStart(s, late, true, t, l, kGateMaxWaiters + 1, &retry));
}

TEST(GatePolicy, RateLimiterSpacesStartsAndServesTheHeadOfTheLine)
{
	GateState s = Fresh();
	GateLimits l = Limits(10, 20); /* (1 s + guard) / 20 */
	int64_t interval = GateInterval(l);
	EXPECT_EQ(interval, (1000 + kRateGuardMs) * kMs / 20);
	int64_t t = 1000 * kMs, retry = 0;
	GateWho a{301, 1}, b{302, 1};
	EXPECT_TRUE(GateMayStart(s, a, false, t, l, 10, &retry));
	GateCommitStart(s, a, t, l);
	EXPECT_FALSE(GateMayStart(s, b, false, t + 1, l, 9, &retry));
	EXPECT_EQ(retry, interval - 1);
	/* a joins behind b: when the next start is due it is b's */
	EXPECT_FALSE(GateMayStart(s, a, false, t + 2, l, 9, &retry));
	EXPECT_FALSE(GateMayStart(s, a, false, t + interval, l, 9, &retry));
	EXPECT_TRUE(GateMayStart(s, b, false, t + interval, l, 9, &retry));
	GateCommitStart(s, b, t + interval, l);
	EXPECT_EQ(s.next_start_ns, t + 2 * interval);
	/* R + 1 starts span more than a second plus the guard: no second holds more than R */
	EXPECT_GT(20 * interval, 1000 * kMs + (kRateGuardMs - 1) * kMs);
	/* a state file from an earlier boot: times far ahead are not waited for */
	s.next_start_ns = t + 3600 * 1000 * kMs;
	EXPECT_TRUE(GateMayStart(s, a, false, t + 3 * interval, l, 9, &retry));
}

TEST(GatePolicy, BreakerIsSharedWithOneTrialAtATime)
{
	GateState s = Fresh();
	GateLimits l = Limits(4);
	int64_t t = 1000 * kMs;
	GateWho a{401, 1}, b{402, 1}, c{403, 1};
	EXPECT_EQ(GateAdmit(s, a, t, l).verdict, BreakerVerdict::Closed);
	GateReport(s, a, t, l, Health::Failing, false);
	EXPECT_EQ(GateAdmit(s, b, t, l).verdict, BreakerVerdict::Closed);
	GateReport(s, b, t, l, Health::Failing, false); /* 2 in a row, from two backends */
	BreakerState open = GateAdmit(s, c, t + 10 * kMs, l);
	EXPECT_EQ(open.verdict, BreakerVerdict::Open);
	EXPECT_EQ(open.failures, 2);
	EXPECT_EQ(open.open_ms_left, 990);
	EXPECT_TRUE(GateSnap(s, t + 10 * kMs).open);

	/* cool-down over: one trial for the whole cluster */
	int64_t after = t + 1001 * kMs;
	EXPECT_EQ(GateAdmit(s, c, after, l).verdict, BreakerVerdict::Trial);
	BreakerState other = GateAdmit(s, a, after, l);
	EXPECT_EQ(other.verdict, BreakerVerdict::Open);
	EXPECT_TRUE(other.trial_in_progress);
	EXPECT_EQ(GateAdmit(s, c, after, l).verdict, BreakerVerdict::Open); /* also its own second call */
	/* the trial's holder keeps it while it drives it... */
	GateKeepTrial(s, c, after + (kTrialLeaseMs - 1) * kMs);
	EXPECT_EQ(GateAdmit(s, a, after + (kTrialLeaseMs + 10) * kMs, l).verdict, BreakerVerdict::Open);
	/* ...and loses it when it stops (its backend died) */
	int64_t lapsed = after + (2 * kTrialLeaseMs + 10) * kMs;
	EXPECT_EQ(GateAdmit(s, a, lapsed, l).verdict, BreakerVerdict::Trial);
	/* a failing trial opens it again */
	GateReport(s, a, lapsed, l, Health::Failing, true);
	EXPECT_EQ(GateAdmit(s, b, lapsed + kMs, l).verdict, BreakerVerdict::Open);
	/* a neutral outcome (cancelled) gives the trial back, still half-open */
	int64_t later = lapsed + 1001 * kMs;
	EXPECT_EQ(GateAdmit(s, b, later, l).verdict, BreakerVerdict::Trial);
	GateReport(s, b, later, l, Health::Neutral, true);
	EXPECT_EQ(GateAdmit(s, c, later, l).verdict, BreakerVerdict::Trial);
	/* a process that exits gives its trial back */
	GateForgetProcess(s, c.pid);
	EXPECT_EQ(GateAdmit(s, a, later, l).verdict, BreakerVerdict::Trial);
	/* the server answered: closed for everyone */
	GateReport(s, a, later, l, Health::Alive, true);
	EXPECT_EQ(GateAdmit(s, b, later, l).verdict, BreakerVerdict::Closed);
	EXPECT_EQ(GateSnap(s, later).failures, 0);
}

TEST(GateKey, NormalisesTheServerUrl)
{
	EXPECT_EQ(GateKey("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
	EXPECT_EQ(GateKey("http://Orca.Example"), "http://orca.example:80");
	EXPECT_EQ(GateKey("HTTP://orca.example:80/"), "http://orca.example:80");
	EXPECT_EQ(GateKey("https://orca.example"), "https://orca.example:443");
	EXPECT_EQ(GateKey("https://orca.example:0443/clinic-a//"), "https://orca.example:443/clinic-a");
	EXPECT_NE(GateKey("https://orca.example/clinic-a"), GateKey("https://orca.example/clinic-b"));
	EXPECT_EQ(GateKey("http://[::1]:8000"), "http://[::1]:8000");
	EXPECT_EQ(GateKey("http://[::1]"), "http://[::1]:80");
}

/* ---- clients sharing a gate ---------------------------------------------------------- */

class NeverCancel : public CancelToken {
public:
	bool Cancelled() const noexcept override { return false; }
};

class AfterMs : public CancelToken {
public:
	explicit AfterMs(long ms) : end_(TestClock::now() + std::chrono::milliseconds(ms)) {}
	bool Cancelled() const noexcept override { return TestClock::now() >= end_; }

private:
	TestClock::time_point end_;
};

class Sink : public Exchange {
public:
	std::string body;
	uint64_t rows = 0;
	void Begin() override { body.clear(); }
	void OnBody(const char *data, size_t len) override { body.append(data, len); }
	void Finish() override {}
	uint64_t RowCount() const noexcept override { return rows; }
};

ServerConfig ConfigFor(const TestHttpServer &server, int slots)
{
	ServerConfig cfg;
	cfg.base_url = server.Url();
	cfg.connect_timeout_ms = 2000;
	cfg.request_timeout_ms = 5000;
	cfg.max_concurrent = slots;
	cfg.retries = 2;
	cfg.breaker_failures = 0;
	return cfg;
}

HttpRequest Get(const std::string &path, bool bulk)
{
	HttpRequest r;
	r.method = "GET";
	r.path = path;
	r.label = "GET " + path;
	r.bulk = bulk;
	return r;
}

/* `n` calls of one client, all queued at once, waited for in order. */
void RunCalls(HttpClient &client, const std::string &prefix, int n, bool bulk)
{
	std::vector<Sink> outs(n);
	std::vector<Ticket> tickets;
	for (int i = 0; i < n; i++)
		tickets.push_back(client.Submit(Get(prefix + std::to_string(i), bulk), &outs[i]));
	for (Ticket t : tickets)
		client.Wait(t, NeverCancel());
}

TEST(GateClients, SharedLimitHolds)
{
	/* counted inside the handler, which holds the request for 30 ms: always
	 * within the time the client holds its slot (the server's own count ends
	 * only after the answer is sent, when the client may already be on) */
	std::atomic<int> in_flight{0}, max_in_flight{0};
	TestHttpServer server([&](const TestRequest &) {
		int now = ++in_flight;
		int seen = max_in_flight.load();
		while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(30));
		--in_flight;
		return TestResponse::Ok("ok");
	});
	auto shared = LocalGate::MakeShared();
	std::vector<std::thread> threads;
	for (int c = 0; c < 4; c++)
		threads.emplace_back([&, c] {
			HttpClient client(ConfigFor(server, 2), LocalGate::Join(shared));
			RunCalls(client, "/c" + std::to_string(c) + "/", 6, true);
		});
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(server.RequestCount(), 24);
	EXPECT_EQ(max_in_flight.load(), 2); /* 8 if every client had its own limit */
}

/* Waits (in a server thread) until `n` clients wait in the gate's line. */
void AwaitWaiting(const std::shared_ptr<LocalGate::Shared> &shared, int n)
{
	auto end = TestClock::now() + std::chrono::seconds(5);
	while (TestClock::now() < end) {
		{
			std::lock_guard<std::mutex> lock(shared->mutex);
			if (GateSnap(shared->state, GateNow()).waiting >= n)
				return;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}

TEST(GateClients, WaitingLookupGoesBeforeTheScansNextBatch)
{
	auto shared = LocalGate::MakeShared();
	TestHttpServer server([&](const TestRequest &r) {
		/* the first call ends only once the scan and then the lookup wait in line */
		if (r.path == "/first/0")
			AwaitWaiting(shared, 2);
		TestResponse resp = TestResponse::Ok("ok");
		resp.delay_ms = 20;
		return resp;
	});
	/* one slot for everyone; another client holds it for a while */
	std::thread first([&] {
		HttpClient client(ConfigFor(server, 1), LocalGate::Join(shared));
		RunCalls(client, "/first/", 1, true);
	});
	while (server.RequestCount() < 1)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	/* a scan queues its batches and waits in line first... */
	std::thread scan([&] {
		HttpClient client(ConfigFor(server, 1), LocalGate::Join(shared));
		RunCalls(client, "/scan/", 3, true);
	});
	AwaitWaiting(shared, 1);
	/* ...then a lookup arrives */
	std::thread lookup([&] {
		HttpClient client(ConfigFor(server, 1), LocalGate::Join(shared));
		RunCalls(client, "/lookup/", 1, false);
	});
	first.join();
	scan.join();
	lookup.join();
	auto reqs = server.Requests();
	ASSERT_EQ(reqs.size(), 5u);
	EXPECT_EQ(reqs[0].path, "/first/0");
	EXPECT_EQ(reqs[1].path, "/lookup/0"); /* the next free slot, before the scan that waited longer */
	EXPECT_EQ(reqs[2].path, "/scan/0");
}

TEST(GateClients, TwoScansTakeTurns)
{
	auto shared = LocalGate::MakeShared();
	TestHttpServer server([&](const TestRequest &r) {
		if (r.path == "/a/0")
			AwaitWaiting(shared, 1); /* b is in line */
		TestResponse resp = TestResponse::Ok("ok");
		resp.delay_ms = 10;
		return resp;
	});
	std::thread a([&] {
		HttpClient client(ConfigFor(server, 1), LocalGate::Join(shared));
		RunCalls(client, "/a/", 5, true);
	});
	while (server.RequestCount() < 1)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	std::thread b([&] {
		HttpClient client(ConfigFor(server, 1), LocalGate::Join(shared));
		RunCalls(client, "/b/", 5, true);
	});
	a.join();
	b.join();
	auto reqs = server.Requests();
	ASSERT_EQ(reqs.size(), 10u);
	std::string order;
	for (const auto &r : reqs)
		order += r.path[1];
	EXPECT_EQ(order, "ababababab"); /* first come, then in turns: a share each */
}

TEST(GateClients, RateIsSharedAcrossClients)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("ok"); });
	auto shared = LocalGate::MakeShared();
	GateLimits limits;
	limits.max_requests_per_second = 20;
	int64_t interval = GateInterval(limits);
	auto start = TestClock::now();
	std::vector<std::thread> threads;
	for (int c = 0; c < 2; c++)
		threads.emplace_back([&, c] {
			ServerConfig cfg = ConfigFor(server, 4);
			cfg.max_requests_per_second = 20;
			HttpClient client(cfg, LocalGate::Join(shared));
			RunCalls(client, "/r" + std::to_string(c) + "/", 4, true);
		});
	for (auto &t : threads)
		t.join();
	int64_t elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(TestClock::now() - start).count();
	EXPECT_EQ(server.RequestCount(), 8);
	/* 8 starts one interval apart, whichever client made them: at least 7
	 * intervals (each client on its own limiter would take 3) — a lower bound,
	 * which no load on the machine can break */
	EXPECT_GE(elapsed, 7 * interval);
	std::lock_guard<std::mutex> lock(shared->mutex);
	EXPECT_EQ(shared->state.starts, 8u);
}

/* Two clients of one backend share one Gate object (as two server objects
 * naming the same ORCA do): while one waits for a slot, the other's ended
 * transfers are taken in, so a client that is not being driven holds no
 * slot.  Here b may use one slot (its max_concurrent_requests), and a's
 * ended but unread transfer holds it. */
TEST(GateClients, WaitingClientReapsItsSiblingsEndedTransfers)
{
	TestHttpServer server([](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok("ok");
		resp.delay_ms = r.path == "/slow" ? 100 : 0;
		return resp;
	});
	auto gate = LocalGate::Join(LocalGate::MakeShared());
	HttpClient a(ConfigFor(server, 2), gate);
	HttpClient b(ConfigFor(server, 1), gate);
	Sink slow, fast, b1, b2;
	Ticket t_slow = a.Submit(Get("/slow", true), &slow);
	Ticket t_fast = a.Submit(Get("/fast", true), &fast);
	a.Wait(t_fast, NeverCancel());
	EXPECT_FALSE(a.Done(t_slow));
	/* the slow call ends at the server, but a is not driven now */
	std::this_thread::sleep_for(std::chrono::milliseconds(250));
	Ticket tb1 = b.Submit(Get("/b1", true), &b1);
	Ticket tb2 = b.Submit(Get("/b2", true), &b2);
	AfterMs deadline(3000);
	EXPECT_NO_THROW(b.Wait(tb1, deadline)); /* would wait for a forever */
	EXPECT_NO_THROW(b.Wait(tb2, deadline));
	EXPECT_TRUE(a.Done(t_slow));
	a.Wait(t_slow, NeverCancel());
	EXPECT_EQ(slow.body, "ok");
	EXPECT_EQ(server.RequestCount(), 4);
}

TEST(GateClients, BreakerIsSharedAndOneTrialGoesOut)
{
	std::atomic<bool> healthy{false};
	std::atomic<long> delay{0};
	TestHttpServer server([&](const TestRequest &) {
		TestResponse r = healthy ? TestResponse::Ok("ok") : TestResponse::Status(503);
		r.delay_ms = delay;
		return r;
	});
	auto shared = LocalGate::MakeShared();
	ServerConfig cfg = ConfigFor(server, 2);
	cfg.retries = 0;
	cfg.breaker_failures = 2;
	cfg.breaker_cooldown_ms = 300;
	HttpClient a(cfg, LocalGate::Join(shared));
	HttpClient b(cfg, LocalGate::Join(shared));
	Sink out;
	for (int i = 0; i < 2; i++) {
		Ticket t = a.Submit(Get("/x", false), &out);
		EXPECT_THROW(a.Wait(t, NeverCancel()), Error);
	}
	try {
		b.Submit(Get("/x", false), &out);
		ADD_FAILURE() << "b was let through an open breaker";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind, ErrorKind::CircuitOpen);
		EXPECT_NE(e.detail.find("2 consecutive"), std::string::npos) << e.detail;
	}
	EXPECT_EQ(server.RequestCount(), 2);

	std::this_thread::sleep_for(std::chrono::milliseconds(350));
	healthy = true;
	delay = 200;
	Sink trial_out;
	Ticket trial = b.Submit(Get("/x", false), &trial_out); /* b's call is the trial */
	try {
		a.Submit(Get("/x", false), &out);
		ADD_FAILURE() << "a second trial went out";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind, ErrorKind::CircuitOpen);
		EXPECT_NE(e.detail.find("trial call is in progress"), std::string::npos) << e.detail;
	}
	b.Wait(trial, NeverCancel());
	EXPECT_EQ(trial_out.body, "ok");
	delay = 0;
	Ticket t = a.Submit(Get("/x", false), &out); /* closed for a too */
	a.Wait(t, NeverCancel());
	EXPECT_EQ(server.RequestCount(), 4);
}

class Stats : public StatsSink {
public:
	std::map<std::string, ApiCallStats> by_api;
	void Add(const std::string &api, const ApiCallStats &d) noexcept override { by_api[api].Add(d); }
};

TEST(GateClients, StatisticsPerApi)
{
	std::atomic<int> n{0};
	TestHttpServer server([&](const TestRequest &r) {
		if (r.path == "/api01rv2/patientgetv2" && n++ == 0)
			return TestResponse::Status(503, "busy!"); /* 5 bytes, then retried */
		if (r.path == "/api01rv2/system01lstv2")
			return TestResponse::Status(404, "nope");
		TestResponse ok = TestResponse::Ok("0123456789");
		if (r.path == "/api01rv2/patientlst2v2")
			ok.delay_ms = 2000;
		return ok;
	});
	auto stats = std::make_shared<Stats>();
	HttpClient client(ConfigFor(server, 2), nullptr, stats);
	Sink a, b, c;
	a.rows = 7;
	Ticket t = client.Submit(Get("/api01rv2/patientgetv2", false), &a);
	client.Wait(t, NeverCancel());
	t = client.Submit(Get("/api01rv2/system01lstv2", false), &b);
	EXPECT_THROW(client.Wait(t, NeverCancel()), Error);
	const ApiCallStats &g = stats->by_api["patientgetv2"];
	EXPECT_EQ(g.calls, 1u);
	EXPECT_EQ(g.retries, 1u);
	EXPECT_EQ(g.errors, 0u);
	EXPECT_EQ(g.bytes, 15u);
	EXPECT_EQ(g.rows, 7u);
	EXPECT_GT(g.total_ms, 0.0);
	const ApiCallStats &s = stats->by_api["system01lstv2"];
	EXPECT_EQ(s.calls, 1u);
	EXPECT_EQ(s.errors, 1u);
	EXPECT_EQ(s.rows, 0u);
	/* a call cancelled before it ended still counts as made, not as an error */
	t = client.Submit(Get("/api01rv2/patientlst2v2", false), &c);
	AfterMs soon(100);
	EXPECT_THROW(client.Wait(t, soon), Error);
	EXPECT_EQ(stats->by_api["patientlst2v2"].calls, 1u);
	EXPECT_EQ(stats->by_api["patientlst2v2"].errors, 0u);
	EXPECT_GE(stats->by_api["patientlst2v2"].total_ms, 90.0);
}

} // namespace
} // namespace orca_fdw::core
