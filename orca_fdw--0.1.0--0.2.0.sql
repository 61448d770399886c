/* orca_fdw--0.1.0--0.2.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION orca_fdw UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- 0.2.0: limits shared by every backend, and per-API call statistics.

-- The limits of one foreign server and the state of the gate it shares with
-- every backend of the cluster: all server objects whose url names the same
-- ORCA (orca_url) share one set of slots, one rate limiter and one circuit
-- breaker.  mechanism: 'shared memory' (orca_fdw in shared_preload_libraries),
-- 'lock files' ($PGDATA/orca_fdw/limits), or 'this process only' (neither
-- was available; a WARNING said why).
CREATE FUNCTION orca_fdw_server_limits(
    server oid,
    OUT orca_url text,                        -- scheme://host:port/prefix the limits are shared by
    OUT max_concurrent_requests integer,      -- this server's option
    OUT max_requests_per_second double precision,
    OUT slots_in_use integer,                 -- requests in flight now, all backends
    OUT backends_waiting integer,             -- backends waiting for a slot now
    OUT lookups_waiting integer,              -- of the waiting clients, those waiting with a lookup
    OUT circuit_breaker text,                 -- closed | open | half-open[, trial call in flight] | off
    OUT consecutive_failures integer,
    OUT requests_started bigint,              -- through the gate since it was created
    OUT mechanism text)
RETURNS record
AS 'MODULE_PATHNAME', 'orca_fdw_server_limits'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW orca_fdw_limits AS
  SELECT s.srvname::text AS server, l.*
  FROM pg_catalog.pg_foreign_server s
  JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
  JOIN pg_catalog.pg_proc p ON p.oid = w.fdwhandler AND p.proname = 'orca_fdw_handler',
  LATERAL orca_fdw_server_limits(s.oid) l;
COMMENT ON VIEW orca_fdw_limits IS 'orca_fdw: per server, the shared limits, slots in use, backends waiting and the mechanism';

-- ORCA API calls per server and API (short name, e.g. patientgetv2): calls
-- started, calls that ended in an error, retries (extra attempts), response
-- body bytes, rows the answers carried and time in flight.  Every backend of
-- the cluster when orca_fdw is in shared_preload_libraries, else this
-- backend's own calls; the servers of the current database.
CREATE FUNCTION orca_fdw_stats(
    OUT server text,
    OUT api text,
    OUT calls bigint,
    OUT errors bigint,
    OUT retries bigint,
    OUT bytes bigint,
    OUT rows bigint,
    OUT total_ms double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'orca_fdw_stats'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW orca_fdw_stats AS SELECT * FROM orca_fdw_stats();
COMMENT ON VIEW orca_fdw_stats IS 'orca_fdw: ORCA API calls per server and API';

-- Zero the statistics: the cluster's when preloaded, else this backend's.
-- Superuser-only by default (as pg_stat_reset).
CREATE FUNCTION orca_fdw_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'orca_fdw_stats_reset'
LANGUAGE C STRICT VOLATILE;
REVOKE ALL ON FUNCTION orca_fdw_stats_reset() FROM PUBLIC;
