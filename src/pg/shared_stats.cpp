/*
 * shared_stats.cpp — per-API call statistics (view orca_fdw_stats).
 *
 * Each foreign server's HTTP clients report every API call they end to a
 * StatsSink: calls, errors, retries, body bytes, rows and time in flight,
 * per short API name.  With orca_fdw in shared_preload_libraries the sink
 * adds them to a table in shared memory (every backend of the cluster, up to
 * kMaxSharedStats server/API pairs); otherwise to this backend's own table.
 * The view shows the servers of the current database.
 */
#include "pg/shared.hpp"

#include "pg/guard.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace orca_fdw::pg {

namespace {

void
CopyName(char *dst, size_t size, const char *src)
{
	strlcpy(dst, src, size);
}

/* Adds to the shared memory table (never throws or ereports). */
class SharedSink final : public core::StatsSink {
public:
	SharedSink(Oid dbid, Oid serverid, const char *server) : dbid_(dbid), serverid_(serverid)
	{
		CopyName(server_, sizeof(server_), server);
	}
	void Add(const std::string &api, const core::ApiCallStats &d) noexcept override
	{
		SharedStats *area = SharedStatsArea();
		if (!area || api.size() >= size_t(kApiNameLen))
			return;
		SpinLockAcquire(&area->mutex);
		SharedStatEntry *hit = nullptr, *empty = nullptr;
		for (SharedStatEntry &e : area->entries) {
			if (!e.used) {
				if (!empty)
					empty = &e;
				continue;
			}
			if (e.dbid == dbid_ && e.serverid == serverid_ && strcmp(e.api, api.c_str()) == 0) {
				hit = &e;
				break;
			}
		}
		if (!hit && empty) {
			hit = empty;
			memset(static_cast<void *>(hit), 0, sizeof(*hit));
			hit->used = true;
			hit->dbid = dbid_;
			hit->serverid = serverid_;
			memcpy(hit->server, server_, sizeof(server_));
			memcpy(hit->api, api.c_str(), api.size() + 1);
		}
		if (hit)
			hit->stats.Add(d); /* a full table drops the numbers (see README) */
		SpinLockRelease(&area->mutex);
	}

private:
	Oid dbid_, serverid_;
	char server_[NAMEDATALEN];
};

struct LocalStat {
	Oid serverid;
	std::string server, api;
	core::ApiCallStats stats;
};
std::vector<LocalStat> *local_stats;

/* Adds to this backend's table. */
class LocalSink final : public core::StatsSink {
public:
	LocalSink(Oid serverid, const char *server) : serverid_(serverid), server_(server) {}
	void Add(const std::string &api, const core::ApiCallStats &d) noexcept override
	{
		try {
			for (LocalStat &s : *local_stats)
				if (s.serverid == serverid_ && s.api == api) {
					s.stats.Add(d);
					return;
				}
			local_stats->push_back(LocalStat{serverid_, server_, api, d});
		} catch (...) {
			/* out of memory: the numbers are lost, the call is not */
		}
	}

private:
	Oid serverid_;
	std::string server_;
};

std::vector<std::pair<Oid, StatsHandle *>> *sinks;

} // namespace

StatsHandle *
AcquireStats(Oid serverid, const char *server_name)
{
	StatsHandle *result = nullptr;
	bool shared = SharedStatsArea() != nullptr;
	Oid dbid = MyDatabaseId;
	RunGuarded([&] {
		if (!sinks) {
			sinks = new std::vector<std::pair<Oid, StatsHandle *>>();
			local_stats = new std::vector<LocalStat>();
		}
		for (auto &s : *sinks)
			if (s.first == serverid) {
				result = s.second;
				return;
			}
		auto h = std::make_unique<StatsHandle>();
		if (shared)
			h->sink = std::make_shared<SharedSink>(dbid, serverid, server_name);
		else
			h->sink = std::make_shared<LocalSink>(serverid, server_name);
		sinks->reserve(sinks->size() + 1);
		result = h.release();
		sinks->emplace_back(serverid, result);
	});
	return result;
}

} // namespace orca_fdw::pg

/* One row of orca_fdw_stats, in plain C. */
struct StatRow {
	Oid serverid;
	char server[NAMEDATALEN];
	char api[orca_fdw::pg::kApiNameLen];
	orca_fdw::core::ApiCallStats stats;
};

extern "C" Datum
orcaStats(PG_FUNCTION_ARGS)
{
	using namespace orca_fdw::pg;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	InitMaterializedSRF(fcinfo, 0);

	/* copy out first: no ereport while a spinlock is held */
	int n = 0;
	StatRow *rows;
	SharedStats *area = SharedStatsArea();
	if (area) {
		rows = (StatRow *) palloc0(sizeof(StatRow) * kMaxSharedStats);
		SpinLockAcquire(&area->mutex);
		for (const SharedStatEntry &e : area->entries) {
			if (!e.used || e.dbid != MyDatabaseId)
				continue;
			StatRow *r = &rows[n++];
			r->serverid = e.serverid;
			memcpy(r->server, e.server, sizeof(r->server));
			memcpy(r->api, e.api, sizeof(r->api));
			r->stats = e.stats;
		}
		SpinLockRelease(&area->mutex);
	} else {
		size_t count = local_stats ? local_stats->size() : 0;
		rows = (StatRow *) palloc0(sizeof(StatRow) * Max(count, 1));
		RunGuarded([&] {
			for (size_t i = 0; i < count; i++) {
				const LocalStat &s = (*local_stats)[i];
				StatRow *r = &rows[n++];
				r->serverid = s.serverid;
				strlcpy(r->server, s.server.c_str(), sizeof(r->server));
				strlcpy(r->api, s.api.c_str(), sizeof(r->api));
				r->stats = s.stats;
			}
		});
	}
	for (int i = 0; i < n; i++) {
		StatRow *r = &rows[i];
		Datum values[8];
		bool nulls[8] = {};
		/* the server's current name (it may have been renamed since) */
		ForeignServer *server = GetForeignServerExtended(r->serverid, FSV_MISSING_OK);
		values[0] = CStringGetTextDatum(server ? server->servername : r->server);
		values[1] = CStringGetTextDatum(r->api);
		values[2] = Int64GetDatum((int64) r->stats.calls);
		values[3] = Int64GetDatum((int64) r->stats.errors);
		values[4] = Int64GetDatum((int64) r->stats.retries);
		values[5] = Int64GetDatum((int64) r->stats.bytes);
		values[6] = Int64GetDatum((int64) r->stats.rows);
		values[7] = Float8GetDatum(r->stats.total_ms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

extern "C" Datum
orcaStatsReset(PG_FUNCTION_ARGS)
{
	using namespace orca_fdw::pg;
	SharedStats *area = SharedStatsArea();
	if (area) {
		SpinLockAcquire(&area->mutex);
		memset(static_cast<void *>(area->entries), 0, sizeof(area->entries));
		SpinLockRelease(&area->mutex);
	} else if (local_stats) {
		local_stats->clear(); /* noexcept */
	}
	PG_RETURN_VOID();
}
