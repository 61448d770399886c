/*
 * http_test.cpp — unit tests of core::HttpClient against the in-process
 * TestHttpServer (test_http_server.hpp) on 127.0.0.1.
 *
 * Covers: request shape (methods, bodies, headers, BASIC auth, WebORCA
 * prefix), keep-alive reuse, max_concurrent, the rate limiter (on the
 * server's observed start times), retries and the never-resend rule for
 * registrations, error mapping (401/404/5xx/timeouts/refused/TLS/too large/
 * truncated), cancel latency, streaming, the circuit breaker, Exchange
 * exceptions, AbortAll and teardown with transfers in flight.
 */
#include "core/http.hpp"

#include "test_http_server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace orca_fdw::core {
namespace {

using test::BlackholeListener;
using test::TestClock;
using test::TestHttpServer;
using test::TestRequest;
using test::TestResponse;

double MsBetween(TestClock::time_point a, TestClock::time_point b)
{
	return std::chrono::duration<double, std::milli>(b - a).count();
}

class NeverCancel : public CancelToken {
public:
	bool Cancelled() const noexcept override { return false; }
};

/* Fires at a fixed time; remembers when it was first observed firing. */
class DeadlineCancel : public CancelToken {
public:
	explicit DeadlineCancel(long after_ms) : deadline_(TestClock::now() + std::chrono::milliseconds(after_ms)) {}
	bool Cancelled() const noexcept override { return TestClock::now() >= deadline_; }
	TestClock::time_point Deadline() const { return deadline_; }

private:
	TestClock::time_point deadline_;
};

/* Collects the body; can be told to throw. */
class Collect : public Exchange {
public:
	std::string body;
	int begins = 0;
	int finishes = 0;
	size_t chunks = 0;
	bool got_bytes = false;
	TestClock::time_point first_bytes;
	std::function<void()> on_body_hook; /* may throw */
	std::function<void()> on_finish_hook;

	void Begin() override
	{
		begins++;
		body.clear();
	}
	void OnBody(const char *data, size_t len) override
	{
		if (!got_bytes) {
			got_bytes = true;
			first_bytes = TestClock::now();
		}
		chunks++;
		body.append(data, len);
		if (on_body_hook)
			on_body_hook();
	}
	void Finish() override
	{
		finishes++;
		if (on_finish_hook)
			on_finish_hook();
	}
};

/* Counts bytes without keeping them (huge bodies). */
class CountBytes : public Exchange {
public:
	size_t bytes = 0;
	void Begin() override { bytes = 0; }
	void OnBody(const char *, size_t len) override { bytes += len; }
	void Finish() override {}
};

ServerConfig ConfigFor(const std::string &url)
{
	ServerConfig cfg;
	cfg.base_url = url;
	cfg.connect_timeout_ms = 2000;
	cfg.request_timeout_ms = 5000;
	cfg.max_concurrent = 4;
	cfg.retries = 2;
	cfg.breaker_failures = 0;
	return cfg;
}

ServerConfig ConfigFor(const TestHttpServer &server)
{
	return ConfigFor(server.Url());
}

HttpRequest Get(const std::string &path, const std::string &query = "")
{
	HttpRequest r;
	r.method = "GET";
	r.path = path;
	r.query = query;
	r.label = "GET " + path;
	return r;
}

HttpRequest Post(const std::string &path, const std::string &body, bool retry_safe = true)
{
	HttpRequest r;
	r.method = "POST";
	r.path = path;
	r.body = body;
	r.content_type = "application/xml; charset=UTF-8";
	r.retry_safe = retry_safe;
	r.label = "POST " + path;
	return r;
}

/* Run one call to completion. */
void Call(HttpClient &client, HttpRequest request, Exchange &exchange, const CancelToken &cancel = NeverCancel())
{
	Ticket t = client.Submit(std::move(request), &exchange);
	client.Wait(t, cancel);
}

/* The Error thrown by `fn`, or a failure. */
Error ErrorOf(const std::function<void()> &fn)
{
	try {
		fn();
	} catch (const Error &e) {
		return e;
	}
	ADD_FAILURE() << "expected a core::Error";
	return Error(ErrorKind::Internal, "no error was thrown");
}

int UnusedPort()
{
	int fd = ::socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
	socklen_t len = sizeof addr;
	::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
	::close(fd); /* nobody listens there now: connect is refused */
	return ntohs(addr.sin_port);
}

/* ---- request shape -------------------------------------------------------- */

TEST(HttpClient, GetSendsPathQueryAndUserAgent)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("<xmlio2/>"); });
	HttpClient client(ConfigFor(server));
	Collect out;
	Call(client, Get("/api01rv2/patientlst1v2", "class=01"), out);

	EXPECT_EQ(out.body, "<xmlio2/>");
	EXPECT_EQ(out.begins, 1);
	EXPECT_EQ(out.finishes, 1);
	auto reqs = server.Requests();
	ASSERT_EQ(reqs.size(), 1u);
	EXPECT_EQ(reqs[0].method, "GET");
	EXPECT_EQ(reqs[0].path, "/api01rv2/patientlst1v2");
	EXPECT_EQ(reqs[0].query, "class=01");
	EXPECT_EQ(reqs[0].version, "HTTP/1.1");
	EXPECT_EQ(reqs[0].Header("user-agent"), "orca_fdw/" ORCA_FDW_VERSION); /* from orca_fdw.control */
	EXPECT_FALSE(reqs[0].HasHeader("authorization")); /* no user: no auth */
	EXPECT_FALSE(reqs[0].HasHeader("expect"));
	EXPECT_EQ(client.Counters().requests, 1u);
	EXPECT_EQ(client.Counters().bytes, 9u);
	EXPECT_TRUE(client.Done(1));
}

TEST(HttpClient, PostSendsBodyContentTypeAndBasicAuth)
{
	TestHttpServer server([](const TestRequest &r) { return TestResponse::Ok("echo:" + std::to_string(r.body.size())); });
	ServerConfig cfg = ConfigFor(server);
	cfg.user = "ormaster";
	cfg.password = "secret";
	HttpClient client(cfg);
	/* large enough that libcurl would add "Expect: 100-continue" by default */
	std::string body = "<data>" + std::string(200000, 'a') + "</data>";
	Collect out;
	Call(client, Post("/api21/medicalmodv2", body), out);

	EXPECT_EQ(out.body, "echo:" + std::to_string(body.size()));
	auto reqs = server.Requests();
	ASSERT_EQ(reqs.size(), 1u);
	EXPECT_EQ(reqs[0].method, "POST");
	EXPECT_EQ(reqs[0].body, body);
	EXPECT_EQ(reqs[0].Header("content-type"), "application/xml; charset=UTF-8");
	EXPECT_EQ(reqs[0].Header("authorization"), "Basic b3JtYXN0ZXI6c2VjcmV0"); /* ormaster:secret */
	EXPECT_FALSE(reqs[0].HasHeader("expect"));
}

TEST(HttpClient, WebOrcaPrefixAndBaseUrlPath)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("ok"); });
	ServerConfig cfg = ConfigFor(server.Url() + "/orca");
	cfg.weborca = true;
	HttpClient client(cfg);
	Collect out;
	Call(client, Get("/api01rv2/system01lstv2", "class=02"), out);
	auto reqs = server.Requests();
	ASSERT_EQ(reqs.size(), 1u);
	EXPECT_EQ(reqs[0].target, "/orca/api/api01rv2/system01lstv2?class=02");
}

TEST(HttpClient, InvalidConfigIsRefused)
{
	ServerConfig cfg = ConfigFor("ftp://127.0.0.1:1");
	EXPECT_EQ(ErrorOf([&] { HttpClient c(cfg); }).kind, ErrorKind::InvalidOption);
	cfg = ConfigFor("http://127.0.0.1:1");
	cfg.max_concurrent = 0;
	EXPECT_EQ(ErrorOf([&] { HttpClient c(cfg); }).kind, ErrorKind::InvalidOption);
}

/* ---- connections, concurrency, rate --------------------------------------- */

TEST(HttpClient, KeepAliveReusesOneConnectionAcrossCallsAndQueries)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("ok"); });
	HttpClient client(ConfigFor(server));
	for (int i = 0; i < 20; i++) {
		Collect out;
		Call(client, Get("/api01rv2/a"), out);
		if (i == 9)
			client.AbortAll(); /* end of a "query": the connection survives */
	}
	Collect post;
	Call(client, Post("/api01rv2/b", "<x/>"), post); /* retry-safe POST reuses too */
	EXPECT_EQ(server.RequestCount(), 21);
	EXPECT_EQ(server.Connections(), 1);
}

TEST(HttpClient, ManySequentialCallsStayOnOneConnection)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok(std::string(300, 'r')); });
	HttpClient client(ConfigFor(server));
	Collect out;
	for (int i = 0; i < 1000; i++)
		Call(client, Get("/api01rv2/a"), out);
	EXPECT_EQ(server.Connections(), 1);
	EXPECT_EQ(client.Counters().requests, 1000u);
	EXPECT_EQ(client.Counters().bytes, 300000u);
}

TEST(HttpClient, MaxConcurrentIsHonoured)
{
	TestHttpServer server([](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok("body" + r.path);
		resp.delay_ms = 120;
		return resp;
	});
	ServerConfig cfg = ConfigFor(server);
	cfg.max_concurrent = 3;
	HttpClient client(cfg);
	std::vector<Collect> outs(9);
	std::vector<Ticket> tickets;
	for (int i = 0; i < 9; i++)
		tickets.push_back(client.Submit(Get("/p" + std::to_string(i)), &outs[i]));
	for (int i = 8; i >= 0; i--) /* any order: outcomes are kept */
		client.Wait(tickets[i], NeverCancel());
	for (int i = 0; i < 9; i++)
		EXPECT_EQ(outs[i].body, "body/p" + std::to_string(i));
	EXPECT_EQ(server.MaxInFlight(), 3);
	EXPECT_LE(server.Connections(), 3);
}

TEST(HttpClient, QueueIsFifo)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("ok"); });
	ServerConfig cfg = ConfigFor(server);
	cfg.max_concurrent = 1;
	HttpClient client(cfg);
	std::vector<Collect> outs(6);
	std::vector<Ticket> tickets;
	for (int i = 0; i < 6; i++)
		tickets.push_back(client.Submit(Get("/" + std::to_string(i)), &outs[i]));
	client.Wait(tickets.back(), NeverCancel());
	for (int i = 0; i < 5; i++) {
		EXPECT_TRUE(client.Done(tickets[i]));
		client.Wait(tickets[i], NeverCancel());
	}
	auto reqs = server.Requests();
	ASSERT_EQ(reqs.size(), 6u);
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(reqs[i].path, "/" + std::to_string(i));
}

TEST(HttpClient, RateLimitSpacesRequestStarts)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("ok"); });
	ServerConfig cfg = ConfigFor(server);
	cfg.max_requests_per_second = 20;
	cfg.max_concurrent = 4;
	HttpClient client(cfg);
	std::vector<Collect> outs(10);
	std::vector<Ticket> tickets;
	auto start = TestClock::now();
	for (int i = 0; i < 10; i++)
		tickets.push_back(client.Submit(Get("/r"), &outs[i]));
	for (Ticket t : tickets)
		client.Wait(t, NeverCancel());
	double wall = MsBetween(start, TestClock::now());

	auto reqs = server.Requests();
	ASSERT_EQ(reqs.size(), 10u);
	std::vector<TestClock::time_point> starts;
	for (const auto &r : reqs)
		starts.push_back(r.received_at);
	std::sort(starts.begin(), starts.end());
	double span = MsBetween(starts.front(), starts.back());
	double min_gap = 1e9;
	for (size_t i = 1; i < starts.size(); i++)
		min_gap = std::min(min_gap, MsBetween(starts[i - 1], starts[i]));
	std::printf("[rate] 10 calls at 20 rps: server-observed span %.1f ms, min gap %.1f ms, wall %.1f ms, "
	            "wait_ms %.1f\n",
	            span, min_gap, wall, client.Counters().wait_ms);
	EXPECT_GE(span, 440.0);
	EXPECT_LT(span, 900.0);
	EXPECT_GE(min_gap, 35.0); /* 50 ms spacing, minus loopback jitter */
	/* no 1-second window with more than 20 starts: trivially true with the gaps above */
	EXPECT_GT(client.Counters().wait_ms, 300.0);

	/* The limiter belongs to the client: the next "query" is spaced too. */
	Collect next;
	Call(client, Get("/r2"), next);
	auto all = server.Requests();
	EXPECT_GE(MsBetween(starts.back(), all.back().received_at), 35.0);
}

/* ---- retries --------------------------------------------------------------- */

TEST(HttpClient, RetriesOn500And503ThenSucceeds)
{
	std::atomic<int> n{0};
	TestHttpServer server([&](const TestRequest &) {
		int i = ++n;
		if (i == 1)
			return TestResponse::Status(500);
		if (i == 2)
			return TestResponse::Status(503);
		return TestResponse::Ok("finally");
	});
	HttpClient client(ConfigFor(server));
	Collect out;
	auto start = TestClock::now();
	Call(client, Get("/api01rv2/x"), out);
	double ms = MsBetween(start, TestClock::now());
	EXPECT_EQ(out.body, "finally");
	EXPECT_EQ(server.RequestCount(), 3);
	EXPECT_EQ(client.Counters().requests, 3u);
	EXPECT_EQ(client.Counters().retries, 2u);
	EXPECT_GE(ms, 0.9 * 100 + 0.9 * 200 - 5); /* back-off 100 ms, then 200 ms, +-10% jitter */
}

TEST(HttpClient, RetriesOnResetTruncatedAndSilentClose)
{
	std::atomic<int> n{0};
	TestHttpServer server([&](const TestRequest &) {
		int i = ++n;
		TestResponse r = TestResponse::Ok("<complete/>");
		if (i == 1)
			r.action = TestResponse::Action::Reset;
		else if (i == 2) {
			r.action = TestResponse::Action::Truncate;
			r.truncate_at = 4;
		} else if (i == 3)
			r.action = TestResponse::Action::CloseSilently;
		return r;
	});
	ServerConfig cfg = ConfigFor(server);
	cfg.retries = 3;
	HttpClient client(cfg);
	Collect out;
	Call(client, Get("/api01rv2/x"), out);
	EXPECT_EQ(out.body, "<complete/>");
	EXPECT_EQ(out.begins, 2); /* truncated attempt began, then the good one */
	EXPECT_EQ(out.finishes, 1);
	EXPECT_EQ(server.RequestCount(), 4);
	EXPECT_EQ(client.Counters().retries, 3u);
}

TEST(HttpClient, GivesUpAfterRetries)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Status(503); });
	HttpClient client(ConfigFor(server)); /* retries = 2 */
	Collect out;
	Error e = ErrorOf([&] { Call(client, Get("/api01rv2/x"), out); });
	EXPECT_EQ(e.kind, ErrorKind::Http);
	EXPECT_EQ(e.message, "ORCA server returned HTTP 503");
	EXPECT_NE(e.detail.find("GET /api01rv2/x"), std::string::npos);
	EXPECT_EQ(server.RequestCount(), 3);
	EXPECT_EQ(out.begins, 0); /* a non-200 body never reaches the Exchange */
}

TEST(HttpClient, RegistrationIsNeverSentTwice)
{
	for (auto action : {TestResponse::Action::Respond, TestResponse::Action::Reset,
	                    TestResponse::Action::Truncate, TestResponse::Action::CloseSilently}) {
		TestHttpServer server([&](const TestRequest &) {
			TestResponse r = TestResponse::Status(action == TestResponse::Action::Respond ? 503 : 200, "<x/>");
			r.action = action;
			r.truncate_at = 2;
			return r;
		});
		ServerConfig cfg = ConfigFor(server);
		cfg.retries = 5;
		HttpClient client(cfg);
		Collect out;
		Error e = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<data/>", false), out); });
		EXPECT_NE(e.kind, ErrorKind::Cancelled);
		EXPECT_EQ(server.RequestCount(), 1) << "action " << int(action) << ": " << e.message;
		EXPECT_EQ(client.Counters().requests, 1u);
		EXPECT_EQ(client.Counters().retries, 0u);
	}
}

TEST(HttpClient, RegistrationOnDeadKeepAliveConnectionIsNotResent)
{
	/* The read leaves an idle keep-alive connection; the server then takes the
	 * registration and closes without answering.  libcurl would silently
	 * resend on a reused connection — the client must not let it. */
	TestHttpServer server([](const TestRequest &r) {
		if (r.method == "POST") {
			TestResponse resp;
			resp.action = TestResponse::Action::CloseSilently;
			return resp;
		}
		return TestResponse::Ok("ok");
	});
	HttpClient client(ConfigFor(server));
	Collect read;
	Call(client, Get("/api01rv2/x"), read);
	Collect reg;
	Error e = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<data/>", false), reg); });
	EXPECT_EQ(e.kind, ErrorKind::Connection);
	EXPECT_EQ(e.message, "ORCA server closed the connection without an answer");
	int posts = 0;
	for (const auto &r : server.Requests())
		posts += r.method == "POST";
	EXPECT_EQ(posts, 1);
	/* and the client is fine afterwards */
	Collect again;
	Call(client, Get("/api01rv2/x"), again);
	EXPECT_EQ(again.body, "ok");
}

TEST(HttpClient, RegistrationGetsAFreshConnectionEvenWithOneConnectionAllowed)
{
	TestHttpServer server([](const TestRequest &r) { return TestResponse::Ok(r.method); });
	ServerConfig cfg = ConfigFor(server);
	cfg.max_concurrent = 1;
	HttpClient client(cfg);
	for (int i = 0; i < 3; i++) {
		Collect read, reg;
		Call(client, Get("/api01rv2/x"), read);
		Call(client, Post("/orca11/acceptmodv2", "<data/>", false), reg);
		EXPECT_EQ(read.body, "GET");
		EXPECT_EQ(reg.body, "POST");
	}
	EXPECT_EQ(server.MaxInFlight(), 1);
	/* each registration opened its own connection; the idle one was closed */
	EXPECT_EQ(server.Connections(), 4);
}

TEST(HttpClient, NoRetryFor401And404)
{
	TestHttpServer server([](const TestRequest &r) {
		return TestResponse::Status(r.path == "/auth" ? 401 : 404, "<html>secret page</html>");
	});
	ServerConfig cfg = ConfigFor(server);
	cfg.user = "ormaster";
	cfg.password = "pw-DO-NOT-LEAK";
	HttpClient client(cfg);
	Collect out;

	Error auth = ErrorOf([&] { Call(client, Get("/auth"), out); });
	EXPECT_EQ(auth.kind, ErrorKind::Auth);
	EXPECT_EQ(auth.message, "ORCA server rejected the credentials");
	EXPECT_NE(auth.hint.find("user mapping"), std::string::npos);
	EXPECT_EQ(server.RequestCount(), 1);

	Error nf = ErrorOf([&] { Call(client, Get("/api01rv2/nothere"), out); });
	EXPECT_EQ(nf.kind, ErrorKind::NotFound);
	EXPECT_EQ(nf.message, "ORCA API path not found");
	EXPECT_NE(nf.detail.find("HTTP 404 for GET /api01rv2/nothere"), std::string::npos);
	EXPECT_NE(nf.hint.find("set the server option weborca 'true'"), std::string::npos);
	EXPECT_EQ(server.RequestCount(), 2);

	for (const Error *e : {&auth, &nf}) {
		for (const std::string *text : {&e->message, &e->detail, &e->hint}) {
			EXPECT_EQ(text->find("pw-DO-NOT-LEAK"), std::string::npos);
			EXPECT_EQ(text->find("secret page"), std::string::npos);
		}
	}
}

TEST(HttpClient, MessagesNeverQuoteAnUnboundedLabel)
{
	/* A request whose label holds a huge query argument (a 100k-character
	 * id): the error names the request, not the value. */
	TestHttpServer server([](const TestRequest &) { return TestResponse::Status(431, ""); });
	HttpClient client(ConfigFor(server));
	Collect out;
	HttpRequest r = Get("/api01rv2/patientgetv2", "id=" + std::string(20000, '1'));
	r.label = "GET /api01rv2/patientgetv2?" + r.query;
	Error e = ErrorOf([&] { Call(client, std::move(r), out); });
	EXPECT_EQ(e.message, "ORCA server returned HTTP 431");
	EXPECT_NE(e.detail.find("HTTP 431 for GET /api01rv2/patientgetv2?id=111"), std::string::npos) << e.detail;
	EXPECT_LT(e.detail.size(), 200u);
}

TEST(HttpClient, RedirectIsNotFollowed)
{
	TestHttpServer server([](const TestRequest &) {
		TestResponse r = TestResponse::Status(302, "");
		r.headers.emplace_back("Location", "/elsewhere");
		return r;
	});
	HttpClient client(ConfigFor(server));
	Collect out;
	Error e = ErrorOf([&] { Call(client, Get("/x"), out); });
	EXPECT_EQ(e.kind, ErrorKind::Http);
	EXPECT_EQ(e.message, "ORCA server returned HTTP 302");
	EXPECT_EQ(server.RequestCount(), 1);
}

/* ---- cancel ------------------------------------------------------------------ */

TEST(HttpClient, CancelDuringSlowResponseIsPromptAndClientStaysUsable)
{
	TestHttpServer server([](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok("fast");
		if (r.path == "/slow")
			resp.delay_ms = 5000;
		return resp;
	});
	HttpClient client(ConfigFor(server));
	Collect slow, other;
	Ticket t1 = client.Submit(Get("/slow"), &slow);
	Ticket t2 = client.Submit(Get("/slow"), &other);
	DeadlineCancel cancel(150);
	Error e = ErrorOf([&] { client.Wait(t1, cancel); });
	double latency = MsBetween(cancel.Deadline(), TestClock::now());
	std::printf("[cancel] Wait returned %.1f ms after the cancel fired\n", latency);
	EXPECT_EQ(e.kind, ErrorKind::Cancelled);
	EXPECT_EQ(e.message, "canceled");
	EXPECT_LT(latency, 300.0);
	/* everything was aborted */
	EXPECT_TRUE(client.Done(t2));
	EXPECT_EQ(ErrorOf([&] { client.Wait(t2, NeverCancel()); }).kind, ErrorKind::Internal);

	Collect after;
	Call(client, Get("/fast"), after);
	EXPECT_EQ(after.body, "fast");
}

TEST(HttpClient, CancelDuringBackoffAndRateLimitSleep)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Status(503); });
	ServerConfig cfg = ConfigFor(server);
	cfg.retries = 10; /* back-off grows to 2 s */
	HttpClient client(cfg);
	Collect out;
	DeadlineCancel cancel(900);
	Error e = ErrorOf([&] { Call(client, Get("/x"), out, cancel); });
	double latency = MsBetween(cancel.Deadline(), TestClock::now());
	EXPECT_EQ(e.kind, ErrorKind::Cancelled);
	EXPECT_LT(latency, 200.0);

	ServerConfig slow_cfg = ConfigFor(server);
	slow_cfg.max_requests_per_second = 0.5; /* one start every 2 s */
	slow_cfg.retries = 0;
	HttpClient limited(slow_cfg);
	Collect a, b;
	Ticket ta = limited.Submit(Get("/a"), &a);
	Ticket tb = limited.Submit(Get("/b"), &b);
	EXPECT_THROW(limited.Wait(ta, NeverCancel()), Error);
	DeadlineCancel cancel2(200);
	Error e2 = ErrorOf([&] { limited.Wait(tb, cancel2); });
	EXPECT_EQ(e2.kind, ErrorKind::Cancelled);
	EXPECT_LT(MsBetween(cancel2.Deadline(), TestClock::now()), 200.0);
	EXPECT_GT(limited.Counters().wait_ms, 150.0);
}

/* ---- transport errors ----------------------------------------------------- */

TEST(HttpClient, ConnectTimeout)
{
	BlackholeListener hole;
	ServerConfig cfg = ConfigFor("http://127.0.0.1:" + std::to_string(hole.Port()));
	cfg.connect_timeout_ms = 200;
	cfg.retries = 0;
	HttpClient client(cfg);
	Collect out;
	auto start = TestClock::now();
	Error e = ErrorOf([&] { Call(client, Get("/api01rv2/x"), out); });
	double ms = MsBetween(start, TestClock::now());
	EXPECT_EQ(e.kind, ErrorKind::Timeout);
	EXPECT_EQ(e.message, "ORCA request timed out");
	EXPECT_NE(e.detail.find("connect_timeout of 200 ms"), std::string::npos) << e.detail;
	EXPECT_NE(e.detail.find("GET /api01rv2/x"), std::string::npos);
	EXPECT_GE(ms, 180.0);
	EXPECT_LT(ms, 1000.0);
}

TEST(HttpClient, RequestTimeout)
{
	TestHttpServer server([](const TestRequest &) {
		TestResponse r = TestResponse::Ok("late");
		r.delay_ms = 3000;
		return r;
	});
	ServerConfig cfg = ConfigFor(server);
	cfg.request_timeout_ms = 300;
	cfg.retries = 0;
	HttpClient client(cfg);
	Collect out;
	auto start = TestClock::now();
	Error e = ErrorOf([&] { Call(client, Get("/x"), out); });
	double ms = MsBetween(start, TestClock::now());
	EXPECT_EQ(e.kind, ErrorKind::Timeout);
	EXPECT_NE(e.detail.find("request_timeout of 300 ms"), std::string::npos) << e.detail;
	EXPECT_GE(ms, 280.0);
	EXPECT_LT(ms, 1200.0);
}

TEST(HttpClient, ConnectionRefusedIsRetriedForReads)
{
	ServerConfig cfg = ConfigFor("http://127.0.0.1:" + std::to_string(UnusedPort()));
	cfg.retries = 1;
	HttpClient client(cfg);
	Collect out;
	Error e = ErrorOf([&] { Call(client, Get("/api01rv2/x"), out); });
	EXPECT_EQ(e.kind, ErrorKind::Connection);
	EXPECT_EQ(e.message, "could not connect to ORCA server");
	EXPECT_NE(e.detail.find("GET /api01rv2/x"), std::string::npos);
	EXPECT_EQ(client.Counters().requests, 2u);

	Error e2 = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<x/>", false), out); });
	EXPECT_EQ(e2.kind, ErrorKind::Connection);
	EXPECT_EQ(client.Counters().requests, 3u); /* registration: one attempt only */
}

TEST(HttpClient, TlsFailureIsRecognisable)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("plain"); });
	ServerConfig cfg = ConfigFor("https://127.0.0.1:" + std::to_string(server.Port()));
	cfg.retries = 0;
	HttpClient client(cfg);
	Collect out;
	Error e = ErrorOf([&] { Call(client, Get("/x"), out); });
	EXPECT_EQ(e.kind, ErrorKind::Connection);
	EXPECT_EQ(e.detail.rfind("TLS error: ", 0), 0u) << e.detail;

	cfg.sslrootcert = "/nonexistent/root.crt";
	HttpClient client2(cfg);
	Error e2 = ErrorOf([&] { Call(client2, Get("/x"), out); });
	EXPECT_EQ(e2.kind, ErrorKind::Connection);
	EXPECT_EQ(e2.detail.rfind("TLS error: ", 0), 0u) << e2.detail;
}

/* ---- "was it sent": facts, not message text --------------------------------------- */

TEST(HttpClient, NothingSentIsAFactOfTheTransport)
{
	Collect out;
	/* refused connection: not a byte written */
	{
		HttpClient client(ConfigFor("http://127.0.0.1:" + std::to_string(UnusedPort())));
		Error e = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<x/>", false), out); });
		EXPECT_EQ(e.kind, ErrorKind::Connection);
		EXPECT_TRUE(e.nothing_sent);
	}
	/* the TLS handshake never finishes (https towards a plain HTTP port) */
	{
		TestHttpServer plain([](const TestRequest &) { return TestResponse::Ok("plain"); });
		ServerConfig cfg = ConfigFor("https://127.0.0.1:" + std::to_string(plain.Port()));
		cfg.retries = 0;
		HttpClient client(cfg);
		Error e = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<x/>", false), out); });
		EXPECT_TRUE(e.nothing_sent) << e.message << ": " << e.detail;
	}
	/* the server read the request, then closed (FIN or RST) or answered badly:
	 * bytes were written, whatever the message says */
	for (auto action : {TestResponse::Action::CloseSilently, TestResponse::Action::Reset,
	                    TestResponse::Action::Truncate}) {
		TestHttpServer server([&](const TestRequest &) {
			TestResponse r = TestResponse::Ok("<xmlio2/>");
			r.action = action;
			r.truncate_at = 3;
			return r;
		});
		HttpClient client(ConfigFor(server));
		Error e = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<x/>", false), out); });
		EXPECT_FALSE(e.nothing_sent) << int(action) << " " << e.message;
		EXPECT_EQ(server.RequestCount(), 1);
	}
	/* 503: the server answered */
	{
		TestHttpServer server([](const TestRequest &) { return TestResponse::Status(503); });
		HttpClient client(ConfigFor(server));
		Error e = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<x/>", false), out); });
		EXPECT_FALSE(e.nothing_sent);
	}
	/* cancel: before the transfer started (queued behind another call) and
	 * while the server holds the request */
	{
		std::atomic<int> arrived{0};
		TestHttpServer server([&](const TestRequest &) {
			arrived++;
			TestResponse r;
			r.action = TestResponse::Action::Hang;
			return r;
		});
		ServerConfig cfg = ConfigFor(server);
		cfg.max_concurrent = 1;
		HttpClient client(cfg);
		class WhenArrived final : public CancelToken {
		public:
			explicit WhenArrived(const std::atomic<int> &a) : a_(a) {}
			bool Cancelled() const noexcept override { return a_.load() > 0; }

		private:
			const std::atomic<int> &a_;
		} token(arrived);
		Collect first, second;
		Ticket t1 = client.Submit(Post("/orca11/acceptmodv2", "<a/>", false), &first);
		Ticket t2 = client.Submit(Post("/orca11/acceptmodv2", "<b/>", false), &second);
		(void) t1;
		Error queued = ErrorOf([&] { client.Wait(t2, token); });
		EXPECT_EQ(queued.kind, ErrorKind::Cancelled);
		EXPECT_TRUE(queued.nothing_sent) << "the second call never started";

		arrived = 0;
		Collect third;
		Error held = ErrorOf([&] { Call(client, Post("/orca11/acceptmodv2", "<c/>", false), third, token); });
		EXPECT_EQ(held.kind, ErrorKind::Cancelled);
		EXPECT_FALSE(held.nothing_sent) << "the server has the request";
	}
}

/* ---- proxies: only the server option, never the environment ------------------------- */

/* Sets environment variables for one test and restores them. */
class ScopedEnv {
public:
	void Set(const char *name, const std::string &value)
	{
		const char *old = ::getenv(name);
		saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
		::setenv(name, value.c_str(), 1);
	}
	~ScopedEnv()
	{
		for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
			if (it->second)
				::setenv(it->first.c_str(), it->second->c_str(), 1);
			else
				::unsetenv(it->first.c_str());
		}
	}

private:
	std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(HttpClient, ProxyVariablesOfTheEnvironmentAreIgnored)
{
	TestHttpServer origin([](const TestRequest &) { return TestResponse::Ok("origin"); });
	TestHttpServer proxy([](const TestRequest &) { return TestResponse::Ok("proxy"); });
	ScopedEnv env;
	for (const char *name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
		env.Set(name, proxy.Url());
	for (const char *name : {"no_proxy", "NO_PROXY"})
		env.Set(name, "");
	HttpClient client(ConfigFor(origin));
	Collect out;
	Call(client, Get("/api01rv2/x"), out);
	Call(client, Post("/orca11/acceptmodv2", "<x/>", false), out);
	EXPECT_EQ(out.body, "origin");
	EXPECT_EQ(proxy.RequestCount(), 0) << "the postmaster's environment must not route ORCA calls";
	EXPECT_EQ(origin.RequestCount(), 2);
}

TEST(HttpClient, ExplicitProxyIsUsedWithoutExceptions)
{
	TestHttpServer origin([](const TestRequest &) { return TestResponse::Ok("origin"); });
	TestHttpServer proxy([](const TestRequest &) { return TestResponse::Ok("via proxy"); });
	ScopedEnv env;
	for (const char *name : {"no_proxy", "NO_PROXY"})
		env.Set(name, "127.0.0.1,localhost,*");
	ServerConfig cfg = ConfigFor(origin);
	cfg.proxy = proxy.Url();
	HttpClient client(cfg);
	Collect out;
	Call(client, Get("/api01rv2/x", "id=1"), out);
	EXPECT_EQ(out.body, "via proxy");
	EXPECT_EQ(origin.RequestCount(), 0);
	ASSERT_EQ(proxy.RequestCount(), 1);
	/* the proxy sees the absolute URL of the ORCA server */
	EXPECT_EQ(proxy.Requests()[0].target, origin.Url() + "/api01rv2/x?id=1");
}

/* ---- bodies ------------------------------------------------------------------ */

TEST(HttpClient, MaxResponseSizeWithAndWithoutContentLength)
{
	TestHttpServer server([](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok("");
		resp.generated_body = 3u << 20;
		resp.chunked = r.path == "/chunked";
		resp.chunk_size = 64 * 1024;
		return resp;
	});
	ServerConfig cfg = ConfigFor(server);
	cfg.max_response_size = 1u << 20;
	HttpClient client(cfg);
	for (const char *path : {"/length", "/chunked"}) {
		CountBytes out;
		Error e = ErrorOf([&] { Call(client, Get(path), out); });
		EXPECT_EQ(e.kind, ErrorKind::TooLarge) << path;
		EXPECT_EQ(e.message, "ORCA response exceeds max_response_size");
		EXPECT_NE(e.detail.find("1048576"), std::string::npos);
		EXPECT_LE(out.bytes, size_t(1) << 20);
	}
	EXPECT_EQ(server.RequestCount(), 2); /* never retried */
	Collect ok;
	HttpRequest small = Get("/length");
	TestHttpServer small_server([](const TestRequest &) { return TestResponse::Ok("small"); });
	HttpClient client2(ConfigFor(small_server));
	Call(client2, small, ok);
	EXPECT_EQ(ok.body, "small");
}

TEST(HttpClient, LargeBodyIsStreamedCompletely)
{
	TestHttpServer server([](const TestRequest &) {
		TestResponse resp = TestResponse::Ok("<head>");
		resp.generated_body = 8u << 20;
		return resp;
	});
	HttpClient client(ConfigFor(server));
	CountBytes out;
	Call(client, Get("/big"), out);
	EXPECT_EQ(out.bytes, 6u + (8u << 20));
	EXPECT_EQ(client.Counters().bytes, 6u + (8u << 20));
}

TEST(HttpClient, BodyIsStreamedBeforeTheResponseEnds)
{
	std::atomic<long long> rest_sent_ns{0};
	TestHttpServer server([&](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok(std::string(100, 'a') + std::string(100, 'b'));
		resp.split_at = 100;
		resp.split_delay_ms = 300;
		resp.chunked = r.path == "/chunked";
		resp.before_rest = [&] { rest_sent_ns = TestClock::now().time_since_epoch().count(); };
		return resp;
	});
	HttpClient client(ConfigFor(server));
	for (const char *path : {"/length", "/chunked"}) {
		Collect out;
		Call(client, Get(path), out);
		ASSERT_TRUE(out.got_bytes);
		EXPECT_EQ(out.body, std::string(100, 'a') + std::string(100, 'b'));
		EXPECT_GE(out.chunks, 2u);
		TestClock::time_point rest_sent{TestClock::duration(rest_sent_ns.load())};
		EXPECT_LT(out.first_bytes, rest_sent) << path << ": bytes were not streamed";
	}
}

/* ---- circuit breaker ----------------------------------------------------------- */

TEST(HttpClient, BreakerOpensAndCloses)
{
	std::atomic<bool> healthy{false};
	TestHttpServer server([&](const TestRequest &) {
		return healthy ? TestResponse::Ok("ok") : TestResponse::Status(503);
	});
	ServerConfig cfg = ConfigFor(server);
	cfg.retries = 0;
	cfg.breaker_failures = 2;
	cfg.breaker_cooldown_ms = 300;
	HttpClient client(cfg);
	Collect out;
	EXPECT_EQ(ErrorOf([&] { Call(client, Get("/x"), out); }).kind, ErrorKind::Http);
	EXPECT_EQ(ErrorOf([&] { Call(client, Get("/x"), out); }).kind, ErrorKind::Http);
	Error open = ErrorOf([&] { client.Submit(Get("/x"), &out); });
	EXPECT_EQ(open.kind, ErrorKind::CircuitOpen);
	EXPECT_EQ(open.message, "circuit breaker is open for ORCA server");
	EXPECT_NE(open.detail.find("2 consecutive"), std::string::npos) << open.detail;
	EXPECT_EQ(open.hint, "Wait 1 seconds or check the ORCA server; the breaker closes after a successful call.");
	EXPECT_EQ(server.RequestCount(), 2);

	/* cooldown over, server still failing: the trial fails and re-opens it */
	std::this_thread::sleep_for(std::chrono::milliseconds(350));
	EXPECT_EQ(ErrorOf([&] { Call(client, Get("/x"), out); }).kind, ErrorKind::Http);
	EXPECT_EQ(ErrorOf([&] { client.Submit(Get("/x"), &out); }).kind, ErrorKind::CircuitOpen);
	EXPECT_EQ(server.RequestCount(), 3);

	/* cooldown over again, server healthy: one trial at a time, then closed */
	healthy = true;
	std::this_thread::sleep_for(std::chrono::milliseconds(350));
	Collect trial_out, second;
	Ticket trial = client.Submit(Get("/x"), &trial_out);
	EXPECT_EQ(ErrorOf([&] { client.Submit(Get("/x"), &second); }).kind, ErrorKind::CircuitOpen);
	client.Wait(trial, NeverCancel());
	EXPECT_EQ(trial_out.body, "ok");
	for (int i = 0; i < 3; i++)
		Call(client, Get("/x"), second);
	EXPECT_EQ(server.RequestCount(), 7);
}

TEST(HttpClient, BreakerIgnoresAnsweredErrorsAndCanBeDisabled)
{
	TestHttpServer server([](const TestRequest &r) { return TestResponse::Status(r.path == "/404" ? 404 : 500); });
	ServerConfig cfg = ConfigFor(server);
	cfg.retries = 0;
	cfg.breaker_failures = 2;
	HttpClient client(cfg);
	Collect out;
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(ErrorOf([&] { Call(client, Get("/500"), out); }).kind, ErrorKind::Http);
		/* an answer (even 404) proves the server is alive: the count restarts */
		EXPECT_EQ(ErrorOf([&] { Call(client, Get("/404"), out); }).kind, ErrorKind::NotFound);
	}
	cfg.breaker_failures = 0;
	HttpClient off(cfg);
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(ErrorOf([&] { Call(off, Get("/500"), out); }).kind, ErrorKind::Http);
}

/* ---- Exchange failures, AbortAll, teardown ----------------------------------- */

TEST(HttpClient, ExchangeExceptionFailsOnlyItsTicket)
{
	TestHttpServer server([](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok("body of " + r.path);
		resp.delay_ms = 50;
		return resp;
	});
	HttpClient client(ConfigFor(server));
	Collect a, b, c, d;
	b.on_body_hook = [] { throw Error(ErrorKind::InvalidValue, "bad value in body"); };
	d.on_finish_hook = [] { throw std::runtime_error("not a core error"); };
	Ticket ta = client.Submit(Get("/a"), &a);
	Ticket tb = client.Submit(Get("/b"), &b);
	Ticket tc = client.Submit(Get("/c"), &c);
	Ticket td = client.Submit(Get("/d"), &d);
	client.Wait(tc, NeverCancel()); /* drives the others too */
	EXPECT_EQ(c.body, "body of /c");
	Error eb = ErrorOf([&] { client.Wait(tb, NeverCancel()); });
	EXPECT_EQ(eb.kind, ErrorKind::InvalidValue);
	EXPECT_THROW(client.Wait(td, NeverCancel()), std::runtime_error);
	client.Wait(ta, NeverCancel());
	EXPECT_EQ(a.body, "body of /a");
	EXPECT_EQ(server.RequestCount(), 4); /* InvalidValue is not retried */

	/* A Protocol error from the Exchange (broken body) is retried for reads. */
	Collect flaky;
	int calls = 0;
	flaky.on_finish_hook = [&] {
		if (++calls == 1)
			throw Error(ErrorKind::Protocol, "malformed body");
	};
	Call(client, Get("/flaky"), flaky);
	EXPECT_EQ(flaky.begins, 2);
	EXPECT_EQ(flaky.body, "body of /flaky");
	EXPECT_EQ(server.RequestCount(), 6);

	/* ... but never for registrations; ApiResult is never retried at all. */
	Collect reg;
	reg.on_finish_hook = [] { throw Error(ErrorKind::Protocol, "malformed body"); };
	EXPECT_EQ(ErrorOf([&] { Call(client, Post("/reg", "<x/>", false), reg); }).kind, ErrorKind::Protocol);
	Collect api;
	api.on_finish_hook = [] { throw Error(ErrorKind::ApiResult, "ORCA API returned an error"); };
	EXPECT_EQ(ErrorOf([&] { Call(client, Get("/api"), api); }).kind, ErrorKind::ApiResult);
	EXPECT_EQ(server.RequestCount(), 8);
}

TEST(HttpClient, AbortAllDropsEverythingAndClientStaysUsable)
{
	TestHttpServer server([](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok("done " + r.path);
		if (r.path == "/slow")
			resp.delay_ms = 3000;
		return resp;
	});
	ServerConfig cfg = ConfigFor(server);
	cfg.max_concurrent = 2;
	HttpClient client(cfg);
	Collect s1, s2, q, fast;
	Ticket t1 = client.Submit(Get("/slow"), &s1);
	Ticket t2 = client.Submit(Get("/slow"), &s2);
	Ticket t3 = client.Submit(Get("/queued"), &q);
	EXPECT_EQ(ErrorOf([&] { client.Wait(t1, DeadlineCancel(100)); }).kind, ErrorKind::Cancelled);
	client.AbortAll(); /* idempotent */
	EXPECT_TRUE(client.Done(t2));
	EXPECT_TRUE(client.Done(t3));
	Call(client, Get("/fast"), fast);
	EXPECT_EQ(fast.body, "done /fast");
	EXPECT_EQ(q.finishes, 0);
}

TEST(HttpClient, DestroyWithTransfersInFlight)
{
	TestHttpServer server([](const TestRequest &r) {
		TestResponse resp = TestResponse::Ok("x");
		if (r.path == "/slow") {
			resp.generated_body = 1000;
			resp.split_at = 0;
			resp.split_delay_ms = 2000;
		}
		return resp;
	});
	Collect slow, slow2, fast;
	{
		HttpClient client(ConfigFor(server));
		client.Submit(Get("/slow"), &slow);
		client.Submit(Get("/slow"), &slow2);
		Ticket t = client.Submit(Get("/fast"), &fast);
		client.Wait(t, NeverCancel());
		EXPECT_EQ(fast.body, "x");
		/* leaving the scope with two transfers in flight (headers received) */
	}
	SUCCEED();
}

TEST(HttpClient, ReentryFromAnExchangeIsSafe)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("ok"); });
	HttpClient client(ConfigFor(server));
	Collect aborter, other;
	aborter.on_body_hook = [&] { client.AbortAll(); };
	Ticket t1 = client.Submit(Get("/a"), &aborter);
	client.Submit(Get("/b"), &other);
	EXPECT_EQ(ErrorOf([&] { client.Wait(t1, NeverCancel()); }).kind, ErrorKind::Internal);

	Collect waiter;
	Ticket inner = 0;
	waiter.on_body_hook = [&] { client.Wait(inner, NeverCancel()); };
	Collect target;
	inner = client.Submit(Get("/c"), &target);
	Ticket t3 = client.Submit(Get("/d"), &waiter);
	EXPECT_EQ(ErrorOf([&] { client.Wait(t3, NeverCancel()); }).kind, ErrorKind::Internal);
	client.Wait(inner, NeverCancel());
	EXPECT_EQ(target.body, "ok");

	Collect after;
	Call(client, Get("/e"), after);
	EXPECT_EQ(after.body, "ok");
}

TEST(HttpClient, UnknownTicketAndBadRequests)
{
	TestHttpServer server([](const TestRequest &) { return TestResponse::Ok("ok"); });
	HttpClient client(ConfigFor(server));
	Collect out;
	EXPECT_EQ(ErrorOf([&] { client.Wait(42, NeverCancel()); }).kind, ErrorKind::Internal);
	HttpRequest put = Get("/x");
	put.method = "PUT";
	EXPECT_EQ(ErrorOf([&] { client.Submit(put, &out); }).kind, ErrorKind::Internal);
	EXPECT_EQ(ErrorOf([&] { client.Submit(Get("/x"), nullptr); }).kind, ErrorKind::Internal);
	EXPECT_EQ(ErrorOf([&] { client.Submit(Get("/x\r\nX-Injected: 1"), &out); }).kind, ErrorKind::Internal);
	EXPECT_EQ(ErrorOf([&] { client.Submit(Get("/x", "a=b c"), &out); }).kind, ErrorKind::Internal);
	HttpRequest ct = Post("/x", "");
	ct.content_type = "text/xml\r\nX-Injected: 1";
	EXPECT_EQ(ErrorOf([&] { client.Submit(ct, &out); }).kind, ErrorKind::Internal);
	EXPECT_EQ(server.RequestCount(), 0);
	Ticket t = client.Submit(Get("/x"), &out);
	client.Wait(t, NeverCancel());
	EXPECT_EQ(ErrorOf([&] { client.Wait(t, NeverCancel()); }).kind, ErrorKind::Internal); /* consumed */
}


/* ---- asynchronous use: Progress and WaitFd ------------------------------------------------ */

/* Wait for the descriptor like PostgreSQL's WaitEventSet does; false on timeout. */
bool Readable(int fd, int timeout_ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	return ::poll(&p, 1, timeout_ms) > 0;
}

TEST(HttpClientAsync, ProgressNeverBlocksAndTheWaitFdWakesForTheAnswers)
{
	TestHttpServer server([](const TestRequest &) {
		TestResponse r = TestResponse::Ok("late");
		r.delay_ms = 300;
		return r;
	});
	HttpClient client(ConfigFor(server));
	NeverCancel never;
	std::vector<Collect> out(3);
	std::vector<Ticket> tickets;
	for (auto &c : out)
		tickets.push_back(client.Submit(Get("/api01rv2/x"), &c));
	WaitFd w;
	auto start = TestClock::now();
	int rounds = 0, wakes = 0;
	double longest_progress_ms = 0;
	for (;;) {
		auto t0 = TestClock::now();
		client.Progress(never);
		longest_progress_ms = std::max(longest_progress_ms, MsBetween(t0, TestClock::now()));
		rounds++;
		if (std::all_of(tickets.begin(), tickets.end(), [&](Ticket t) { return client.Done(t); }))
			break;
		client.ArmWait(w);
		/* readable at the latest after WaitFd::kMaxWaitMs, whatever happens */
		ASSERT_TRUE(Readable(w.Fd(), 1000));
		wakes++;
		ASSERT_LT(MsBetween(start, TestClock::now()), 5000.0);
	}
	for (size_t i = 0; i < tickets.size(); i++) {
		client.Wait(tickets[i], never); /* done: returns at once with the outcome */
		EXPECT_EQ(out[i].body, "late");
	}
	/* the three calls overlapped (max_concurrent 4): about one delay, not three */
	EXPECT_EQ(server.MaxInFlight(), 3);
	EXPECT_LT(longest_progress_ms, 200.0);
	EXPECT_GT(wakes, 0);
}

TEST(HttpClientAsync, TheWaitFdIsReadableWithinItsBoundWhenNothingHappens)
{
	TestHttpServer server([](const TestRequest &) {
		TestResponse r;
		r.action = TestResponse::Action::Hang;
		return r;
	});
	HttpClient client(ConfigFor(server));
	NeverCancel never;
	Collect c;
	client.Submit(Get("/api01rv2/x"), &c);
	WaitFd w;
	client.Progress(never);
	client.Progress(never);
	client.ArmWait(w);
	auto t0 = TestClock::now();
	ASSERT_TRUE(Readable(w.Fd(), 2000));
	EXPECT_LE(MsBetween(t0, TestClock::now()), WaitFd::kMaxWaitMs + 100.0);
	client.AbortAll();
}

TEST(HttpClientAsync, ProgressAnswersCancel)
{
	TestHttpServer server([](const TestRequest &) {
		TestResponse r;
		r.action = TestResponse::Action::Hang;
		return r;
	});
	HttpClient client(ConfigFor(server));
	Collect c;
	Ticket t = client.Submit(Get("/api01rv2/x"), &c);
	DeadlineCancel cancel(100);
	WaitFd w;
	try {
		for (;;) {
			client.Progress(cancel);
			client.ArmWait(w);
			ASSERT_TRUE(Readable(w.Fd(), 2000));
		}
	} catch (const Error &e) {
		EXPECT_EQ(e.kind, ErrorKind::Cancelled);
	}
	EXPECT_LT(MsBetween(cancel.Deadline(), TestClock::now()), WaitFd::kMaxWaitMs + 100.0);
	EXPECT_TRUE(client.Done(t)); /* aborted: nothing left in flight */
}

} // namespace
} // namespace orca_fdw::core
