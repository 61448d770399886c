/*
 * connection.cpp — the per-backend cache of HttpClients (see connection.hpp).
 */
#include "pg/connection.hpp"

#include <memory>
#include <string>
#include <vector>

#include "pg/guard.hpp"
#include "pg/shared.hpp"

namespace orca_fdw::pg {

namespace {

struct Entry {
	Oid serverid;
	Oid umid;
	uint32 server_hash; /* syscache hash values, for invalidation */
	uint32 mapping_hash;
	bool stale;
	uint64 pinned_in;   /* the transaction (xact_serial) that last pinned it */
	std::shared_ptr<core::HttpClient> client;
};

/* Heap-allocated on first use, never on a stack frame. */
std::vector<Entry> *entries;
bool callbacks_registered;
uint64 xact_serial = 1; /* advanced at every transaction end */

void
InvalidateCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	if (!entries)
		return;
	for (Entry &e : *entries)
		if (hashvalue == 0 || (cacheid == FOREIGNSERVEROID && e.server_hash == hashvalue) ||
		    (cacheid == USERMAPPINGOID && e.mapping_hash == hashvalue))
			e.stale = true;
}

void
XactCallback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_PREPARE) {
		xact_serial++; /* its TopTransactionContext (and pins) go too */
		return;
	}
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_COMMIT &&
	    event != XACT_EVENT_PARALLEL_ABORT)
		return;
	xact_serial++;
	/* Nothing of a finished statement stays in flight (and its gate slots go
	 * back).  Nothing is freed here: at abort, executor and SPI states of the
	 * transaction are released after this callback and may still reach the
	 * clients; their pins release them later (ReleasePin). */
	if (entries)
		for (Entry &e : *entries)
			if (e.client)
				e.client->AbortAll();
}

/* TopTransactionContext's reset callback: the transaction's reference. */
void
ReleasePin(void *arg)
{
	delete static_cast<std::shared_ptr<core::HttpClient> *>(arg); /* noexcept destructors */
}

} // namespace

void
InitConnections(void)
{
	if (callbacks_registered)
		return;
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, InvalidateCallback, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, InvalidateCallback, (Datum) 0);
	RegisterXactCallback(XactCallback, NULL);
	callbacks_registered = true;
}

core::HttpClient *
GetClient(ForeignServer *server, UserMapping *mapping)
{
	OrcaServerOptions opts;
	GetServerOptions(server, mapping, &opts);
	Oid umid = mapping ? mapping->umid : InvalidOid;
	uint32 server_hash = GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(server->serverid));
	uint32 mapping_hash = GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(umid));
	core::HttpClient *result = nullptr;
	Oid serverid = server->serverid;
	const OrcaServerOptions *o = &opts;
	GateHandle *gate = AcquireGate(opts.url);
	StatsHandle *stats = AcquireStats(serverid, server->servername);
	/* palloc'd first, so that pinning cannot fail after the client is made */
	MemoryContextCallback *pin = (MemoryContextCallback *) MemoryContextAllocZero(TopTransactionContext,
	                                                                              sizeof(MemoryContextCallback));
	bool pin_needed = false;

	RunGuarded([&] {
		if (!entries)
			entries = new std::vector<Entry>();
		Entry *found = nullptr;
		for (Entry &e : *entries) {
			if (e.serverid != serverid || e.umid != umid)
				continue;
			if (!e.stale) {
				found = &e;
				break;
			}
			/* retired: the cache lets go; scans and pins still holding it
			 * keep it alive as long as they need it */
			e = std::move(entries->back());
			entries->pop_back();
			break;
		}
		if (!found) {
			core::ServerConfig cfg;
			cfg.base_url = o->url;
			cfg.weborca = o->weborca;
			cfg.format = o->json ? core::WireFormat::Json : core::WireFormat::Xml;
			cfg.connect_timeout_ms = static_cast<long>(o->connect_timeout * 1000);
			cfg.request_timeout_ms = static_cast<long>(o->request_timeout * 1000);
			cfg.max_concurrent = o->max_concurrent;
			cfg.max_requests_per_second = o->max_requests_per_second;
			cfg.retries = o->retries;
			cfg.user = o->user ? o->user : "";
			cfg.password = o->password ? o->password : "";
			cfg.sslrootcert = o->sslrootcert ? o->sslrootcert : "";
			cfg.sslcert = o->sslcert ? o->sslcert : "";
			cfg.sslkey = o->sslkey ? o->sslkey : "";
			cfg.proxy = o->proxy ? o->proxy : "";
			cfg.max_response_size = static_cast<size_t>(o->max_response_size);
			cfg.breaker_failures = o->breaker_failures;
			cfg.breaker_cooldown_ms = static_cast<long>(o->breaker_cooldown * 1000);
			entries->reserve(entries->size() + 1);
			Entry e{serverid, umid, server_hash, mapping_hash, false, 0,
			        std::make_shared<core::HttpClient>(std::move(cfg), gate->gate, stats->sink)};
			entries->push_back(std::move(e));
			found = &entries->back();
		}
		result = found->client.get();
		if (found->pinned_in != xact_serial) {
			pin->arg = new std::shared_ptr<core::HttpClient>(found->client);
			found->pinned_in = xact_serial;
			pin_needed = true;
		}
	});
	if (pin_needed) {
		pin->func = ReleasePin;
		MemoryContextRegisterResetCallback(TopTransactionContext, pin);
	} else {
		pfree(pin);
	}
	return result;
}

std::shared_ptr<core::HttpClient>
ShareClient(core::HttpClient *client)
{
	return client->shared_from_this();
}

} // namespace orca_fdw::pg
