/*
 * connection.hpp — the backend's HTTP clients, one per (server, user mapping).
 *
 * Clients (and so their keep-alive connections, rate limiter and circuit
 * breaker) live as long as the backend.  ALTER SERVER / ALTER USER MAPPING
 * retire a client: it is replaced at the next use and deleted at the end of
 * the transaction, so scans running in the same statement keep a valid one.
 */
#pragma once

#include "core/http.hpp"
#include "pg/options.hpp"

namespace orca_fdw::pg {

/* The client for this server and user (creating it on first use). */
core::HttpClient *GetClient(ForeignServer *server, UserMapping *mapping);
void InitConnections(void);

} // namespace orca_fdw::pg
