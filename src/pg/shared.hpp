/*
 * shared.hpp — what every backend of the cluster shares: the gate of each
 * ORCA server (concurrency slots, rate limiter, fair order of waiting
 * requests, circuit breaker; core/gate.hpp) and the per-API statistics of
 * orca_fdw_stats.
 *
 * Two mechanisms, chosen without the administrator's help:
 *   - shared memory, when orca_fdw is in shared_preload_libraries: gates and
 *     statistics live in a segment reserved at server start.  A backend that
 *     exits gives its slots back (before_shmem_exit); a backend that crashes
 *     makes the postmaster reinitialise shared memory, so nothing stays taken.
 *   - lock files otherwise: $PGDATA/orca_fdw/limits/<hash>.gate per ORCA
 *     server, a small mapped state (rate limiter, line of waiters, breaker)
 *     guarded by a lock on one byte, and one lock byte per slot.  The locks
 *     are open file description locks (fcntl F_OFD_SETLK): the kernel drops
 *     them when the process ends, however it ends.  Statistics are then kept
 *     per backend.
 * If neither works (shared memory full, the directory not writable) a gate
 * falls back to this backend alone, with a WARNING; orca_fdw_limits says so.
 */
#pragma once

#include "core/gate.hpp"

#include <memory>
#include <string>

#include "pg/pg.hpp"

extern "C" {
#include "storage/spin.h"
}

namespace orca_fdw::pg {

/* _PG_init: reserve shared memory when loaded by shared_preload_libraries. */
void InitShared(void);
/* True when the shared memory segment is in use. */
bool SharedMemoryActive(void);

/* A process-lifetime handle on the gate of one ORCA server. */
struct GateHandle {
	std::string key;                 /* core::GateKey of the url */
	std::shared_ptr<core::Gate> gate;
};
/* The gate for a server url (created on first use; never freed). */
GateHandle *AcquireGate(const char *url);
/* The gate for a url if this process or the cluster already has one
 * (NULL otherwise; creates nothing). */
GateHandle *PeekGate(const char *url);

/* The statistics sink for one foreign server of this database. */
struct StatsHandle {
	std::shared_ptr<core::StatsSink> sink;
};
StatsHandle *AcquireStats(Oid serverid, const char *server_name);

/* ---- the shared memory segment ---------------------------------------------- */

constexpr int kMaxSharedStats = 512;
constexpr int kApiNameLen = 32;

struct SharedStatEntry {
	bool used;
	Oid dbid;
	Oid serverid;
	char server[NAMEDATALEN];
	char api[kApiNameLen];
	core::ApiCallStats stats;
};

struct SharedStats {
	slock_t mutex;
	SharedStatEntry entries[kMaxSharedStats];
};

/* NULL when orca_fdw is not preloaded. */
SharedStats *SharedStatsArea(void);

} // namespace orca_fdw::pg
