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

-- 0.2.0 (issue 11): orca_fdw_sync(source, target), a local mirror of a foreign table.

-- One row per mirror: where its next run starts.  watermark: changes are
-- listed from this ORCA date on (the newest update date the mirror holds,
-- at most today, minus one day of overlap); NULL makes the next run a full
-- refresh.  Dumped with the extension's data (pg_extension_config_dump).
CREATE TABLE orca_fdw_sync_state (
    target text PRIMARY KEY,          -- the mirror table, schema-qualified and quoted
    source text NOT NULL,             -- the foreign table it mirrors
    resource text NOT NULL,           -- the source's resource (patients, admissions, ...)
    watermark date,
    last_run timestamptz,             -- end of the last successful run (transaction time)
    last_mode text,                   -- full | incremental | full (fallback)
    last_changed bigint,              -- rows the last run inserted, updated or deleted
    runs bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE orca_fdw_sync_state IS 'orca_fdw: the state of each mirror orca_fdw_sync maintains';
SELECT pg_catalog.pg_extension_config_dump('orca_fdw_sync_state', '');

-- orca_fdw_sync(source, target): creates the table `target` on first use
-- (the source's columns, a primary key on the resource's row key) and brings
-- it up to date; returns the rows inserted + updated + deleted.  One
-- transaction per call; rows are upserted in place (readers of the mirror
-- are never blocked and see the old rows until the run commits); two runs on
-- one target serialize on an advisory lock.  What each run asks ORCA (README
-- "Local mirrors"):
--   patients    first run: every patient; later runs: patientlst1v2 class=01
--               from the watermark (one day of overlap), then the rows of the
--               patients whose update date/time differ from the mirror's, by
--               id (patientlst2v2, 100 a call).  A day with 1000 or more
--               changes (ORCA answers 10): a full refresh, said in a NOTICE.
--               Deletions (patientmodv2 class=03) are seen by full refreshes
--               only (UPDATE orca_fdw_sync_state SET watermark = NULL).
--   admissions  every current stay and the stays admitted or discharged
--               since the watermark; a patient whose current stay in the
--               mirror is not listed any more is read again by patient
--               (a discharge with any date, a cancelled stay).
--   others      a full refresh: their APIs list everything or nothing.
CREATE FUNCTION orca_fdw_sync(source regclass, target text)
RETURNS bigint
LANGUAGE plpgsql
AS $orca_fdw_sync$
DECLARE
  ext_schema text;
  state_tbl text;
  src text := source::text;
  resource text;
  tparts text[];
  tgt text;
  key_cols text[];
  cols text[];
  col_list text;
  st record;
  created boolean := false;
  mode text;
  wm date;
  changed bigint := 0;
  n bigint;
  set_list text;
  key_list text;
  join_on text;
  upsert text;
  l1_cols text[];
  rest_cols text[];
  ids text[];
BEGIN
  SELECT n.nspname INTO ext_schema
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'orca_fdw';
  state_tbl := format('%I.orca_fdw_sync_state', ext_schema);

  -- the source: a foreign table of orca_fdw, and its resource
  SELECT substring(opt FROM '^resource=(.*)$') INTO resource
    FROM pg_catalog.pg_foreign_table ft
    JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
    JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
    JOIN pg_catalog.pg_proc p ON p.oid = w.fdwhandler AND p.proname = 'orca_fdw_handler',
         LATERAL unnest(ft.ftoptions) opt
   WHERE ft.ftrelid = source AND opt LIKE 'resource=%';
  IF resource IS NULL THEN
    RAISE EXCEPTION 'orca_fdw_sync: % is not a foreign table of orca_fdw', src
      USING ERRCODE = 'wrong_object_type', HINT = 'Pass a table made by IMPORT FOREIGN SCHEMA, e.g. orca.patients.';
  END IF;
  -- the resource's row key (the declarations in src/core/resources/<name>.cpp)
  key_cols := CASE resource
    WHEN 'patients' THEN ARRAY['patient_id']
    WHEN 'admissions' THEN ARRAY['patient_id', 'admission_date']
    WHEN 'meals' THEN ARRAY['patient_id', 'perform_date']
    WHEN 'wards' THEN ARRAY['ward_number']
    WHEN 'rooms' THEN ARRAY['ward_number', 'room_number']
    WHEN 'departments' THEN ARRAY['department_code']
    WHEN 'doctors' THEN ARRAY['doctor_code']
  END;
  -- resources ORCA answers only for a patient or a date range: no whole table to mirror
  IF resource IN ('meals', 'visits', 'diseases') THEN
    RAISE EXCEPTION 'orca_fdw_sync: resource % cannot be mirrored', resource
      USING ERRCODE = 'feature_not_supported',
            DETAIL = CASE resource
              WHEN 'meals' THEN 'ORCA answers meals only for a patient or a date range (hsmealv2), never all of them.'
              WHEN 'visits' THEN 'ORCA answers receptions only one day at a time (acceptlstv2), never all of them.'
              ELSE 'ORCA answers disease names only one patient at a time (diseasegetv2), never all of them.' END,
            HINT = CASE resource
              WHEN 'meals' THEN 'Copy a date range instead: INSERT INTO ... SELECT * FROM orca.meals WHERE perform_date BETWEEN ...'
              WHEN 'visits' THEN 'Copy a date range instead: INSERT INTO ... SELECT * FROM orca.visits WHERE visit_date BETWEEN ...'
              ELSE 'Copy the patients you need instead: INSERT INTO ... SELECT d.* FROM my_ids i JOIN orca.diseases d USING (patient_id)' END;
  END IF;
  IF key_cols IS NULL THEN
    RAISE EXCEPTION 'orca_fdw_sync: no row key known for resource %', left(resource, 40)
      USING ERRCODE = 'feature_not_supported';
  END IF;
  SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO cols
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped;
  IF NOT key_cols <@ cols THEN
    RAISE EXCEPTION 'orca_fdw_sync: % lacks the row key of %', src, resource
      USING ERRCODE = 'undefined_column', DETAIL = format('The key columns are %s.', array_to_string(key_cols, ', '));
  END IF;

  -- the target: schema-qualified as CREATE TABLE would place it
  tparts := parse_ident(target);
  IF array_length(tparts, 1) = 1 THEN
    tparts := ARRAY[current_schema(), tparts[1]];
  ELSIF array_length(tparts, 1) <> 2 THEN
    RAISE EXCEPTION 'orca_fdw_sync: target must be table or schema.table' USING ERRCODE = 'invalid_name';
  END IF;
  IF tparts[1] IS NULL THEN
    RAISE EXCEPTION 'orca_fdw_sync: no schema to create the target in' USING ERRCODE = 'invalid_schema_name';
  END IF;
  tgt := format('%I.%I', tparts[1], tparts[2]);

  -- one run per target at a time: the second waits for the first to commit
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('orca_fdw_sync ' || tgt, 0));
  EXECUTE format('SELECT * FROM %s WHERE target = $1 FOR UPDATE', state_tbl) INTO st USING tgt;
  GET DIAGNOSTICS n = ROW_COUNT;  -- (EXECUTE does not set FOUND)
  IF n = 0 THEN
    IF to_regclass(tgt) IS NOT NULL THEN
      RAISE EXCEPTION 'orca_fdw_sync: % exists and is not a mirror', tgt
        USING ERRCODE = 'duplicate_table', HINT = 'Name a table that does not exist; orca_fdw_sync creates it.';
    END IF;
    EXECUTE format('INSERT INTO %s (target, source, resource) VALUES ($1, $2, $3)', state_tbl)
      USING tgt, src, resource;
    EXECUTE format('SELECT * FROM %s WHERE target = $1 FOR UPDATE', state_tbl) INTO st USING tgt;
  ELSIF st.source <> src THEN
    RAISE EXCEPTION 'orca_fdw_sync: % mirrors %, not %', tgt, st.source, src USING ERRCODE = 'duplicate_table';
  END IF;
  IF to_regclass(tgt) IS NULL THEN
    EXECUTE format('CREATE TABLE %s (LIKE %s)', tgt, src);
    EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (%s)', tgt,
                   (SELECT string_agg(quote_ident(k), ', ') FROM unnest(key_cols) k));
    EXECUTE format('COMMENT ON TABLE %s IS %L', tgt, 'orca_fdw mirror of ' || src || ' (orca_fdw_sync)');
    created := true;
  END IF;

  col_list := (SELECT string_agg(quote_ident(c), ', ') FROM unnest(cols) c);
  key_list := (SELECT string_agg(quote_ident(k), ', ') FROM unnest(key_cols) k);
  join_on := (SELECT string_agg(format('t.%1$I = s.%1$I', k), ' AND ') FROM unnest(key_cols) k);
  set_list := (SELECT string_agg(format('%1$I = EXCLUDED.%1$I', c), ', ') FROM unnest(cols) c
                WHERE NOT c = ANY (key_cols));
  -- rows of orca_fdw_sync_rows into the mirror, in place; a row that did not change is not
  -- written (one row a key: searches made one after the other may list a stay twice)
  upsert := format('INSERT INTO %s AS t (%s) SELECT DISTINCT ON (%s) %s FROM orca_fdw_sync_rows '
                   'ON CONFLICT (%s) DO UPDATE SET %s WHERE (t.*) IS DISTINCT FROM (EXCLUDED.*)',
                   tgt, col_list, key_list, col_list, key_list, set_list);
  wm := CASE WHEN created THEN NULL ELSE st.watermark END;
  mode := CASE WHEN wm IS NULL OR resource NOT IN ('patients', 'admissions')
                 OR (resource = 'admissions' AND NOT 'discharge_date' = ANY (cols)) THEN 'full'
                 ELSE 'incremental' END;
  IF to_regclass('pg_temp.orca_fdw_sync_rows') IS NOT NULL THEN
    DROP TABLE pg_temp.orca_fdw_sync_rows;
  END IF;
  IF to_regclass('pg_temp.orca_fdw_sync_list') IS NOT NULL THEN
    DROP TABLE pg_temp.orca_fdw_sync_list;
  END IF;

  IF mode = 'incremental' AND resource = 'patients' THEN
    -- what changed: patientlst1v2 class=01 from the watermark (update_date >= is
    -- pushed down); it carries these columns itself
    l1_cols := ARRAY(SELECT c FROM unnest(cols) c WHERE c IN ('patient_id', 'whole_name', 'whole_name_in_kana',
                     'birth_date', 'sex', 'create_date', 'update_date', 'update_time', 'test_patient_flag'));
    rest_cols := ARRAY(SELECT c FROM unnest(cols) c WHERE NOT c = ANY (l1_cols));
    BEGIN
      EXECUTE format('CREATE TEMP TABLE orca_fdw_sync_list ON COMMIT DROP AS SELECT %s FROM %s WHERE update_date >= %L',
                     (SELECT string_agg(quote_ident(c), ', ') FROM unnest(l1_cols) c), src, wm);
    EXCEPTION WHEN fdw_unable_to_create_execution THEN
      RAISE NOTICE 'orca_fdw_sync: ORCA lists 1000 or more changed patients on one day since %; % gets a full refresh', wm, tgt
        USING DETAIL = 'patientlst1v2 answered 10 for a window of a single day: the changes of that day cannot be listed.';
      mode := 'full (fallback)';
    END;
  END IF;

  IF mode = 'incremental' AND resource = 'patients' THEN
    -- the patients whose update date and time differ from the mirror's (the
    -- day of overlap lists some again), or that it lacks
    EXECUTE format('SELECT array_agg(l.patient_id) FROM orca_fdw_sync_list l WHERE NOT EXISTS ('
                   'SELECT 1 FROM %s t WHERE t.patient_id = l.patient_id AND t.update_date IS NOT DISTINCT FROM l.update_date%s)',
                   tgt, CASE WHEN 'update_time' = ANY (l1_cols)
                             THEN ' AND t.update_time IS NOT DISTINCT FROM l.update_time' ELSE '' END)
      INTO ids;
    IF coalesce(cardinality(ids), 0) > 0 THEN
      IF cardinality(rest_cols) > 0 THEN
        -- their other columns by id: patientlst2v2, 100 ids a call (patientgetv2
        -- per patient for the columns only it carries)
        EXECUTE format('CREATE TEMP TABLE orca_fdw_sync_rows ON COMMIT DROP AS '
                       'SELECT %s FROM orca_fdw_sync_list l JOIN (SELECT patient_id, %s FROM %s WHERE patient_id = ANY ($1)) f USING (patient_id)',
                       col_list, (SELECT string_agg(quote_ident(c), ', ') FROM unnest(rest_cols) c), src)
          USING ids;
      ELSE
        EXECUTE format('CREATE TEMP TABLE orca_fdw_sync_rows ON COMMIT DROP AS SELECT %s FROM orca_fdw_sync_list WHERE patient_id = ANY ($1)',
                       col_list) USING ids;
      END IF;
      EXECUTE upsert;
      GET DIAGNOSTICS n = ROW_COUNT;
      changed := changed + n;
    END IF;
    DROP TABLE orca_fdw_sync_list;
  ELSIF mode = 'incremental' AND resource = 'admissions' THEN
    -- every current stay, and stays admitted or discharged since the
    -- watermark (hsfindv3 searches, each pushed down)
    EXECUTE format('CREATE TEMP TABLE orca_fdw_sync_rows ON COMMIT DROP AS '
                   'SELECT %1$s FROM %2$s WHERE discharge_date IS NULL '
                   'UNION SELECT %1$s FROM %2$s WHERE admission_date >= %3$L '
                   'UNION SELECT %1$s FROM %2$s WHERE discharge_date >= %3$L', col_list, src, wm);
    -- a stay the mirror holds as current that is not listed any more was
    -- discharged (with any discharge date) or cancelled: its patient's stays
    -- are read again by patient (hsptinfv2, one call per patient)
    EXECUTE format('SELECT array_agg(DISTINCT t.patient_id) FROM %s t WHERE t.discharge_date IS NULL AND NOT EXISTS '
                   '(SELECT 1 FROM orca_fdw_sync_rows s WHERE %s)', tgt, join_on) INTO ids;
    IF coalesce(cardinality(ids), 0) > 0 THEN
      EXECUTE format('INSERT INTO orca_fdw_sync_rows SELECT %1$s FROM %2$s WHERE patient_id = ANY ($1) '
                     'EXCEPT SELECT %1$s FROM orca_fdw_sync_rows', col_list, src) USING ids;
    END IF;
    EXECUTE upsert;
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    IF coalesce(cardinality(ids), 0) > 0 THEN
      -- their stays ORCA no longer has: cancelled
      EXECUTE format('DELETE FROM %s t WHERE t.patient_id = ANY ($1) AND NOT EXISTS '
                     '(SELECT 1 FROM orca_fdw_sync_rows s WHERE %s)', tgt, join_on) USING ids;
      GET DIAGNOSTICS n = ROW_COUNT;
      changed := changed + n;
    END IF;
  ELSE
    -- a full refresh: every row, upserted in place; rows ORCA no longer has are deleted
    EXECUTE format('CREATE TEMP TABLE orca_fdw_sync_rows ON COMMIT DROP AS SELECT %s FROM %s', col_list, src);
    EXECUTE upsert;
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    EXECUTE format('DELETE FROM %s t WHERE NOT EXISTS (SELECT 1 FROM orca_fdw_sync_rows s WHERE %s)', tgt, join_on);
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
  END IF;
  IF to_regclass('pg_temp.orca_fdw_sync_rows') IS NOT NULL THEN
    DROP TABLE pg_temp.orca_fdw_sync_rows;
  END IF;

  -- the next run lists from the newest date the mirror holds (never after
  -- today), minus one day: ORCA dates have day granularity, and a change
  -- registered while this run listed carries today's date at the latest
  IF resource = 'patients' AND 'update_date' = ANY (cols) THEN
    EXECUTE format('SELECT least(max(update_date), current_date) - 1 FROM %s', tgt) INTO wm;
  ELSIF resource = 'admissions' THEN
    EXECUTE format('SELECT least(max(admission_date), current_date) - 1 FROM %s', tgt) INTO wm;
  ELSE
    wm := NULL;
  END IF;
  EXECUTE format('UPDATE %s SET watermark = $2, last_run = now(), last_mode = $3, last_changed = $4, runs = runs + 1 '
                 'WHERE target = $1', state_tbl) USING tgt, wm, mode, changed;
  RETURN changed;
END
$orca_fdw_sync$;
COMMENT ON FUNCTION orca_fdw_sync(regclass, text) IS 'orca_fdw: create or refresh a local mirror of a foreign table; returns rows changed';
