-- ===================================================================
-- registration_audit: a registration is not sent when its "sent" line
-- cannot be written to $PGDATA/orca_fdw/audit.log
-- ===================================================================
-- shell commands run as the server, in its data directory
CREATE TEMP TABLE audit_shell (line text);
CREATE FUNCTION audit_shell(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  TRUNCATE audit_shell;
  EXECUTE format('COPY audit_shell FROM PROGRAM %L', cmd);
  SELECT string_agg(line, E'\n') INTO r FROM audit_shell;
  RETURN r;
END $$;
-- the error as the client sees it, with the data directory's path left out
CREATE FUNCTION audit_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m text; d text; h text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN SQLSTATE || ': ' || regexp_replace(m, '"/[^"]*/orca_fdw/audit.log"', '"$PGDATA/orca_fdw/audit.log"')
         || E'\nDETAIL: ' || d || E'\nHINT: ' || h;
END $$;
SELECT coalesce(max(seq), 0) AS audit_start FROM orca_fdw_audit() \gset

-- the log cannot be opened for writing: nothing reaches ORCA, nothing is logged
SELECT audit_shell('mkdir -p orca_fdw && touch orca_fdw/audit.log && chmod 0400 orca_fdw/audit.log && echo read-only');
SELECT sim_reset();
SELECT audit_try($$INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
                   VALUES ('監査　一郎', 'カンサ　イチロウ', '1970-01-02', '1')$$);
SELECT sim_calls('patientmodv2') AS patientmodv2_calls;
-- on_commit: the queued registration is refused at COMMIT the same way
CREATE FOREIGN TABLE audit_oc (whole_name text, whole_name_in_kana text, birth_date date, sex text)
  SERVER orca OPTIONS (resource 'patients', registration_mode 'on_commit');
BEGIN;
INSERT INTO audit_oc VALUES ('監査　二郎', 'カンサ　ジロウ', '1971-02-03', '1');
-- (the path of the data directory left out: only the SQLSTATE)
\set VERBOSITY sqlstate
COMMIT;
\set VERBOSITY default
SELECT sim_calls('patientmodv2') AS patientmodv2_calls;

-- writable again: the registration is sent, between its two lines
SELECT audit_shell('chmod 0600 orca_fdw/audit.log && echo writable');
SELECT audit_try($$INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
                   VALUES ('監査　一郎', 'カンサ　イチロウ', '1970-01-02', '1')$$);
SELECT sim_calls('patientmodv2') AS patientmodv2_calls;
SELECT event, kind, outcome FROM orca_fdw_audit() WHERE seq > :audit_start ORDER BY seq;

DROP FOREIGN TABLE audit_oc;
DROP FUNCTION audit_try(text);
DROP FUNCTION audit_shell(text);
