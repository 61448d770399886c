-- ===================================================================
-- create FDW objects against the test's orca-sim
-- ===================================================================
\getenv sim_url ORCA_SIM_URL
\getenv simctl ORCA_SIMCTL
CREATE SERVER orca FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (user 'ormaster', password 'ormaster');
CREATE SCHEMA orca;
IMPORT FOREIGN SCHEMA orca FROM SERVER orca INTO orca;
SELECT foreign_table_name FROM information_schema.foreign_tables ORDER BY 1;
-- helpers that ask the simulator how many ORCA calls it served
\set ECHO none
SELECT format('ALTER DATABASE %I SET orca_test.simctl = %L', current_database(),
              'python3 ' || :'simctl' || ' --url ' || :'sim_url' || ' '),
       format('SET orca_test.simctl = %L', 'python3 ' || :'simctl' || ' --url ' || :'sim_url' || ' ') \gexec
\set ECHO all
CREATE FUNCTION sim(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  IF to_regclass('pg_temp.sim_out') IS NULL THEN
    CREATE TEMP TABLE sim_out (line text);
  END IF;
  TRUNCATE sim_out;
  EXECUTE format('COPY sim_out FROM PROGRAM %L', current_setting('orca_test.simctl') || cmd);
  SELECT string_agg(line, E'\n') INTO r FROM sim_out;
  RETURN r;
END $$;
CREATE FUNCTION sim_reset() RETURNS void LANGUAGE sql AS $$ SELECT sim('reset') $$;
CREATE FUNCTION sim_stats() RETURNS text LANGUAGE sql AS $$ SELECT sim('stats') $$;
CREATE FUNCTION sim_calls(api text) RETURNS int LANGUAGE sql AS $$
  SELECT coalesce(substring(sim('stats ' || api) FROM api || '=([0-9]+)')::int, 0) $$;
-- compare_rows(got, want): both queries' rows, and the rows each lacks (EXCEPT ALL both ways).
-- An empty or partial answer shows in the counts, so a check built on it can fail.
CREATE FUNCTION compare_rows(got text, want text,
  OUT got_rows bigint, OUT want_rows bigint, OUT missing bigint, OUT extra bigint)
LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.cmp_got') IS NOT NULL THEN
    DROP TABLE pg_temp.cmp_got, pg_temp.cmp_want;
  END IF;
  EXECUTE 'CREATE TEMP TABLE cmp_got AS ' || got;
  EXECUTE 'CREATE TEMP TABLE cmp_want AS ' || want;
  SELECT count(*) INTO got_rows FROM cmp_got;
  SELECT count(*) INTO want_rows FROM cmp_want;
  SELECT count(*) INTO missing FROM (TABLE cmp_want EXCEPT ALL TABLE cmp_got) d;
  SELECT count(*) INTO extra FROM (TABLE cmp_got EXCEPT ALL TABLE cmp_want) d;
END $$;
-- the simulator's ground truth (GET /__sim/truth/<table>?<filter>, through simctl truth): one jsonb
-- per row, each column rendered as the wrapper must render it; filter is "patient_id=.. from=.. to=.."
CREATE FUNCTION sim_truth(tbl text, filter text DEFAULT '') RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.sim_truth_out') IS NULL THEN
    CREATE TEMP TABLE sim_truth_out (line text);
  END IF;
  TRUNCATE sim_truth_out;
  -- csv with a quote and a delimiter that JSON text never holds: every line is read as it is
  EXECUTE format('COPY sim_truth_out FROM PROGRAM %L WITH (FORMAT csv, QUOTE %L, DELIMITER %L, ENCODING %L)',
                 current_setting('orca_test.simctl') || 'truth ' || tbl || ' ' || filter, E'\x01', E'\x02', 'UTF8');
  RETURN QUERY SELECT line::jsonb FROM sim_truth_out;
END $$;
-- truth.load(table, filter): (re)creates the table truth.<table>, typed like orca.<table>, from the
-- simulator's ground truth; returns its row count
CREATE SCHEMA truth;
CREATE FUNCTION truth.load(tbl text, filter text DEFAULT '') RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  IF to_regclass(format('truth.%I', tbl)) IS NOT NULL THEN
    EXECUTE format('DROP TABLE truth.%I', tbl);
  END IF;
  EXECUTE format('CREATE TABLE truth.%I AS SELECT t.* FROM sim_truth(%L, %L) j, jsonb_populate_record(NULL::orca.%I, j) t',
                 tbl, tbl, filter, tbl);
  EXECUTE format('SELECT count(*) FROM truth.%I', tbl) INTO n;
  RETURN n;
END $$;
SELECT truth.load('patients') AS patients, truth.load('admissions') AS admissions;
-- the truth is only defined where the simulator's APIs agree with each other
SELECT sim('truth-check patients admissions');
