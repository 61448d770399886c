/*
 * gate.hpp — admission of requests to one ORCA server, shared by every client
 * that talks to it: the concurrency slots, the rate limiter, the fair order
 * of waiting requests and the circuit breaker.
 *
 * An HttpClient asks its Gate before every attempt it starts (a non-blocking
 * try from its drive loop, never a wait) and gives the slot back when the
 * transfer ends.  What "shared" means is up to the Gate:
 *   - LocalGate (here): one process; clients that join the same
 *     LocalGate::Shared share it, also across threads (unit tests).
 *   - src/pg/shared_gate.cpp: every backend of the PostgreSQL cluster, in
 *     shared memory (orca_fdw in shared_preload_libraries) or in lock files
 *     under $PGDATA/orca_fdw/limits (otherwise).
 * The policy — who may start now, when the breaker lets a trial through — is
 * the pure functions below over a plain GateState, so every mechanism
 * behaves the same and the policy is unit-tested without processes.
 *
 * Fairness.  Requests that cannot start wait in one line per server, ranked
 * first by class — a call that is not a scan batch (HttpRequest::bulk false:
 * a point lookup, the first calls of any scan, a registration) before every
 * scan batch — then by how long the client has been waiting.  A request may
 * start only while fewer clients rank before it than there are free slots, so
 * a free slot goes to a waiting lookup before any scan's next batch.  A client
 * that starts a request leaves the line and, if it wants more, joins again at
 * its end: scans take turns, a share per backend.  Entries not refreshed for
 * kWaiterStaleMs (a backend that died or stopped driving its requests) no
 * longer count.
 *
 * Times are std::chrono::steady_clock nanoseconds (CLOCK_MONOTONIC on Linux:
 * the same clock in every process of the machine).
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace orca_fdw::core {

/* What a finished call says about the server's health (circuit breaker). */
enum class Health {
	Neutral, /* cancelled, internal, broken body: no verdict */
	Alive,   /* the server answered (2xx/4xx, Api_Result): closes the breaker */
	Failing, /* connection errors, timeouts, HTTP 5xx: count towards opening it */
};

/* One server object's limits (its options).  Server objects naming the same
 * ORCA share one gate; each request is held to the limits of its own. */
struct GateLimits {
	int max_concurrent = 4;             /* slots: requests in flight at once */
	double max_requests_per_second = 0; /* 0 = unlimited */
	int breaker_failures = 5;           /* consecutive failed calls that open the breaker; 0 = off */
	long breaker_cooldown_ms = 30000;
};

/* Request starts are spaced by (1 s + kRateGuardMs) / max_requests_per_second:
 * a little under the ceiling (R/1.1 per second), so that delays between a
 * start and its arrival at ORCA (scheduling of the backends and of the
 * server, the network) of up to 100 ms cannot make one second at the server
 * see more than the ceiling. */
constexpr long kRateGuardMs = 100;
/* A client refused by the gate tries again at least this often. */
constexpr long kGatePollMs = 3;
/* A waiting client refreshes its place on every try; after this long without
 * one its place no longer counts. */
constexpr long kWaiterStaleMs = 150;
/* The breaker's trial call is held by its client while that client drives
 * it; a trial not refreshed for this long (client gone) may be taken over. */
constexpr long kTrialLeaseMs = 2000;
constexpr int kGateMaxWaiters = 64;
constexpr uint32_t kGateStateMagic = 0x4f524731; /* "ORG1" */

/* Who asks: the process and the client within it. */
struct GateWho {
	int32_t pid = 0;
	uint32_t member = 0;
};

struct GateWaiter {
	int32_t pid;      /* 0 = free entry */
	uint32_t member;
	int32_t lookup;   /* 1 = not a scan batch */
	int32_t pad_;
	int64_t since_ns; /* joined the line */
	int64_t seen_ns;  /* last try */
};

/* The shared state of one gate: plain data, valid in shared memory and in a
 * mapped file (zero-filled is "empty"). */
struct GateState {
	uint32_t magic;
	int32_t in_use;          /* slots taken (counted here by LocalGate and shared memory) */
	int32_t limit_seen;      /* the largest max_concurrent_requests that used the gate */
	int32_t failures;        /* consecutive failed calls */
	int64_t next_start_ns;   /* rate limiter: no start before this */
	int64_t open_until_ns;   /* breaker open until then; 0 = closed */
	int32_t trial_pid;       /* the breaker's trial call: its process, 0 = none */
	uint32_t trial_member;
	int64_t trial_seen_ns;
	uint64_t starts;         /* requests started through the gate */
	GateWaiter waiters[kGateMaxWaiters];
};

struct GateSnapshot {
	int in_use = 0;
	int waiting = 0;         /* clients waiting (fresh entries) */
	int lookups_waiting = 0;
	int backends_waiting = 0; /* distinct processes among them */
	int failures = 0;
	bool open = false;       /* refusing calls (cooling down) */
	bool half_open = false;  /* cool-down over: the next call is a trial */
	bool trial = false;      /* a trial call is in flight */
	long open_ms_left = 0;
	uint64_t starts = 0;
};

enum class BreakerVerdict { Closed, Trial, Open };

struct BreakerState {
	BreakerVerdict verdict = BreakerVerdict::Closed;
	int failures = 0;
	long open_ms_left = 0;       /* until the cool-down ends */
	bool trial_in_progress = false;
};

/* ---- the policy: pure functions over a GateState (the caller holds its lock) */

/* May `who` start a request now, given `free_slots` counted by the caller?
 * Joins or refreshes `who`'s place in the line.  On false, *retry_ns says
 * when to try again (kGatePollMs, or the rate limiter's next start). */
bool GateMayStart(GateState &s, GateWho who, bool lookup, int64_t now_ns, const GateLimits &limits, int free_slots,
                  int64_t *retry_ns);
/* The caller took a slot after GateMayStart said yes: leave the line, count
 * the start for the rate limiter. */
void GateCommitStart(GateState &s, GateWho who, int64_t now_ns, const GateLimits &limits);
void GateStopWaiting(GateState &s, GateWho who);
/* A process ends: its places in line and its trial call go. */
void GateForgetProcess(GateState &s, int32_t pid);
/* The breaker's verdict for a new call; Trial means `who` now holds the trial. */
BreakerState GateAdmit(GateState &s, GateWho who, int64_t now_ns, const GateLimits &limits);
void GateReport(GateState &s, GateWho who, int64_t now_ns, const GateLimits &limits, Health health, bool trial);
void GateKeepTrial(GateState &s, GateWho who, int64_t now_ns);
void GateDropTrial(GateState &s, GateWho who);
GateSnapshot GateSnap(const GateState &s, int64_t now_ns);
/* Request spacing of the rate limiter, in ns (0 = unlimited). */
int64_t GateInterval(const GateLimits &limits);

/* The identity of an ORCA server for sharing limits: scheme, host (lower
 * case) and port (explicit), and the path prefix, from a server's url.
 * "HTTP://Orca.Example:80/" and "http://orca.example" give the same key. */
std::string GateKey(const std::string &url);

int64_t GateNow();

/* A client of a gate in this process (HttpClient): while one client waits
 * for a slot, the gate lets it finish the transfers of the others that have
 * ended, so a client that is not being driven (e.g. the outer side of a join
 * while the inner side runs) cannot hold slots it no longer uses. */
class GateMember {
public:
	/* Take in what has arrived, without starting anything; never throws. */
	virtual void Reap() noexcept = 0;

protected:
	~GateMember() = default;
};

class Gate {
public:
	virtual ~Gate();
	Gate() = default;
	Gate(const Gate &) = delete;
	Gate &operator=(const Gate &) = delete;

	/* Take a slot for one request start, now or not at all (non-blocking,
	 * never throws).  True: *slot names it for Finish.  False: try again
	 * within *retry_ms. */
	virtual bool TryStart(uint32_t member, const GateLimits &limits, bool lookup, int *slot,
	                      long *retry_ms) noexcept = 0;
	virtual void Finish(int slot) noexcept = 0;
	/* The member no longer waits (nothing queued, or its own limit reached). */
	virtual void StopWaiting(uint32_t member) noexcept = 0;
	virtual BreakerState Admit(uint32_t member, const GateLimits &limits) noexcept = 0;
	virtual void Report(uint32_t member, const GateLimits &limits, Health health, bool trial) noexcept = 0;
	virtual void KeepTrial(uint32_t member) noexcept = 0;
	virtual void DropTrial(uint32_t member) noexcept = 0;
	virtual GateSnapshot Snapshot() noexcept = 0;
	/* "shared memory", "lock files", ... for the limits view */
	virtual const char *Mechanism() const noexcept = 0;

	/* Clients of this gate in this process (see GateMember). */
	uint32_t AddMember(GateMember *member);
	void RemoveMember(GateMember *member) noexcept;
	void ReapOthers(const GateMember *self) noexcept;

private:
	std::vector<GateMember *> members_;
	uint32_t next_member_ = 1;
};

/* A Gate over a GateState behind a lock; subclasses provide the storage,
 * the lock and the slots. */
class StateGate : public Gate {
public:
	bool TryStart(uint32_t member, const GateLimits &limits, bool lookup, int *slot, long *retry_ms) noexcept override;
	void StopWaiting(uint32_t member) noexcept override;
	BreakerState Admit(uint32_t member, const GateLimits &limits) noexcept override;
	void Report(uint32_t member, const GateLimits &limits, Health health, bool trial) noexcept override;
	void KeepTrial(uint32_t member) noexcept override;
	void DropTrial(uint32_t member) noexcept override;
	GateSnapshot Snapshot() noexcept override;

protected:
	/* `must`: the caller cannot try later (a report); may still fail (then
	 * the update is skipped).  Without `must`, failing at once is fine. */
	virtual bool Lock(bool must) noexcept = 0;
	virtual void Unlock() noexcept = 0;
	virtual GateState &State() noexcept = 0;
	virtual int32_t Pid() const noexcept = 0;
	/* Count free slots (at most `enough`), under the lock. */
	virtual int FreeSlots(int limit, int enough) noexcept = 0;
	/* Take a free slot, under the lock. */
	virtual bool TakeSlot(int limit, int *slot) noexcept = 0;
	/* In-use count for Snapshot, under the lock. */
	virtual int InUse() noexcept = 0;
};

/* The in-process gate: clients that Join the same Shared state share its
 * limits and breaker (thread-safe). */
class LocalGate final : public StateGate {
public:
	struct Shared {
		std::mutex mutex;
		GateState state{};
		int32_t next_id = 1;
	};
	static std::shared_ptr<Shared> MakeShared();
	/* A gate handle of its own (its own process identity) on `shared`. */
	static std::shared_ptr<Gate> Join(std::shared_ptr<Shared> shared);

	explicit LocalGate(std::shared_ptr<Shared> shared);
	void Finish(int slot) noexcept override;
	const char *Mechanism() const noexcept override { return "this process only"; }

protected:
	bool Lock(bool must) noexcept override;
	void Unlock() noexcept override;
	GateState &State() noexcept override { return shared_->state; }
	int32_t Pid() const noexcept override { return id_; }
	int FreeSlots(int limit, int enough) noexcept override;
	bool TakeSlot(int limit, int *slot) noexcept override;
	int InUse() noexcept override { return shared_->state.in_use; }

private:
	std::shared_ptr<Shared> shared_;
	int32_t id_;
};

/* ---- per-API call statistics (orca_fdw_stats) ----------------------------- */

struct ApiCallStats {
	uint64_t calls = 0;   /* API calls started (first attempts) */
	uint64_t errors = 0;  /* calls that ended in an error */
	uint64_t retries = 0; /* attempts after the first */
	uint64_t bytes = 0;   /* response body bytes received */
	uint64_t rows = 0;    /* rows the answers carried */
	double total_ms = 0;  /* time the attempts were in flight */

	void Add(const ApiCallStats &o)
	{
		calls += o.calls;
		errors += o.errors;
		retries += o.retries;
		bytes += o.bytes;
		rows += o.rows;
		total_ms += o.total_ms;
	}
};

class StatsSink {
public:
	virtual ~StatsSink() = default;
	/* `api`: the short API name ("patientgetv2").  Never throws or blocks. */
	virtual void Add(const std::string &api, const ApiCallStats &delta) noexcept = 0;
};

/* "/api01rv2/patientgetv2" -> "patientgetv2" */
std::string ApiShortName(const std::string &path);

} // namespace orca_fdw::core
