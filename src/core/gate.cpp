/*
 * gate.cpp — the gate policy, StateGate, LocalGate and GateKey (gate.hpp).
 */
#include "core/gate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kSecond = 1000 * kMs;

bool
SameWho(const GateWaiter &w, GateWho who)
{
	return w.pid == who.pid && w.member == who.member;
}

/* A waiter's rank: lookups first, then the longest waiting. */
bool
RanksBefore(const GateWaiter &a, const GateWaiter &b)
{
	if (a.lookup != b.lookup)
		return a.lookup > b.lookup;
	if (a.since_ns != b.since_ns)
		return a.since_ns < b.since_ns;
	if (a.pid != b.pid)
		return a.pid < b.pid;
	return a.member < b.member;
}

bool
Fresh(const GateWaiter &w, int64_t now)
{
	/* a stamp from the future is a state file older than the machine's
	 * uptime (the monotonic clock restarted): not fresh either */
	return w.pid != 0 && w.seen_ns >= now - kWaiterStaleMs * kMs && w.seen_ns <= now + kSecond;
}

void
Prune(GateState &s, int64_t now)
{
	for (GateWaiter &w : s.waiters)
		if (w.pid != 0 && !Fresh(w, now))
			w = GateWaiter{};
}

/* Times left in a state file by an earlier boot may lie far ahead. */
void
Sanitize(GateState &s, int64_t now, const GateLimits &limits)
{
	int64_t interval = GateInterval(limits);
	if (s.next_start_ns > now + interval + kSecond)
		s.next_start_ns = now;
	if (s.open_until_ns != 0 && s.open_until_ns > now + limits.breaker_cooldown_ms * kMs + kSecond)
		s.open_until_ns = now;
}

bool
TrialHeld(const GateState &s, int64_t now)
{
	return s.trial_pid != 0 && s.trial_seen_ns >= now - kTrialLeaseMs * kMs && s.trial_seen_ns <= now + kSecond;
}

bool
HoldsTrial(const GateState &s, GateWho who)
{
	return s.trial_pid == who.pid && s.trial_member == who.member;
}

void
ClearTrial(GateState &s)
{
	s.trial_pid = 0;
	s.trial_member = 0;
	s.trial_seen_ns = 0;
}

} // namespace

int64_t
GateNow()
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
	    .count();
}

int64_t
GateInterval(const GateLimits &limits)
{
	if (!(limits.max_requests_per_second > 0))
		return 0;
	double ns = double(kSecond + kRateGuardMs * kMs) / limits.max_requests_per_second;
	return ns >= 9e18 ? int64_t(9e18) : std::max<int64_t>(1, int64_t(std::ceil(ns)));
}

bool
GateMayStart(GateState &s, GateWho who, bool lookup, int64_t now, const GateLimits &limits, int free_slots,
             int64_t *retry_ns)
{
	Sanitize(s, now, limits);
	Prune(s, now);
	if (limits.max_concurrent > s.limit_seen)
		s.limit_seen = limits.max_concurrent;

	GateWaiter *mine = nullptr;
	GateWaiter *empty = nullptr;
	for (GateWaiter &w : s.waiters) {
		if (w.pid != 0 && SameWho(w, who))
			mine = &w;
		else if (w.pid == 0 && !empty)
			empty = &w;
	}
	if (!mine && empty) {
		mine = empty;
		*mine = GateWaiter{};
		mine->pid = who.pid;
		mine->member = who.member;
		mine->since_ns = now;
	}
	int ahead = 0;
	if (mine) {
		mine->seen_ns = now;
		mine->lookup = lookup ? 1 : 0; /* keeps its place when its class changes */
		for (const GateWaiter &w : s.waiters)
			if (w.pid != 0 && &w != mine && RanksBefore(w, *mine))
				ahead++;
	} else {
		/* the line is full: behind everyone in it */
		for (const GateWaiter &w : s.waiters)
			if (w.pid != 0)
				ahead++;
	}

	*retry_ns = kGatePollMs * kMs;
	if (free_slots <= ahead)
		return false;
	if (GateInterval(limits) > 0) {
		/* one start at a time: it belongs to the head of the line */
		if (ahead > 0)
			return false;
		if (now < s.next_start_ns) {
			*retry_ns = s.next_start_ns - now;
			return false;
		}
	}
	return true;
}

void
GateCommitStart(GateState &s, GateWho who, int64_t now, const GateLimits &limits)
{
	GateStopWaiting(s, who);
	int64_t interval = GateInterval(limits);
	if (interval > 0)
		s.next_start_ns = now + interval;
	s.starts++;
}

void
GateStopWaiting(GateState &s, GateWho who)
{
	for (GateWaiter &w : s.waiters)
		if (w.pid != 0 && SameWho(w, who))
			w = GateWaiter{};
}

void
GateForgetProcess(GateState &s, int32_t pid)
{
	for (GateWaiter &w : s.waiters)
		if (w.pid == pid)
			w = GateWaiter{};
	if (s.trial_pid == pid)
		ClearTrial(s);
}

BreakerState
GateAdmit(GateState &s, GateWho who, int64_t now, const GateLimits &limits)
{
	BreakerState b;
	Sanitize(s, now, limits);
	b.failures = s.failures;
	if (s.open_until_ns == 0)
		return b;
	if (now < s.open_until_ns) {
		b.verdict = BreakerVerdict::Open;
		b.open_ms_left = long((s.open_until_ns - now + kMs - 1) / kMs);
		b.trial_in_progress = TrialHeld(s, now);
		return b;
	}
	/* cool-down over: half-open, exactly one trial call in the cluster */
	if (TrialHeld(s, now)) {
		b.verdict = BreakerVerdict::Open;
		b.trial_in_progress = true;
		return b;
	}
	s.trial_pid = who.pid;
	s.trial_member = who.member;
	s.trial_seen_ns = now;
	b.verdict = BreakerVerdict::Trial;
	return b;
}

void
GateReport(GateState &s, GateWho who, int64_t now, const GateLimits &limits, Health health, bool trial)
{
	if (trial && HoldsTrial(s, who))
		ClearTrial(s);
	switch (health) {
	case Health::Neutral:
		break;
	case Health::Alive:
		/* the server answered: closed, whoever's call it was */
		s.failures = 0;
		s.open_until_ns = 0;
		ClearTrial(s);
		break;
	case Health::Failing:
		if (s.failures < INT32_MAX)
			s.failures++;
		if (limits.breaker_failures > 0 && s.failures >= limits.breaker_failures)
			s.open_until_ns = std::max<int64_t>(1, now + limits.breaker_cooldown_ms * kMs);
		break;
	}
}

void
GateKeepTrial(GateState &s, GateWho who, int64_t now)
{
	if (HoldsTrial(s, who))
		s.trial_seen_ns = now;
}

void
GateDropTrial(GateState &s, GateWho who)
{
	if (HoldsTrial(s, who))
		ClearTrial(s);
}

GateSnapshot
GateSnap(const GateState &s, int64_t now)
{
	GateSnapshot g;
	g.in_use = s.in_use;
	g.failures = s.failures;
	g.starts = s.starts;
	int32_t pids[kGateMaxWaiters];
	for (const GateWaiter &w : s.waiters) {
		if (!Fresh(w, now))
			continue;
		g.waiting++;
		if (w.lookup)
			g.lookups_waiting++;
		bool seen = false;
		for (int i = 0; i < g.backends_waiting; i++)
			seen = seen || pids[i] == w.pid;
		if (!seen)
			pids[g.backends_waiting++] = w.pid;
	}
	if (s.open_until_ns != 0) {
		if (now < s.open_until_ns) {
			g.open = true;
			g.open_ms_left = long((s.open_until_ns - now + kMs - 1) / kMs);
		} else {
			g.half_open = true;
		}
	}
	g.trial = TrialHeld(s, now);
	return g;
}

std::string
GateKey(const std::string &url)
{
	std::string scheme, rest;
	size_t colon = url.find("://");
	if (colon == std::string::npos) {
		rest = url;
	} else {
		scheme = url.substr(0, colon);
		rest = url.substr(colon + 3);
	}
	for (char &c : scheme)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	size_t slash = rest.find('/');
	std::string authority = rest.substr(0, slash);
	std::string path = slash == std::string::npos ? std::string() : rest.substr(slash);
	while (!path.empty() && path.back() == '/')
		path.pop_back();
	std::string host = authority, port;
	if (!authority.empty() && authority[0] == '[') {
		size_t close = authority.find(']');
		if (close != std::string::npos) {
			host = authority.substr(0, close + 1);
			if (close + 1 < authority.size() && authority[close + 1] == ':')
				port = authority.substr(close + 2);
		}
	} else {
		size_t c = authority.rfind(':');
		if (c != std::string::npos) {
			host = authority.substr(0, c);
			port = authority.substr(c + 1);
		}
	}
	for (char &c : host)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	while (port.size() > 1 && port[0] == '0')
		port.erase(0, 1);
	if (port.empty())
		port = scheme == "https" ? "443" : "80";
	return scheme + "://" + host + ":" + port + path;
}

std::string
ApiShortName(const std::string &path)
{
	size_t slash = path.rfind('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

/* ---- Gate: members ---------------------------------------------------------- */

Gate::~Gate() = default;

uint32_t
Gate::AddMember(GateMember *member)
{
	members_.push_back(member);
	return next_member_++;
}

void
Gate::RemoveMember(GateMember *member) noexcept
{
	members_.erase(std::remove(members_.begin(), members_.end(), member), members_.end());
}

void
Gate::ReapOthers(const GateMember *self) noexcept
{
	/* by index: a Reap may not add or remove members, but stay safe if it does */
	for (size_t i = 0; i < members_.size(); i++)
		if (members_[i] != self)
			members_[i]->Reap();
}

/* ---- StateGate ----------------------------------------------------------------- */

bool
StateGate::TryStart(uint32_t member, const GateLimits &limits, bool lookup, int *slot, long *retry_ms) noexcept
{
	*retry_ms = 1;
	if (!Lock(false))
		return false; /* another process is inside for a moment */
	GateState &s = State();
	GateWho who{Pid(), member};
	int64_t now = GateNow();
	int64_t retry_ns = 0;
	int limit = std::max(1, limits.max_concurrent);
	/* enough to decide: more free slots than places in the line */
	int free_slots = FreeSlots(limit, kGateMaxWaiters + 1);
	bool ok = GateMayStart(s, who, lookup, now, limits, free_slots, &retry_ns) && TakeSlot(limit, slot);
	if (ok)
		GateCommitStart(s, who, now, limits);
	Unlock();
	*retry_ms = std::max<long>(1, long((retry_ns + kMs - 1) / kMs));
	return ok;
}

void
StateGate::StopWaiting(uint32_t member) noexcept
{
	if (!Lock(true))
		return; /* the place goes stale by itself */
	GateStopWaiting(State(), GateWho{Pid(), member});
	Unlock();
}

BreakerState
StateGate::Admit(uint32_t member, const GateLimits &limits) noexcept
{
	BreakerState b;
	if (!Lock(true))
		return b; /* cannot see the shared breaker now: let the call go */
	b = GateAdmit(State(), GateWho{Pid(), member}, GateNow(), limits);
	Unlock();
	return b;
}

void
StateGate::Report(uint32_t member, const GateLimits &limits, Health health, bool trial) noexcept
{
	if (!Lock(true))
		return;
	GateReport(State(), GateWho{Pid(), member}, GateNow(), limits, health, trial);
	Unlock();
}

void
StateGate::KeepTrial(uint32_t member) noexcept
{
	if (!Lock(false))
		return;
	GateKeepTrial(State(), GateWho{Pid(), member}, GateNow());
	Unlock();
}

void
StateGate::DropTrial(uint32_t member) noexcept
{
	if (!Lock(true))
		return;
	GateDropTrial(State(), GateWho{Pid(), member});
	Unlock();
}

GateSnapshot
StateGate::Snapshot() noexcept
{
	GateSnapshot g;
	if (!Lock(true))
		return g;
	g = GateSnap(State(), GateNow());
	g.in_use = InUse();
	Unlock();
	return g;
}

/* ---- LocalGate ------------------------------------------------------------------ */

std::shared_ptr<LocalGate::Shared>
LocalGate::MakeShared()
{
	auto s = std::make_shared<Shared>();
	s->state.magic = kGateStateMagic;
	return s;
}

std::shared_ptr<Gate>
LocalGate::Join(std::shared_ptr<Shared> shared)
{
	return std::make_shared<LocalGate>(std::move(shared));
}

LocalGate::LocalGate(std::shared_ptr<Shared> shared) : shared_(std::move(shared))
{
	std::lock_guard<std::mutex> lock(shared_->mutex);
	id_ = shared_->next_id++;
}

bool
LocalGate::Lock(bool) noexcept
{
	shared_->mutex.lock(); /* std::mutex::lock only throws on a broken mutex */
	return true;
}

void
LocalGate::Unlock() noexcept
{
	shared_->mutex.unlock();
}

int
LocalGate::FreeSlots(int limit, int) noexcept
{
	return std::max(0, limit - shared_->state.in_use);
}

bool
LocalGate::TakeSlot(int limit, int *slot) noexcept
{
	if (shared_->state.in_use >= limit)
		return false;
	*slot = shared_->state.in_use++;
	return true;
}

void
LocalGate::Finish(int) noexcept
{
	std::lock_guard<std::mutex> lock(shared_->mutex);
	if (shared_->state.in_use > 0)
		shared_->state.in_use--;
}

} // namespace orca_fdw::core
