/* orca_fdw--0.2.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION orca_fdw" to load this file. \quit

CREATE FUNCTION orca_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION orca_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER orca_fdw
  HANDLER orca_fdw_handler
  VALIDATOR orca_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER orca_fdw IS 'ORCA (日医標準レセプトソフト) web API';


-- The registration audit log: every registration attempt, one JSON object per
-- line in $PGDATA/orca_fdw/audit.log ("sent" before the call, "result" after
-- it; a "sent" line without its "result" is an attempt whose outcome is
-- unknown).  Ids and dates only, never names or credentials.  Superuser-only
-- by default; GRANT EXECUTE ON FUNCTION orca_fdw_audit() TO a role to let it read.
CREATE FUNCTION orca_fdw_audit(
    OUT seq bigint,              -- line number in the file
    OUT logged_at timestamptz,
    OUT event text,              -- sent | result
    OUT attempt text,            -- pairs the sent and result lines (backend pid - counter)
    OUT database text,
    OUT username text,           -- the role whose user mapping was used
    OUT server text,
    OUT table_name text,
    OUT mode text,               -- immediate | on_commit
    OUT api text,                -- patientmodv2 | hsptinfmodv2 | hsacctmodv2
    OUT request text,            -- class=01, Request_Number 02, ...
    OUT kind text,               -- register_patient, update_patient, delete_patient, admit, discharge, cancel_discharge, meals
    OUT patient_id text,         -- as sent (* = auto-numbering), in results as ORCA answered
    OUT admission_date date,
    OUT discharge_date date,
    OUT meal_month text,
    OUT meal_dates text,
    OUT outcome text,            -- sent | ok | warning | error | unknown
    OUT api_result text,
    OUT message text,
    OUT error text)
RETURNS SETOF record
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT l.n, (j->>'ts')::timestamptz, j->>'event', j->>'attempt', j->>'database', j->>'user',
         j->>'server', j->>'table', j->>'mode', j->>'api', j->>'request', j->>'kind', j->>'patient_id',
         (j->>'admission_date')::date, (j->>'discharge_date')::date, j->>'meal_month', j->>'meal_dates',
         j->>'outcome', j->>'api_result', j->>'message', j->>'error'
  FROM (SELECT pg_read_file('orca_fdw/audit.log') AS body
        WHERE (pg_stat_file('orca_fdw/audit.log', true)).size IS NOT NULL) f,
       LATERAL regexp_split_to_table(f.body, E'\n') WITH ORDINALITY AS l(line, n),
       LATERAL (SELECT CASE WHEN l.line ~ '^\{.*\}$' THEN l.line::jsonb END AS j) x
  WHERE x.j IS NOT NULL
  ORDER BY l.n
$$;
REVOKE ALL ON FUNCTION orca_fdw_audit() FROM PUBLIC;
COMMENT ON FUNCTION orca_fdw_audit() IS 'ORCA registration attempts and outcomes ($PGDATA/orca_fdw/audit.log)';

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
