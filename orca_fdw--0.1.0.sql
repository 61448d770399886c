/* orca_fdw--0.1.0.sql */

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
