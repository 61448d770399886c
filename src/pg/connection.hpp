/*
 * connection.hpp — the backend's HTTP clients, one per (server, user mapping).
 *
 * Clients (and so their keep-alive connections) live as long as the backend;
 * their limits and circuit breaker are the gate's, shared with every backend
 * that calls the same ORCA server (pg/shared.hpp).  ALTER SERVER / ALTER USER
 * MAPPING retire a client: the cache replaces it at the next use.
 *
 * Ownership is shared (std::shared_ptr): the cache holds one reference, a
 * scan's ScanSession another, and every client handed out in a transaction is
 * also held until the transaction's memory is released (a reset callback on
 * TopTransactionContext), after every executor and SPI state of the
 * transaction is gone.  So a client is never freed while anything of the
 * transaction can still reach it — not at abort, not by an xact callback.
 */
#pragma once

#include "core/http.hpp"

#include <memory>

#include "pg/options.hpp"

namespace orca_fdw::pg {

/* The client for this server and user (creating it on first use).  The
 * pointer stays valid until the end of the current transaction at least. */
core::HttpClient *GetClient(ForeignServer *server, UserMapping *mapping);
/* A reference of one's own to a client from GetClient (C++ regime: call
 * inside RunGuarded). */
std::shared_ptr<core::HttpClient> ShareClient(core::HttpClient *client);
void InitConnections(void);

} // namespace orca_fdw::pg
