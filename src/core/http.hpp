/*
 * http.hpp — the wrapper's HTTP client for one ORCA server (libcurl multi).
 *
 * One HttpClient lives per (server, user mapping) in a backend and is reused
 * across queries, so its connections stay alive (keep-alive through the multi
 * handle's connection cache).  Callers Submit() logical API calls and Wait()
 * for them; up to max_concurrent transfers overlap, and reads (retry_safe) are
 * retried with back-off on transport errors, timeouts, 5xx and broken bodies.
 * Requests with retry_safe == false (registrations) are never sent twice.
 *
 * Every attempt first takes a slot from the client's Gate (gate.hpp): the
 * concurrency limit, the rate limiter, the fair order of waiting requests and
 * the circuit breaker live there, shared with every other client of the same
 * ORCA server (across the PostgreSQL cluster on the PG side).  Taking a slot
 * is a non-blocking try from the drive loop; a refused attempt stays queued
 * and is tried again within a few milliseconds.
 *
 * Every wait is bounded (curl_multi_poll with a short timeout) and consults the
 * CancelToken between polls, so query cancel and statement_timeout are
 * answered within a fraction of a second.  libcurl callbacks only copy bytes
 * and never throw; response bodies are handed to the Exchange from the drive
 * loop, outside libcurl.
 */
#pragma once

#include "core/codec.hpp"
#include "core/error.hpp"
#include "core/gate.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace orca_fdw::core {

struct ServerConfig {
	std::string base_url;      /* "http://host:8000" (optional path prefix, no trailing '/') */
	bool weborca = false;      /* WebORCA: every API path gets the "/api" prefix */
	WireFormat format = WireFormat::Xml;
	long connect_timeout_ms = 5000;
	long request_timeout_ms = 60000;
	int max_concurrent = 4;    /* transfers in flight at once (through the gate: for all its clients), >= 1 */
	double max_requests_per_second = 0; /* 0 = unlimited (through the gate: for all its clients) */
	int retries = 2;           /* extra attempts for retry_safe requests */
	std::string user, password;
	std::string sslrootcert, sslcert, sslkey;
	/* The proxy to use ("http://host:port"); "" = none.  The proxy variables
	 * of the process environment (http_proxy, HTTPS_PROXY, ALL_PROXY,
	 * NO_PROXY) are never used. */
	std::string proxy;
	size_t max_response_size = size_t(64) << 20; /* bytes; larger bodies fail with TooLarge */
	int breaker_failures = 5;  /* consecutive failed calls that open the circuit breaker; 0 = off */
	long breaker_cooldown_ms = 30000;
};

class CancelToken {
public:
	virtual ~CancelToken() = default;
	/* Must not throw, block or longjmp (the PG side reads InterruptPending). */
	virtual bool Cancelled() const noexcept = 0;
};

struct HttpRequest {
	std::string method = "POST"; /* "GET" or "POST" */
	std::string path;            /* API path without the WebORCA prefix, e.g. "/api01rv2/patientlst2v2" */
	std::string query;           /* encoded, without '?', e.g. "class=01&format=json" */
	std::string body;
	std::string content_type;    /* e.g. "application/xml; charset=UTF-8" */
	bool retry_safe = true;      /* false for registrations: never resent */
	std::string label;           /* for messages: "POST /api01rv2/patientlst2v2" — never personal data */
	/* A scan batch: a scan's calls after its first kLookupCalls.  While any
	 * other call waits for a slot of the server, a batch lets it go first
	 * (gate.hpp, "Fairness").  Lookups and registrations leave it false. */
	bool bulk = false;
};

/* The calls a scan makes before its further calls count as scan batches: a
 * point lookup (patientgetv2, or patientlst2v2 and patientgetv2, hsptinfv2,
 * a few hsmealv2 months) is done within them. */
constexpr int kLookupCalls = 4;

/* One logical API call's consumer.  Called from HttpClient::Wait, never from
 * inside a libcurl callback. */
class Exchange {
public:
	virtual ~Exchange() = default;
	/* A new attempt starts (first try or retry): reset any parse state. */
	virtual void Begin() = 0;
	/* Body bytes of an HTTP 200 response, in order.  May throw Error. */
	virtual void OnBody(const char *data, size_t len) = 0;
	/* The 200 body is complete.  May throw Error (e.g. a failing Api_Result). */
	virtual void Finish() = 0;
	/* Rows the answer carried (for orca_fdw_stats), read after Finish. */
	virtual uint64_t RowCount() const noexcept { return 0; }
};

using Ticket = uint64_t;

class HttpClient;

/* A file descriptor that is readable when an HttpClient needs driving:
 * one of libcurl's sockets is ready, or a timer that HttpClient::ArmWait
 * set ran out (a retry's back-off, the gate's next try, libcurl's own
 * timeout, and at most kMaxWaitMs in any case, so a caller that waits on it
 * checks for cancel that often).  An epoll instance holding the sockets and
 * a timerfd: a caller's event loop (PostgreSQL's WaitEventSet in an async
 * Append) waits on this one descriptor.  Linux only; plain data otherwise
 * (no callback, no thread). */
class WaitFd {
public:
	static constexpr long kMaxWaitMs = 50;
	WaitFd(); /* throws Error when the descriptors cannot be created */
	~WaitFd();
	WaitFd(const WaitFd &) = delete;
	WaitFd &operator=(const WaitFd &) = delete;
	int Fd() const { return epoll_fd_; }

private:
	friend class HttpClient;
	int epoll_fd_ = -1;
	int timer_fd_ = -1;
	std::vector<int> watched_; /* sockets registered at the last ArmWait */
};

struct ClientCounters {
	uint64_t requests = 0; /* attempts sent (including retries) */
	uint64_t retries = 0;
	uint64_t bytes = 0;    /* body bytes received */
	double wait_ms = 0;    /* time spent refused by the gate (others' slots, the rate limiter) */
};

class HttpClient : public std::enable_shared_from_this<HttpClient> {
public:
	/* Without a gate the client gets one of its own (LocalGate); without a
	 * sink it keeps no per-API statistics. */
	explicit HttpClient(ServerConfig config, std::shared_ptr<Gate> gate = nullptr,
	                    std::shared_ptr<StatsSink> stats = nullptr);
	~HttpClient();
	HttpClient(const HttpClient &) = delete;
	HttpClient &operator=(const HttpClient &) = delete;

	const ServerConfig &Config() const;

	/* Queue a call; `exchange` must stay alive until the ticket completes or
	 * AbortAll() returns.  Throws Error(CircuitOpen) while the (shared)
	 * breaker is open. */
	Ticket Submit(HttpRequest request, Exchange *exchange);

	/* Drive all transfers until `ticket` has completed.  Throws the ticket's
	 * Error when it failed (after retries), Error(Cancelled) when `cancel`
	 * fired (all transfers are then aborted).  Other tickets progress too;
	 * their outcome is kept for their own Wait. */
	void Wait(Ticket ticket, const CancelToken &cancel);

	/* Like Wait, but leaves the outcome for a later Wait (which then returns
	 * at once): lets a caller react to whichever of several calls ends first. */
	void WaitDone(Ticket ticket, const CancelToken &cancel);

	/* True once the ticket has completed (successfully or not). */
	bool Done(Ticket ticket) const;

	/* Asynchronous use: one round without waiting — start what the gate
	 * allows, let transfers move, finish what ended (the outcomes wait for
	 * Wait).  Throws Error(Cancelled) when `cancel` fired (all transfers are
	 * then aborted) and like Wait when libcurl's multi interface fails. */
	void Progress(const CancelToken &cancel);
	/* Point `w` at what the client waits for now (its sockets and the time
	 * of its next timer), so that `w` turns readable when Progress has
	 * something to do.  Never throws. */
	void ArmWait(WaitFd &w) noexcept;

	/* Drop every queued and in-flight transfer (scan ended early, error). */
	void AbortAll() noexcept;

	/* Drop one ticket: remove its transfer if queued or in flight and forget
	 * its outcome; the Exchange is not touched afterwards.  Unknown or
	 * completed tickets are fine.  (Used when one scan of several sharing the
	 * client ends early, e.g. under LIMIT or a rescan.) */
	void Abandon(Ticket ticket) noexcept;

	const ClientCounters &Counters() const;
	const GateLimits &Limits() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace orca_fdw::core
