-- ===================================================================
-- an HTTP client retired by ALTER SERVER / ALTER USER MAPPING while a scan
-- still uses it is not freed under the scan (trust issue, item 12)
-- ===================================================================
-- A scan run by a PL/pgSQL function goes through SPI: its executor state is
-- released with the transaction's memory, after the transaction's abort
-- callbacks.  Here the scan's own rows call a function that alters the
-- server (or the user mapping), makes the cache hand out a new client, and
-- fails: the abort must leave the old client alive until the scan is gone.
-- Before the fix the backend crashed (SIGSEGV) and took the cluster down.
\set VERBOSITY terse
CREATE FUNCTION lifetime_poison(what text) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  IF what = 'server' THEN
    ALTER SERVER orca OPTIONS (ADD request_timeout '61');
  ELSE
    ALTER USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (SET password 'ormaster');
  END IF;
  PERFORM count(*) FROM orca.departments;  -- the cache retires the scan's client
  RAISE EXCEPTION 'poisoned during the scan';
END $$;
CREATE FUNCTION lifetime_probe(what text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  -- a full scan with a patientgetv2 column: calls and jobs pending at the first row
  SELECT count(*) INTO n FROM orca.patients
  WHERE allergy1 IS DISTINCT FROM 'none' AND lifetime_poison(what);
  RETURN n;
END $$;
SELECT lifetime_probe('server');
SELECT lifetime_probe('mapping');
-- the same, caught by an exception block (a subtransaction aborts)
DO $$
BEGIN
  PERFORM lifetime_probe('server');
EXCEPTION WHEN raise_exception THEN
  RAISE NOTICE 'caught: %', SQLERRM;
END $$;
-- a cursor keeps its client across ALTER SERVER in its transaction
BEGIN;
DECLARE c CURSOR FOR
  SELECT patient_id FROM orca.patients
  WHERE patient_id IN ('00001', '00002', '00003', '00004', '00005', '00006') AND allergy1 IS DISTINCT FROM 'none';
MOVE 2 IN c;
ALTER SERVER orca OPTIONS (ADD request_timeout '61');
SELECT count(*) FROM orca.departments;
MOVE 2 IN c;
SELECT 1/0;
ROLLBACK;
-- the backend is alive, the server usable, nothing left in flight
SELECT count(*) FROM orca.patients WHERE patient_id IN ('00001', '00002') AND allergy1 IS DISTINCT FROM 'none';
SELECT server, slots_in_use, backends_waiting FROM orca_fdw_limits WHERE server = 'orca';
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'orca' AND array_to_string(srvoptions, ',') LIKE '%request_timeout%';
DROP FUNCTION lifetime_probe(text);
DROP FUNCTION lifetime_poison(text);
\set VERBOSITY default
