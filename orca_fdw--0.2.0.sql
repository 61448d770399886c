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

-- ---------------------------------------------------------------------------
-- 0.2.0: a group of clinics, one ORCA server each, as one set of tables.
--
-- orca_fdw_add_clinic sets up one clinic in one call: a foreign server with
-- its clinic option (named clinic_<clinic>), a user mapping for the current
-- user, and for every resource a foreign table <resource>_<clinic> that is a
-- partition of <schema>.<resource>, a table partitioned BY LIST (clinic)
-- created on first use (its first column: clinic text).  Returns the number of
-- partitions created.  orca_fdw_drop_clinic is its inverse: it drops that
-- server with its user mappings and partitions; the partitioned parents stay
-- (empty parents are harmless and keep views over them valid).
CREATE FUNCTION orca_fdw_add_clinic(
    clinic text,
    url text,
    username text,
    password text,
    schema text DEFAULT 'orca_all')
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $fn$
DECLARE
  srv text := 'clinic_' || clinic;
  staging text := 'orca_fdw_add_clinic_' || pg_backend_pid();
  t record;
  part text;
  n integer := 0;
BEGIN
  IF clinic IS NULL OR clinic = '' OR url IS NULL OR schema IS NULL OR schema = '' THEN
    RAISE EXCEPTION 'orca_fdw_add_clinic needs a clinic, a url and a schema'
      USING ERRCODE = 'HV00D', HINT = 'SELECT orca_fdw_add_clinic(''c1'', ''http://host:8000'', ''ormaster'', ''secret'');';
  END IF;
  IF octet_length(srv) > 63 THEN
    RAISE EXCEPTION 'clinic name is too long for a server name'
      USING ERRCODE = 'HV00D', DETAIL = 'The server is named clinic_<clinic>, at most 63 bytes.';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = srv) THEN
    RAISE EXCEPTION 'server "%" already exists', srv
      USING ERRCODE = 'HV000', HINT = 'Drop the clinic first: SELECT orca_fdw_drop_clinic(' || quote_literal(clinic) || ');';
  END IF;
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER orca_fdw OPTIONS (url %L, clinic %L)', srv, url, clinic);
  IF username IS NOT NULL THEN
    EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L, password %L)',
                   srv, username, coalesce(password, ''));
  END IF;
  EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', schema);
  -- every resource, as IMPORT FOREIGN SCHEMA orca declares it, in a staging schema
  EXECUTE format('CREATE SCHEMA %I', staging);
  EXECUTE format('IMPORT FOREIGN SCHEMA orca FROM SERVER %I INTO %I', srv, staging);
  FOR t IN
    SELECT c.relname AS resource
    FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
    WHERE s.nspname = staging AND c.relkind = 'f'
    ORDER BY 1
  LOOP
    part := t.resource || '_' || clinic;
    IF octet_length(part) > 63 THEN
      RAISE EXCEPTION 'clinic name is too long for a table name'
        USING ERRCODE = 'HV00D', DETAIL = format('The partition of %s would be named %s, over 63 bytes.', t.resource, part);
    END IF;
    IF to_regclass(format('%I.%I', schema, t.resource)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I (clinic text, LIKE %I.%I) PARTITION BY LIST (clinic)',
                     schema, t.resource, staging, t.resource);
    END IF;
    EXECUTE format('CREATE FOREIGN TABLE %I.%I PARTITION OF %I.%I FOR VALUES IN (%L) SERVER %I OPTIONS (resource %L)',
                   schema, part, schema, t.resource, clinic, srv, t.resource);
    n := n + 1;
  END LOOP;
  EXECUTE format('DROP SCHEMA %I CASCADE', staging);
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION orca_fdw_add_clinic(text, text, text, text, text) IS
  'set up one clinic: server clinic_<clinic>, user mapping, a foreign-table partition of <schema>.<resource> per resource';

CREATE FUNCTION orca_fdw_drop_clinic(
    clinic text,
    schema text DEFAULT 'orca_all')
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $fn$
DECLARE
  srv text := 'clinic_' || clinic;
  srvid oid;
  n integer;
BEGIN
  SELECT s.oid INTO srvid
  FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
  WHERE s.srvname = srv AND w.fdwname = 'orca_fdw'
    AND ('clinic=' || clinic) = ANY (s.srvoptions);
  IF srvid IS NULL THEN
    RAISE EXCEPTION 'clinic "%" has no orca_fdw server', clinic
      USING ERRCODE = 'HV00D', DETAIL = format('No orca_fdw server named %s has the option clinic %s.', srv, quote_literal(clinic));
  END IF;
  -- the partitions of this server under <schema>'s partitioned tables
  SELECT count(*) INTO n
  FROM pg_foreign_table f JOIN pg_class c ON c.oid = f.ftrelid JOIN pg_namespace s ON s.oid = c.relnamespace
  WHERE f.ftserver = srvid AND s.nspname = schema AND c.relispartition;
  IF EXISTS (SELECT 1 FROM pg_foreign_table f JOIN pg_class c ON c.oid = f.ftrelid JOIN pg_namespace s ON s.oid = c.relnamespace
             WHERE f.ftserver = srvid AND NOT (s.nspname = schema AND c.relispartition)) THEN
    RAISE EXCEPTION 'server "%" has foreign tables outside the partitions of schema "%"', srv, schema
      USING ERRCODE = 'HV000', HINT = 'Drop or move them first, or DROP SERVER ... CASCADE yourself.';
  END IF;
  EXECUTE format('DROP SERVER %I CASCADE', srv);
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION orca_fdw_drop_clinic(text, text) IS
  'undo orca_fdw_add_clinic: drop server clinic_<clinic>, its user mappings and its partitions (the parents stay)';
