/*
 * http.cpp — HttpClient on libcurl's multi interface.
 *
 * Owns: the lazy curl_global_init, the RAII wrappers for CURL / CURLM /
 * curl_slist, the per-client pool of easy handles ("slots"), the queue of
 * calls (lookups before scan batches, otherwise FIFO), retries with back-off,
 * the client's side of the gate (a gate slot per running attempt, the
 * breaker's verdicts, per-API statistics) and the mapping of libcurl / HTTP
 * failures onto core::Error.  The limits and the breaker's state themselves
 * live in the Gate (gate.hpp), shared with the server's other clients.
 *
 * Threading: none.  Everything runs on the caller's thread; libcurl is driven
 * only from Wait() (curl_multi_perform + curl_multi_poll with <= 50 ms
 * timeouts).  libcurl callbacks are noexcept and only copy bytes into the
 * slot's buffer; the Exchange is called from the drive loop after
 * curl_multi_perform has returned, so an exception (or, on the PG side, an
 * ereport turned into an exception) never crosses libcurl frames.
 */
#include "core/http.hpp"

#include "core/version.hpp"

#include <curl/curl.h>

#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <cerrno>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

/* Upper bound of one curl_multi_poll: the cancel token is consulted at least
 * this often, so a query cancel is answered even while the server is silent. */
constexpr long kMaxPollMs = 50;
constexpr long kBackoffStartMs = 100;
constexpr long kBackoffCapMs = 2000;
/* Per-slot buffers above this size are released after a transfer so one huge
 * response does not pin memory for the rest of the backend's life. */
constexpr size_t kKeepBufferBytes = size_t(1) << 20;

std::once_flag curl_init_once;

/* curl_global_init is not something to call per client: do it once, lazily,
 * when the first HttpClient is built.  curl_global_cleanup is never called —
 * the backend process ends instead (other libraries may share libcurl). */
void EnsureCurlGlobalInit()
{
	std::call_once(curl_init_once, [] {
		CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
		if (rc != CURLE_OK)
			throw Error(ErrorKind::Internal, "could not initialize libcurl", curl_easy_strerror(rc));
	});
}

/* ---- move-only RAII wrappers -------------------------------------------- */

struct EasyDeleter {
	void operator()(CURL *easy) const noexcept { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
	void operator()(CURLM *multi) const noexcept { curl_multi_cleanup(multi); }
};
struct SlistDeleter {
	void operator()(curl_slist *list) const noexcept { curl_slist_free_all(list); }
};
/* std::unique_ptr is move-only, which is exactly the ownership we want. */
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;
using SlistHandle = std::unique_ptr<curl_slist, SlistDeleter>;

void SlistAppend(SlistHandle &list, const char *line)
{
	curl_slist *grown = curl_slist_append(list.get(), line);
	if (grown == nullptr)
		throw std::bad_alloc();
	(void) list.release(); /* curl_slist_append returns the same head */
	list.reset(grown);
}

long MillisUntil(Clock::time_point now, Clock::time_point then)
{
	if (then <= now)
		return 0;
	/* round up so we do not wake up just before the deadline and spin */
	auto us = std::chrono::duration_cast<std::chrono::microseconds>(then - now).count();
	return long((us + 999) / 1000);
}

bool IsTlsError(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

/* The "was it sent" fact of an attempt, from libcurl's counters — never from
 * message text: true when no request byte was written (header bytes counted
 * in CURLINFO_REQUEST_SIZE, body bytes in CURLINFO_SIZE_UPLOAD_T), or when an
 * https request's TLS handshake never finished (CURLINFO_APPCONNECT_TIME_T 0:
 * no request byte can have been written before it).  Through a proxy only the
 * byte counts are used (the CONNECT request is counted too: conservative). */
bool NothingSent(CURL *easy, bool https, bool proxied) noexcept
{
	long request_bytes = 0;
	curl_off_t upload_bytes = 0, appconnect_us = 0;
	if (curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_bytes) != CURLE_OK ||
	    curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &upload_bytes) != CURLE_OK)
		return false; /* no facts: may have been sent */
	if (request_bytes == 0 && upload_bytes == 0)
		return true;
	if (https && !proxied && curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &appconnect_us) == CURLE_OK &&
	    appconnect_us == 0)
		return true;
	return false;
}

/* ---- per-call and per-transfer state ------------------------------------ */
/* (in the anonymous namespace: other core files may have a Call or a Slot) */

struct Call;

/* One reusable easy handle and the buffers of the attempt running on it. */
struct Slot {
	EasyHandle easy;
	char errbuf[CURL_ERROR_SIZE];
	std::string pending;    /* 200-body bytes not yet handed to the Exchange */
	size_t received = 0;    /* body bytes of this attempt (any status) */
	size_t limit = 0;       /* max_response_size */
	long status = 0;        /* last status line seen by the header callback */
	bool too_large = false; /* the write callback refused the body */
	bool out_of_memory = false;
	bool begun = false;     /* Exchange::Begin called for this attempt */
	Call *call = nullptr;
	int gate_slot = -1;     /* the gate slot this attempt holds */
	Clock::time_point started;

	void ResetAttempt() noexcept
	{
		errbuf[0] = '\0';
		pending.clear();
		if (pending.capacity() > kKeepBufferBytes)
			std::string().swap(pending);
		received = 0;
		status = 0;
		too_large = false;
		out_of_memory = false;
		begun = false;
		call = nullptr;
	}
};

struct Call {
	Ticket ticket = 0;
	HttpRequest request;
	std::string url;
	SlistHandle headers;
	Exchange *exchange = nullptr;
	int attempts = 0;             /* attempts started */
	bool trial = false;           /* the breaker's half-open trial call */
	bool done = false;
	std::exception_ptr error;     /* set when the call failed */
	Clock::time_point not_before; /* back-off: no new attempt before this */
	Slot *slot = nullptr;         /* while an attempt runs */
	std::string api;              /* short API name, for the statistics */
	ApiCallStats stats;           /* this call's share, handed to the sink once */
	bool stats_sent = false;
};

} // namespace

struct HttpClient::Impl final : GateMember {
	ServerConfig config;
	GateLimits limits;
	ClientCounters counters;
	std::shared_ptr<Gate> gate;       /* slots, rate, fairness, breaker */
	std::shared_ptr<StatsSink> stats; /* may be null */
	uint32_t member = 0;              /* this client's identity at the gate */

	/* Declaration order matters for destruction, but ~Impl does it explicitly:
	 * remove easies from the multi, clean up the multi, then the easies. */
	std::vector<std::unique_ptr<Slot>> slots;
	std::vector<Slot *> free_slots;
	MultiHandle multi;

	std::unordered_map<Ticket, std::unique_ptr<Call>> calls;
	std::deque<Call *> queue;   /* FIFO of calls waiting for a slot */
	std::vector<Call *> backoff; /* calls sleeping before a retry */
	Ticket next_ticket = 1;
	size_t running = 0;
	bool driving = false;          /* inside Wait: Exchange callbacks may run */
	bool abort_requested = false;  /* AbortAll called from an Exchange */

	/* the gate refused the queue's next call: try again by gate_retry */
	bool gate_waiting = false;
	Clock::time_point gate_retry;
	Clock::time_point gate_waiting_since;
	int trials = 0; /* calls of this client that are the breaker's trial */

	std::minstd_rand jitter_rng;

	Impl(ServerConfig cfg, std::shared_ptr<Gate> g, std::shared_ptr<StatsSink> sink);
	~Impl();

	void Validate() const;
	Ticket Submit(HttpRequest request, Exchange *exchange);
	void Wait(Ticket ticket, const CancelToken &cancel, bool consume = true);
	void AbortAll() noexcept;   /* public entry: deferred while Wait drives */
	void AbortNow() noexcept;
	void Reap() noexcept override;

	void StartReady(Clock::time_point now);
	void StopGateWait(Clock::time_point now) noexcept;
	void StartAttempt(Call *call, int gate_slot);
	void DriveOnce();
	void Configure(Slot &slot, Call &call);
	void Deliver(Slot &slot);
	void ProcessMessages();
	void FinishTransfer(Slot &slot, CURLcode rc);
	void AbortTransfer(Slot &slot) noexcept;
	void ReleaseSlot(Slot &slot) noexcept;
	void EndAttempt(Slot &slot) noexcept;
	void Failed(Call &call, std::exception_ptr error, bool retryable, Health health);
	void Complete(Call &call, std::exception_ptr error, Health health);
	void NoteHealth(Call &call, Health health);
	void DropCall(Call &call) noexcept;
	void SendStats(Call &call) noexcept;
	long PollTimeout(Clock::time_point now) const;
	Error TransportError(const Slot &slot, CURLcode rc, bool &retryable, Health &health) const;
	Error StatusError(const Call &call, long status) const;

	static size_t WriteCallback(char *data, size_t size, size_t nmemb, void *userp) noexcept;
	static size_t HeaderCallback(char *data, size_t size, size_t nitems, void *userp) noexcept;
};

/* ---- libcurl callbacks: noexcept, no blocking, no calls out ------------- */

size_t HttpClient::Impl::WriteCallback(char *data, size_t size, size_t nmemb, void *userp) noexcept
{
	Slot *slot = static_cast<Slot *>(userp);
	size_t len = size * nmemb;
	/* Enforced on every status: a huge error page is refused too.  Returning a
	 * short count makes libcurl abort the transfer with CURLE_WRITE_ERROR. */
	if (len > slot->limit - slot->received) {
		slot->too_large = true;
		return 0;
	}
	slot->received += len;
	/* Only a 200 body is ever given to the Exchange; others are discarded. */
	if (slot->status == 200) {
		try {
			slot->pending.append(data, len);
		} catch (...) {
			slot->out_of_memory = true;
			return 0;
		}
	}
	return len;
}

size_t HttpClient::Impl::HeaderCallback(char *data, size_t size, size_t nitems, void *userp) noexcept
{
	Slot *slot = static_cast<Slot *>(userp);
	size_t len = size * nitems;
	/* "HTTP/1.1 200 OK\r\n": every status line (1xx included) replaces the
	 * previous one, so the last one — the final response — wins. */
	if (len >= 12 && std::memcmp(data, "HTTP/", 5) == 0) {
		size_t i = 5;
		while (i < len && data[i] != ' ')
			i++;
		while (i < len && data[i] == ' ')
			i++;
		long code = 0;
		int digits = 0;
		while (i < len && digits < 3 && data[i] >= '0' && data[i] <= '9') {
			code = code * 10 + (data[i] - '0');
			i++;
			digits++;
		}
		slot->status = digits == 3 ? code : 0;
	}
	return len;
}

/* ---- construction / destruction ----------------------------------------- */

HttpClient::Impl::Impl(ServerConfig cfg, std::shared_ptr<Gate> g, std::shared_ptr<StatsSink> sink)
	: config(std::move(cfg)), gate(std::move(g)), stats(std::move(sink))
{
	Validate();
	limits.max_concurrent = config.max_concurrent;
	limits.max_requests_per_second = config.max_requests_per_second;
	limits.breaker_failures = config.breaker_failures;
	limits.breaker_cooldown_ms = config.breaker_cooldown_ms;
	if (!gate)
		gate = LocalGate::Join(LocalGate::MakeShared());
	EnsureCurlGlobalInit();
	multi.reset(curl_multi_init());
	if (!multi)
		throw Error(ErrorKind::Internal, "could not create a libcurl multi handle");
	long limit = config.max_concurrent;
	/* Never more connections to the clinic's server than transfers we allow,
	 * and no more idle ones kept than that either. */
	curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, limit);
	curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, limit);
	curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, limit);
	curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING, long(CURLPIPE_NOTHING));
	/* At most max_concurrent slots ever exist; reserving lets ReleaseSlot (used
	 * by the noexcept AbortAll) push without allocating. */
	slots.reserve(size_t(config.max_concurrent));
	free_slots.reserve(size_t(config.max_concurrent));
	jitter_rng.seed(static_cast<unsigned>(Clock::now().time_since_epoch().count() ^
	                                      reinterpret_cast<uintptr_t>(this)));
	member = gate->AddMember(this); /* last: nothing after it can throw */
}

HttpClient::Impl::~Impl()
{
	AbortNow();              /* removes every easy handle from the multi, gives back gate slots */
	gate->RemoveMember(this);
	multi.reset();           /* curl_multi_cleanup: closes cached connections */
	free_slots.clear();
	slots.clear();           /* curl_easy_cleanup of each easy */
}

void HttpClient::Impl::Validate() const
{
	auto bad = [](const char *option, const std::string &why) {
		return Error(ErrorKind::InvalidOption, std::string("invalid value for option ") + option, why);
	};
	const std::string &url = config.base_url;
	if (url.compare(0, 7, "http://") != 0 && url.compare(0, 8, "https://") != 0)
		throw bad("base_url", "The URL must start with http:// or https://.");
	if (config.max_concurrent < 1)
		throw bad("max_concurrent", "It must be at least 1.");
	if (config.connect_timeout_ms <= 0)
		throw bad("connect_timeout", "It must be greater than zero.");
	if (config.request_timeout_ms <= 0)
		throw bad("request_timeout", "It must be greater than zero.");
	if (!(config.max_requests_per_second >= 0) || std::isinf(config.max_requests_per_second))
		throw bad("max_requests_per_second", "It must be zero (unlimited) or a positive number.");
	if (config.retries < 0)
		throw bad("retries", "It must not be negative.");
	if (config.max_response_size == 0)
		throw bad("max_response_size", "It must be greater than zero.");
	if (config.breaker_failures < 0 || config.breaker_cooldown_ms < 0)
		throw bad("breaker_failures", "The circuit breaker settings must not be negative.");
}

/* ---- Submit -------------------------------------------------------------- */

Ticket HttpClient::Impl::Submit(HttpRequest request, Exchange *exchange)
{
	if (exchange == nullptr)
		throw Error(ErrorKind::Internal, "HTTP request without an exchange");
	if (request.method != "GET" && request.method != "POST")
		throw Error(ErrorKind::Internal, "unsupported HTTP method", "Method \"" + request.method + "\".");
	/* Messages quote the label: never an unbounded one (query arguments are values). */
	if (request.label.size() > 120) {
		size_t cut = 120;
		while (cut > 0 && (static_cast<unsigned char>(request.label[cut]) & 0xC0) == 0x80)
			cut--;
		request.label.resize(cut);
		request.label += "…";
	}
	/* Path and query must arrive encoded; a raw control character or space
	 * (CR/LF above all: header injection) is a bug of the caller. */
	auto clean = [](const std::string &text) {
		return std::none_of(text.begin(), text.end(),
		                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
	};
	if (!clean(request.path) || !clean(request.query) ||
	    request.content_type.find_first_of("\r\n") != std::string::npos)
		throw Error(ErrorKind::Internal, "HTTP request contains unencoded characters",
		            "Request " + request.label + ".");

	auto call = std::make_unique<Call>();
	call->ticket = next_ticket++;
	call->exchange = exchange;
	call->api = ApiShortName(request.path);
	call->url = config.base_url;
	if (config.weborca)
		call->url += "/api";
	call->url += request.path;
	if (!request.query.empty()) {
		call->url += '?';
		call->url += request.query;
	}
	/* ORCA servers do not answer "Expect: 100-continue": never send it. */
	SlistAppend(call->headers, "Expect:");
	if (!request.content_type.empty())
		SlistAppend(call->headers, ("Content-Type: " + request.content_type).c_str());
	call->request = std::move(request);

	/* The breaker is the gate's, shared with every client of this server:
	 * asked last, so that nothing can fail once a trial is taken. */
	if (config.breaker_failures > 0) {
		BreakerState b = gate->Admit(member, limits);
		if (b.verdict == BreakerVerdict::Open) {
			long wait_s = std::max(1L, (b.open_ms_left + 999) / 1000);
			throw Error(ErrorKind::CircuitOpen, "circuit breaker is open for ORCA server",
			            std::to_string(b.failures) +
			                " consecutive calls failed with connection errors, timeouts or HTTP 5xx; calls "
			                "are refused for " + std::to_string(config.breaker_cooldown_ms) +
			                " ms after the last failure" +
			                (b.trial_in_progress ? ", and a trial call is in progress." : ".") +
			                "  The breaker is shared by every session that calls this ORCA server.",
			            "Wait " + std::to_string(wait_s) +
			                " seconds or check the ORCA server; the breaker closes after a successful call.");
		}
		/* Cool-down over: half-open, this call is the one trial of the cluster. */
		if (b.verdict == BreakerVerdict::Trial) {
			call->trial = true;
			trials++;
		}
	}

	Call *raw = call.get();
	bool queued = false;
	try {
		queue.push_back(raw);
		queued = true;
		calls.emplace(raw->ticket, std::move(call));
	} catch (...) {
		if (queued)
			queue.pop_back();
		if (raw->trial) {
			trials--;
			gate->DropTrial(member);
		}
		throw;
	}
	return raw->ticket;
}

/* ---- starting attempts --------------------------------------------------- */

void HttpClient::Impl::StartReady(Clock::time_point now)
{
	/* Back-off elapsed: retries go to the front of the queue (they were
	 * submitted before anything still queued), oldest ticket first. */
	if (!backoff.empty()) {
		std::vector<Call *> ready;
		for (auto it = backoff.begin(); it != backoff.end();) {
			if ((*it)->not_before <= now) {
				ready.push_back(*it);
				it = backoff.erase(it);
			} else {
				++it;
			}
		}
		std::sort(ready.begin(), ready.end(), [](Call *a, Call *b) { return a->ticket > b->ticket; });
		for (Call *c : ready)
			queue.push_front(c);
	}

	while (!queue.empty() && running < size_t(config.max_concurrent)) {
		/* lookups and registrations before scan batches, otherwise FIFO */
		auto pick = std::find_if(queue.begin(), queue.end(), [](const Call *c) { return !c->request.bulk; });
		if (pick == queue.end())
			pick = queue.begin();
		Call *call = *pick;
		int gate_slot = -1;
		long retry_ms = kGatePollMs;
		if (!gate->TryStart(member, limits, !call->request.bulk, &gate_slot, &retry_ms)) {
			/* others hold the slots, rank before us, or the rate limiter
			 * says not yet: the drive loop tries again by gate_retry */
			if (!gate_waiting) {
				gate_waiting = true;
				gate_waiting_since = now;
			}
			gate_retry = Clock::now() + Millis(retry_ms);
			return;
		}
		if (gate_waiting) {
			/* granted: the gate took us out of its line */
			gate_waiting = false;
			counters.wait_ms += std::chrono::duration<double, std::milli>(Clock::now() - gate_waiting_since).count();
		}
		queue.erase(pick);
		try {
			StartAttempt(call, gate_slot);
		} catch (Error &e) {
			gate->Finish(gate_slot);
			e.nothing_sent = true; /* the transfer never started */
			Complete(*call, std::make_exception_ptr(e), Health::Neutral);
		} catch (...) {
			gate->Finish(gate_slot);
			Complete(*call, std::current_exception(), Health::Neutral);
		}
		now = Clock::now();
	}
	/* nothing queued, or our own max_concurrent reached: not waiting at the
	 * gate, so our place must not hold back other clients */
	StopGateWait(now);
}

void HttpClient::Impl::StopGateWait(Clock::time_point now) noexcept
{
	if (!gate_waiting)
		return;
	gate_waiting = false;
	counters.wait_ms += std::chrono::duration<double, std::milli>(now - gate_waiting_since).count();
	gate->StopWaiting(member);
}

void HttpClient::Impl::StartAttempt(Call *call, int gate_slot)
{
	Slot *slot;
	if (!free_slots.empty()) {
		slot = free_slots.back();
		free_slots.pop_back();
	} else {
		auto fresh = std::make_unique<Slot>();
		fresh->easy.reset(curl_easy_init());
		if (!fresh->easy)
			throw Error(ErrorKind::Internal, "could not create a libcurl easy handle");
		fresh->errbuf[0] = '\0';
		slots.push_back(std::move(fresh));
		slot = slots.back().get();
	}
	slot->ResetAttempt();
	slot->call = call;
	try {
		Configure(*slot, *call);
		CURLMcode mc = curl_multi_add_handle(multi.get(), slot->easy.get());
		if (mc != CURLM_OK)
			throw Error(ErrorKind::Internal, "could not start an HTTP transfer", curl_multi_strerror(mc));
	} catch (...) {
		slot->ResetAttempt();
		free_slots.push_back(slot);
		throw;
	}
	call->slot = slot;
	slot->gate_slot = gate_slot;
	slot->started = Clock::now();
	if (call->attempts == 0)
		call->stats.calls++;
	else
		call->stats.retries++;
	call->attempts++;
	running++;
	counters.requests++;
}

void HttpClient::Impl::Configure(Slot &slot, Call &call)
{
	CURL *easy = slot.easy.get();
	/* Reset drops every option of the previous transfer (e.g. POSTFIELDS) but
	 * keeps the handle; connections live in the multi's cache, so keep-alive
	 * works across calls and queries. */
	curl_easy_reset(easy);
	CURLcode first = CURLE_OK;
	const char *failed_option = nullptr;
	auto set = [&](const char *name, CURLcode rc) {
		if (rc != CURLE_OK && first == CURLE_OK) {
			first = rc;
			failed_option = name;
		}
	};
	const HttpRequest &req = call.request;
	set("ERRORBUFFER", curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot.errbuf));
	set("URL", curl_easy_setopt(easy, CURLOPT_URL, call.url.c_str()));
	/* Only http and https, also for redirects — and redirects are not followed. */
	set("PROTOCOLS_STR", curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
	set("REDIR_PROTOCOLS_STR", curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
	set("FOLLOWLOCATION", curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
	/* A PostgreSQL backend owns its signals: libcurl must never touch them. */
	set("NOSIGNAL", curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
	/* Safety: without this, removing a transfer that is still resolving the
	 * host name (cancel, AbortAll, connect timeout) makes libcurl 7.88 join
	 * the resolver thread, blocking the backend for as long as getaddrinfo
	 * hangs.  With it the thread is detached and frees its own state. */
	set("QUICK_EXIT", curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L));
	/* ORCA speaks HTTP/1.1; pinning it keeps the resend rules below simple. */
	set("HTTP_VERSION", curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1)));
	set("USERAGENT", curl_easy_setopt(easy, CURLOPT_USERAGENT, kUserAgent));
	set("CONNECTTIMEOUT_MS", curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, config.connect_timeout_ms));
	set("TIMEOUT_MS", curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, config.request_timeout_ms));
	set("HTTPHEADER", curl_easy_setopt(easy, CURLOPT_HTTPHEADER, call.headers.get()));
	set("WRITEFUNCTION", curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::WriteCallback));
	set("WRITEDATA", curl_easy_setopt(easy, CURLOPT_WRITEDATA, static_cast<void *>(&slot)));
	set("HEADERFUNCTION", curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::HeaderCallback));
	set("HEADERDATA", curl_easy_setopt(easy, CURLOPT_HEADERDATA, static_cast<void *>(&slot)));
	set("PRIVATE", curl_easy_setopt(easy, CURLOPT_PRIVATE, static_cast<void *>(&slot)));
	/* Refuse early when Content-Length already announces too much. */
	set("MAXFILESIZE_LARGE",
	    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
	                     curl_off_t(std::min<uint64_t>(config.max_response_size, uint64_t(INT64_MAX)))));
	slot.limit = config.max_response_size;

	if (req.method == "POST") {
		set("POST", curl_easy_setopt(easy, CURLOPT_POST, 1L));
		set("POSTFIELDSIZE_LARGE",
		    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(req.body.size())));
		/* the Call owns the body and outlives the transfer: no copy needed */
		set("POSTFIELDS", curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req.body.data()));
	} else {
		set("HTTPGET", curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L));
	}

	if (!config.user.empty()) {
		/* BASIC only, sent with the first request.  Auth negotiation (ANY) would
		 * send a request, get 401 and send it again — a resend we never allow. */
		set("HTTPAUTH", curl_easy_setopt(easy, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC)));
		set("USERNAME", curl_easy_setopt(easy, CURLOPT_USERNAME, config.user.c_str()));
		set("PASSWORD", curl_easy_setopt(easy, CURLOPT_PASSWORD, config.password.c_str()));
	}

	/* Safety: libcurl reads http_proxy, HTTPS_PROXY, ALL_PROXY and NO_PROXY
	 * from the environment unless told otherwise; the postmaster's environment
	 * must not silently route patient data elsewhere.  "" disables proxies;
	 * only the server option proxy sets one, and NO_PROXY "" keeps the
	 * environment's exceptions out of it as well. */
	set("PROXY", curl_easy_setopt(easy, CURLOPT_PROXY, config.proxy.c_str()));
	set("NOPROXY", curl_easy_setopt(easy, CURLOPT_NOPROXY, ""));

	set("SSL_VERIFYPEER", curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L));
	set("SSL_VERIFYHOST", curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L));
	if (!config.sslrootcert.empty())
		set("CAINFO", curl_easy_setopt(easy, CURLOPT_CAINFO, config.sslrootcert.c_str()));
	if (!config.sslcert.empty())
		set("SSLCERT", curl_easy_setopt(easy, CURLOPT_SSLCERT, config.sslcert.c_str()));
	if (!config.sslkey.empty())
		set("SSLKEY", curl_easy_setopt(easy, CURLOPT_SSLKEY, config.sslkey.c_str()));

	if (!req.retry_safe) {
		/* Safety: libcurl silently resends a request once when a reused
		 * keep-alive connection turns out dead before any answer.  The server
		 * may already have executed a registration, so requests that must not
		 * be sent twice always get a fresh connection (no hidden resend). */
		set("FRESH_CONNECT", curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L));
	}

	if (first != CURLE_OK)
		throw Error(ErrorKind::Internal, "could not configure libcurl",
		            std::string("Option CURLOPT_") + failed_option + ": " + curl_easy_strerror(first) + ".");
}

/* ---- the drive loop ------------------------------------------------------ */

/* Hand a 200 body's buffered bytes to the Exchange (outside libcurl). */
void HttpClient::Impl::Deliver(Slot &slot)
{
	if (slot.pending.empty())
		return;
	Call &call = *slot.call;
	if (!slot.begun) {
		slot.begun = true;
		call.exchange->Begin();
	}
	call.exchange->OnBody(slot.pending.data(), slot.pending.size());
	counters.bytes += slot.pending.size();
	slot.pending.clear();
}

void HttpClient::Impl::ProcessMessages()
{
	int left = 0;
	while (CURLMsg *msg = curl_multi_info_read(multi.get(), &left)) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		void *priv = nullptr;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		CURLcode rc = msg->data.result; /* read before the message is invalidated */
		Slot *slot = static_cast<Slot *>(priv);
		if (slot != nullptr && slot->call != nullptr)
			FinishTransfer(*slot, rc);
	}
}

void HttpClient::Impl::FinishTransfer(Slot &slot, CURLcode rc)
{
	Call &call = *slot.call;
	curl_multi_remove_handle(multi.get(), slot.easy.get());
	running--;
	EndAttempt(slot);

	long status = 0;
	curl_easy_getinfo(slot.easy.get(), CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && status == 200) {
		try {
			Deliver(slot);
			if (!slot.begun) {
				slot.begun = true;
				call.exchange->Begin();
			}
			call.exchange->Finish();
			call.stats.rows += call.exchange->RowCount();
		} catch (const Error &e) {
			ReleaseSlot(slot);
			/* ApiResult & co. came from a server that answered */
			bool retryable = e.kind == ErrorKind::Protocol;
			Failed(call, std::current_exception(), retryable,
			       e.kind == ErrorKind::Protocol ? Health::Neutral : Health::Alive);
			return;
		} catch (...) {
			ReleaseSlot(slot);
			Failed(call, std::current_exception(), false, Health::Neutral);
			return;
		}
		ReleaseSlot(slot);
		Complete(call, nullptr, Health::Alive);
		return;
	}

	bool retryable = false;
	Health health = Health::Neutral;
	std::exception_ptr error;
	try {
		if (rc == CURLE_OK) {
			health = status >= 500 && status <= 599 ? Health::Failing : Health::Alive;
			retryable = status == 500 || status == 502 || status == 503 || status == 504;
			error = std::make_exception_ptr(StatusError(call, status));
		} else if (rc == CURLE_WRITE_ERROR && slot.out_of_memory) {
			error = std::make_exception_ptr(std::bad_alloc());
		} else {
			Error e = TransportError(slot, rc, retryable, health);
			e.nothing_sent = NothingSent(slot.easy.get(), call.url.rfind("https://", 0) == 0, !config.proxy.empty());
			error = std::make_exception_ptr(std::move(e));
		}
	} catch (...) {
		retryable = false;
		health = Health::Neutral;
		error = std::current_exception();
	}
	ReleaseSlot(slot);
	Failed(call, error, retryable, health);
}

Error HttpClient::Impl::StatusError(const Call &call, long status) const
{
	const std::string &label = call.request.label;
	std::string detail = "HTTP " + std::to_string(status) + " for " + label + ".";
	switch (status) {
	case 401:
		return Error(ErrorKind::Auth, "ORCA server rejected the credentials", detail,
		             "Check the user and password options of the user mapping for this server.");
	case 404:
		return Error(ErrorKind::NotFound, "ORCA API path not found", detail,
		             "If the server is WebORCA, set the server option weborca 'true'; if it is classic "
		             "ORCA, set it to 'false'.  ORCA also answers 404 when the user of the user mapping "
		             "is not registered as an operator.");
	default:
		return Error(ErrorKind::Http, "ORCA server returned HTTP " + std::to_string(status), detail);
	}
}

Error HttpClient::Impl::TransportError(const Slot &slot, CURLcode rc, bool &retryable, Health &health) const
{
	const std::string &label = slot.call->request.label;
	std::string curl_text = slot.errbuf[0] != '\0' ? std::string(slot.errbuf) : curl_easy_strerror(rc);
	while (!curl_text.empty() && (curl_text.back() == '\n' || curl_text.back() == '.'))
		curl_text.pop_back();

	if ((rc == CURLE_WRITE_ERROR && slot.too_large) || rc == CURLE_FILESIZE_EXCEEDED) {
		retryable = false;
		health = Health::Alive;
		return Error(ErrorKind::TooLarge, "ORCA response exceeds max_response_size",
		             "The response to " + label + " is larger than max_response_size (" +
		                 std::to_string(config.max_response_size) + " bytes).",
		             "Raise the server option max_response_size, or narrow the query.");
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		retryable = true;
		health = Health::Failing;
		/* libcurl applies connect_timeout only until the connection is up and
		 * request_timeout to the whole transfer: when the whole budget is not
		 * used up, it was the connect phase. */
		curl_off_t total_us = 0;
		curl_easy_getinfo(slot.easy.get(), CURLINFO_TOTAL_TIME_T, &total_us);
		bool whole = total_us / 1000 + 20 >= config.request_timeout_ms ||
		             config.connect_timeout_ms >= config.request_timeout_ms;
		const char *option = whole ? "request_timeout" : "connect_timeout";
		long value = whole ? config.request_timeout_ms : config.connect_timeout_ms;
		return Error(ErrorKind::Timeout, "ORCA request timed out",
		             std::string("The ") + option + " of " + std::to_string(value) + " ms elapsed for " +
		                 label + " (" + curl_text + ").",
		             std::string("Raise the server option ") + option + ", or check the ORCA server's load.");
	}
	if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
		retryable = false;
		health = Health::Neutral;
		return Error(ErrorKind::InvalidOption, "invalid ORCA server URL",
		             curl_text + " (" + label + ").", "Check the server option url.");
	}
	bool response_started = slot.status != 0 || slot.received > 0;
	if (rc == CURLE_PARTIAL_FILE || (rc == CURLE_RECV_ERROR && response_started)) {
		retryable = true;
		health = Health::Neutral; /* the server did answer: not a breaker failure */
		return Error(ErrorKind::Protocol, "ORCA response was truncated",
		             "The connection closed after " + std::to_string(slot.received) + " body bytes of " +
		                 label + " (" + curl_text + ").");
	}
	/* With TLS 1.3 a server that refuses the client certificate says so only
	 * after the handshake, on the first read or write: libcurl then reports a
	 * send or receive error, not a TLS one. */
	if ((rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR) && !response_started &&
	    slot.call->url.rfind("https://", 0) == 0) {
		retryable = true;
		health = Health::Failing;
		return Error(ErrorKind::Connection, "could not connect to ORCA server",
		             "TLS error: the server closed the TLS session before answering: " + curl_text + " (" + label +
		                 ").",
		             "If the server requires a client certificate, check the server options sslcert and sslkey; "
		             "otherwise check sslrootcert and the server's TLS settings.");
	}
	if (rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR) {
		retryable = true;
		health = Health::Failing;
		return Error(ErrorKind::Connection, "ORCA server closed the connection without an answer",
		             curl_text + " (" + label + ").");
	}
	if (rc == CURLE_WEIRD_SERVER_REPLY) {
		retryable = true;
		health = Health::Neutral;
		return Error(ErrorKind::Protocol, "ORCA server sent a malformed HTTP response",
		             curl_text + " (" + label + ").");
	}
	retryable = true;
	health = Health::Failing;
	if (IsTlsError(rc))
		return Error(ErrorKind::Connection, "could not connect to ORCA server",
		             "TLS error: " + curl_text + " (" + label + ").",
		             "Check the server options sslrootcert, sslcert and sslkey, and whether url "
		             "should use http or https.");
	return Error(ErrorKind::Connection, "could not connect to ORCA server", curl_text + " (" + label + ").");
}

void HttpClient::Impl::ReleaseSlot(Slot &slot) noexcept
{
	if (slot.gate_slot >= 0) {
		gate->Finish(slot.gate_slot);
		slot.gate_slot = -1;
	}
	if (slot.call != nullptr)
		slot.call->slot = nullptr;
	slot.ResetAttempt();
	free_slots.push_back(&slot); /* never throws: capacity reserved in Impl() */
}

/* Stop a running attempt (Exchange failure, abort): the connection is closed
 * by libcurl since the response was not read to its end. */
void HttpClient::Impl::AbortTransfer(Slot &slot) noexcept
{
	curl_multi_remove_handle(multi.get(), slot.easy.get());
	running--;
	EndAttempt(slot);
	ReleaseSlot(slot);
}

/* An attempt's share of the statistics: bytes received and time in flight. */
void HttpClient::Impl::EndAttempt(Slot &slot) noexcept
{
	if (slot.call == nullptr)
		return;
	slot.call->stats.bytes += slot.received;
	slot.call->stats.total_ms += std::chrono::duration<double, std::milli>(Clock::now() - slot.started).count();
}

void HttpClient::Impl::Failed(Call &call, std::exception_ptr error, bool retryable, Health health)
{
	/* Safety: retry_safe == false is never sent twice, whatever happened. */
	if (retryable && call.request.retry_safe && call.attempts <= config.retries) {
		long delay = kBackoffStartMs;
		for (int i = 1; i < call.attempts && delay < kBackoffCapMs; i++)
			delay *= 2;
		delay = std::min(delay, kBackoffCapMs);
		std::uniform_real_distribution<double> jitter(0.9, 1.1);
		auto wait = std::chrono::duration_cast<Clock::duration>(
		    std::chrono::duration<double, std::milli>(double(delay) * jitter(jitter_rng)));
		call.not_before = Clock::now() + wait;
		backoff.push_back(&call);
		counters.retries++;
		return;
	}
	Complete(call, std::move(error), health);
}

void HttpClient::Impl::Complete(Call &call, std::exception_ptr error, Health health)
{
	call.done = true;
	call.error = std::move(error);
	if (call.error)
		call.stats.errors++;
	SendStats(call);
	NoteHealth(call, health);
}

/* The breaker's state is the gate's: report what this call says about the
 * server (a trial's outcome decides for the whole cluster). */
void HttpClient::Impl::NoteHealth(Call &call, Health health)
{
	bool trial = call.trial;
	if (trial) {
		call.trial = false;
		trials--;
	}
	if (config.breaker_failures <= 0) {
		if (trial)
			gate->DropTrial(member);
		return;
	}
	if (health != Health::Neutral || trial)
		gate->Report(member, limits, health, trial);
}

/* A call leaves without completing (abandoned, aborted): its trial, if it
 * was the breaker's, goes back, and what it cost is still counted. */
void HttpClient::Impl::DropCall(Call &call) noexcept
{
	if (call.trial) {
		call.trial = false;
		trials--;
		gate->DropTrial(member);
	}
	SendStats(call);
}

void HttpClient::Impl::SendStats(Call &call) noexcept
{
	if (!stats || call.stats_sent || call.stats.calls == 0)
		return;
	call.stats_sent = true;
	stats->Add(call.api, call.stats);
}

long HttpClient::Impl::PollTimeout(Clock::time_point now) const
{
	long timeout = kMaxPollMs;
	if (gate_waiting)
		timeout = std::min(timeout, std::max(1L, MillisUntil(now, gate_retry)));
	else if (!queue.empty() && running < size_t(config.max_concurrent))
		timeout = 0;
	for (const Call *c : backoff)
		timeout = std::min(timeout, MillisUntil(now, c->not_before));
	return timeout;
}

/* One round: let libcurl move, hand what arrived to the Exchanges, finish
 * what ended.  Throws only when libcurl's multi interface itself fails (all
 * transfers are then aborted). */
void HttpClient::Impl::DriveOnce()
{
	int still_running = 0;
	CURLMcode mc = curl_multi_perform(multi.get(), &still_running);
	if (mc != CURLM_OK && mc != CURLM_CALL_MULTI_PERFORM) {
		AbortNow();
		throw Error(ErrorKind::Internal, "libcurl multi interface failed", curl_multi_strerror(mc));
	}

	/* Stream: hand over what arrived in this round, before completions. */
	for (auto &owned : slots) {
		Slot &slot = *owned;
		if (slot.call == nullptr || slot.pending.empty())
			continue;
		Call &owner = *slot.call;
		try {
			Deliver(slot);
		} catch (const Error &e) {
			AbortTransfer(slot);
			bool protocol = e.kind == ErrorKind::Protocol;
			Failed(owner, std::current_exception(), protocol, protocol ? Health::Neutral : Health::Alive);
		} catch (...) {
			AbortTransfer(slot);
			Failed(owner, std::current_exception(), false, Health::Neutral);
		}
	}
	ProcessMessages();
	/* the breaker's trial stays ours while we drive it */
	if (trials > 0)
		gate->KeepTrial(member);
}

/* Another client of the gate waits for a slot while this one is not being
 * driven: finish what has ended, start nothing. */
void HttpClient::Impl::Reap() noexcept
{
	if (driving || (running == 0 && trials == 0))
		return;
	driving = true;
	try {
		DriveOnce();
	} catch (...) {
		/* the next Wait of this client reports what went wrong */
	}
	driving = false;
	if (abort_requested)
		AbortNow();
}

void HttpClient::Impl::Wait(Ticket ticket, const CancelToken &cancel, bool consume)
{
	auto it = calls.find(ticket);
	if (it == calls.end())
		throw Error(ErrorKind::Internal, "unknown HTTP ticket",
		            "Ticket " + std::to_string(ticket) + " was already waited for or was aborted.");
	if (driving)
		throw Error(ErrorKind::Internal, "HttpClient::Wait called from an Exchange");
	Call *call = it->second.get();

	struct DrivingScope {
		bool &flag;
		explicit DrivingScope(bool &f) : flag(f) { flag = true; }
		~DrivingScope() { flag = false; }
	} scope(driving);

	while (!call->done) {
		if (cancel.Cancelled()) {
			Error e(ErrorKind::Cancelled, "canceled");
			/* facts of the waited call before its transfer is dropped */
			if (call->slot != nullptr)
				e.nothing_sent = NothingSent(call->slot->easy.get(), call->url.rfind("https://", 0) == 0,
				                             !config.proxy.empty());
			else
				e.nothing_sent = call->attempts == 0;
			AbortNow();
			throw e;
		}
		StartReady(Clock::now());
		DriveOnce();
		if (abort_requested) {
			/* An Exchange called AbortAll: the calls (this one included) are
			 * gone only now, when no reference into them is live any more. */
			AbortNow();
			throw Error(ErrorKind::Internal, "HTTP transfers were aborted from inside a response handler");
		}
		if (call->done)
			break;

		auto now = Clock::now();
		StartReady(now);
		/* Refused by the gate: this backend's other clients may hold slots
		 * for transfers that have ended but that nobody is driving. */
		if (gate_waiting)
			gate->ReapOthers(this);
		long timeout = PollTimeout(Clock::now());
		if (timeout > 0 || running > 0) {
			CURLMcode mc = curl_multi_poll(multi.get(), nullptr, 0, int(timeout), nullptr);
			if (mc != CURLM_OK) {
				AbortNow();
				throw Error(ErrorKind::Internal, "libcurl multi interface failed", curl_multi_strerror(mc));
			}
		}
	}

	if (!consume)
		return;
	std::exception_ptr error = call->error;
	calls.erase(ticket); /* not `it`: an Exchange may have Submitted (rehash) */
	if (error)
		std::rethrow_exception(error);
}

void HttpClient::Impl::AbortAll() noexcept
{
	if (driving) {
		abort_requested = true;
		return;
	}
	AbortNow();
}

void HttpClient::Impl::AbortNow() noexcept
{
	abort_requested = false;
	for (auto &owned : slots) {
		if (owned->call != nullptr)
			AbortTransfer(*owned);
	}
	queue.clear();
	backoff.clear();
	for (auto &entry : calls)
		DropCall(*entry.second);
	calls.clear();
	StopGateWait(Clock::now());
	running = 0;
}

/* ---- public wrappers ----------------------------------------------------- */

HttpClient::HttpClient(ServerConfig config, std::shared_ptr<Gate> gate, std::shared_ptr<StatsSink> stats)
	: impl_(std::make_unique<Impl>(std::move(config), std::move(gate), std::move(stats)))
{
}

HttpClient::~HttpClient() = default;

const ServerConfig &HttpClient::Config() const
{
	return impl_->config;
}

Ticket HttpClient::Submit(HttpRequest request, Exchange *exchange)
{
	return impl_->Submit(std::move(request), exchange);
}

void HttpClient::Wait(Ticket ticket, const CancelToken &cancel)
{
	impl_->Wait(ticket, cancel);
}

void HttpClient::WaitDone(Ticket ticket, const CancelToken &cancel)
{
	impl_->Wait(ticket, cancel, false);
}

bool HttpClient::Done(Ticket ticket) const
{
	auto it = impl_->calls.find(ticket);
	/* unknown: already waited for, or dropped by AbortAll — nothing pending */
	return it == impl_->calls.end() || it->second->done;
}

void HttpClient::AbortAll() noexcept
{
	impl_->AbortAll();
}

const ClientCounters &HttpClient::Counters() const
{
	return impl_->counters;
}

const GateLimits &HttpClient::Limits() const
{
	return impl_->limits;
}

} // namespace orca_fdw::core

namespace orca_fdw::core {

/* Drop one call of several sharing the client (a scan that ended early). */
void HttpClient::Abandon(Ticket ticket) noexcept
{
	Impl &im = *impl_;
	auto it = im.calls.find(ticket);
	if (it == im.calls.end())
		return;
	Call *call = it->second.get();
	if (call->slot != nullptr)
		im.AbortTransfer(*call->slot);
	im.queue.erase(std::remove(im.queue.begin(), im.queue.end(), call), im.queue.end());
	im.backoff.erase(std::remove(im.backoff.begin(), im.backoff.end(), call), im.backoff.end());
	im.DropCall(*call);
	im.calls.erase(it);
	if (im.queue.empty())
		im.StopGateWait(Clock::now());
}

} // namespace orca_fdw::core

namespace orca_fdw::core {

/* ---- asynchronous use: Progress and the wait descriptor ------------------- */

WaitFd::WaitFd()
{
	epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
	timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct epoll_event ev {};
	ev.events = EPOLLIN;
	ev.data.fd = timer_fd_;
	if (epoll_fd_ < 0 || timer_fd_ < 0 || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &ev) != 0) {
		int err = errno;
		if (epoll_fd_ >= 0)
			close(epoll_fd_);
		if (timer_fd_ >= 0)
			close(timer_fd_);
		epoll_fd_ = timer_fd_ = -1;
		throw Error(ErrorKind::Internal, "could not create the wait descriptor of an asynchronous scan",
		            std::strerror(err));
	}
}

WaitFd::~WaitFd()
{
	if (epoll_fd_ >= 0)
		close(epoll_fd_);
	if (timer_fd_ >= 0)
		close(timer_fd_);
}

void HttpClient::Progress(const CancelToken &cancel)
{
	Impl &im = *impl_;
	if (im.driving)
		throw Error(ErrorKind::Internal, "HttpClient::Progress called from an Exchange");
	if (cancel.Cancelled()) {
		im.AbortNow();
		throw Error(ErrorKind::Cancelled, "canceled");
	}
	{
		struct DrivingScope {
			bool &flag;
			explicit DrivingScope(bool &f) : flag(f) { flag = true; }
			~DrivingScope() { flag = false; }
		} scope(im.driving);
		im.StartReady(Clock::now());
		im.DriveOnce();
		if (im.abort_requested) {
			im.AbortNow();
			throw Error(ErrorKind::Internal, "HTTP transfers were aborted from inside a response handler");
		}
		im.StartReady(Clock::now());
	}
	if (im.gate_waiting)
		im.gate->ReapOthers(&im);
}

void HttpClient::ArmWait(WaitFd &w) noexcept
{
	Impl &im = *impl_;
	if (w.epoll_fd_ < 0)
		return;
	auto now = Clock::now();
	long timeout = std::min(im.PollTimeout(now), WaitFd::kMaxWaitMs);
	long curl_ms = -1;
	if (curl_multi_timeout(im.multi.get(), &curl_ms) == CURLM_OK && curl_ms >= 0)
		timeout = std::min(timeout, curl_ms);

	/* libcurl's sockets (those below FD_SETSIZE: curl_multi_fdset skips the
	 * others, which the timer then covers) */
	fd_set rd, wr, ex;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	int maxfd = -1;
	try {
		std::vector<std::pair<int, uint32_t>> want;
		if (curl_multi_fdset(im.multi.get(), &rd, &wr, &ex, &maxfd) == CURLM_OK)
			for (int fd = 0; fd <= maxfd && fd < FD_SETSIZE; fd++) {
				uint32_t events = (FD_ISSET(fd, &rd) ? uint32_t(EPOLLIN) : 0u) |
				                  (FD_ISSET(fd, &wr) ? uint32_t(EPOLLOUT) : 0u) |
				                  (FD_ISSET(fd, &ex) ? uint32_t(EPOLLPRI) : 0u);
				if (events)
					want.emplace_back(fd, events);
			}
		for (int fd : w.watched_)
			if (std::none_of(want.begin(), want.end(), [fd](const auto &p) { return p.first == fd; }))
				epoll_ctl(w.epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); /* gone already when closed: fine */
		w.watched_.clear();
		w.watched_.reserve(want.size());
		for (const auto &[fd, events] : want) {
			struct epoll_event ev {};
			ev.events = events;
			ev.data.fd = fd;
			if (epoll_ctl(w.epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0 &&
			    epoll_ctl(w.epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
				timeout = std::min(timeout, 1L); /* not watchable: look again soon */
			else
				w.watched_.push_back(fd);
		}
	} catch (...) {
		timeout = std::min(timeout, 1L); /* out of memory: the timer alone, soon */
	}

	/* the timer: consume an old expiry, then set the next one */
	uint64_t expirations;
	while (read(w.timer_fd_, &expirations, sizeof(expirations)) > 0) {
	}
	struct itimerspec its {};
	long ns = std::max(timeout, 0L) * 1000000L;
	if (ns == 0)
		ns = 1; /* due now: readable at once (0 would disarm) */
	its.it_value.tv_sec = ns / 1000000000L;
	its.it_value.tv_nsec = ns % 1000000000L;
	timerfd_settime(w.timer_fd_, 0, &its, nullptr);
}

} // namespace orca_fdw::core
