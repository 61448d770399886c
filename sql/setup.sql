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
              'python3 ' || :'simctl' || ' --url ' || :'sim_url' || ' ') \gexec
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
