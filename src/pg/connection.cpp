/*
 * connection.cpp — the per-backend cache of HttpClients (see connection.hpp).
 */
#include "pg/connection.hpp"

#include "pg/guard.hpp"

#include <memory>
#include <string>
#include <vector>

namespace orca_fdw::pg {

namespace {

struct Entry {
	Oid serverid;
	Oid umid;
	uint32 server_hash; /* syscache hash values, for invalidation */
	uint32 mapping_hash;
	bool stale;
	std::unique_ptr<core::HttpClient> client;
};

/* Heap-allocated on first use, never on a stack frame. */
std::vector<Entry> *entries;
std::vector<std::unique_ptr<core::HttpClient>> *retired;
bool callbacks_registered;

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
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_COMMIT &&
	    event != XACT_EVENT_PARALLEL_ABORT)
		return;
	if (retired)
		retired->clear(); /* noexcept destructors */
	if (entries)
		for (Entry &e : *entries)
			if (e.client)
				e.client->AbortAll(); /* nothing of a finished statement stays in flight */
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

	RunGuarded([&] {
		if (!entries) {
			entries = new std::vector<Entry>();
			retired = new std::vector<std::unique_ptr<core::HttpClient>>();
		}
		for (Entry &e : *entries) {
			if (e.serverid != serverid || e.umid != umid)
				continue;
			if (!e.stale) {
				result = e.client.get();
				return;
			}
			retired->push_back(std::move(e.client));
			e = std::move(entries->back());
			entries->pop_back();
			break;
		}
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
		Entry e{serverid, umid, server_hash, mapping_hash, false, std::make_unique<core::HttpClient>(std::move(cfg))};
		result = e.client.get();
		entries->push_back(std::move(e));
	});
	return result;
}

} // namespace orca_fdw::pg
