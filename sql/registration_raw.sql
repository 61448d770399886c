-- ===================================================================
-- registration_raw: real ORCA pads names with U+3000 (佐藤　博　) and answers
-- a lone U+3000 for empty fields; SELECT cleans them (trim_values).
-- Registrations send ORCA's own (raw) values where they identify the
-- patient and where the user did not change a value, so ORCA finds the
-- patient and nothing the user did not ask for changes; RETURNING shows
-- values as SELECT does.  Every outcome is read from the simulator's state.
-- ===================================================================
-- ORCA's record of a patient, text as ORCA holds it (the simulator's truth
-- with trim_values=false: padding and lone U+3000 kept)
CREATE FUNCTION raw_patient(id text) RETURNS SETOF orca.patients LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE raw_out (line text);
  EXECUTE format('COPY raw_out FROM PROGRAM %L WITH (FORMAT csv, QUOTE %L, DELIMITER %L, ENCODING %L)',
                 current_setting('orca_test.simctl') || 'truth patients trim_values=false patient_id=' || id,
                 E'\x01', E'\x02', 'UTF8');
  RETURN QUERY SELECT t.* FROM raw_out, jsonb_populate_record(NULL::orca.patients, line::jsonb) t;
  DROP TABLE raw_out;
END $$;
-- snapshots of ORCA's records, and what changed in ORCA since (U+3000 shown as _;
-- update_date/update_time left out: every update sets them)
CREATE TABLE raw_before (patient_id text PRIMARY KEY, j jsonb);
CREATE FUNCTION raw_snapshot(id text) RETURNS void LANGUAGE sql AS $$
  DELETE FROM raw_before WHERE patient_id = id;
  INSERT INTO raw_before SELECT id, to_jsonb(r) FROM raw_patient(id) r;
$$;
CREATE FUNCTION raw_changes(id text) RETURNS TABLE (col text, before text, after text) LANGUAGE sql AS $$
  SELECT k, replace(b.j ->> k, '　', '_'), replace(a.j ->> k, '　', '_')
  FROM raw_before b, (SELECT to_jsonb(r) AS j FROM raw_patient(id) r) a, jsonb_object_keys(b.j) k
  WHERE b.patient_id = id AND (b.j -> k) IS DISTINCT FROM (a.j -> k) AND k NOT IN ('update_date', 'update_time')
  ORDER BY k
$$;
-- the registrations of a patient ORCA received since the last sim_reset()
-- (per patient: a slow call of an earlier test may still finish meanwhile)
CREATE FUNCTION sim_registrations(id text) RETURNS TABLE (selector text, patient_id text, api_result text,
                                                          changed boolean)
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE reg_out (line text);
  EXECUTE format('COPY reg_out FROM PROGRAM %L WITH (FORMAT csv, QUOTE %L, DELIMITER %L, ENCODING %L)',
                 current_setting('orca_test.simctl') || 'registrations', E'\x01', E'\x02', 'UTF8');
  RETURN QUERY SELECT line::jsonb ->> 'selector', line::jsonb ->> 'patient_id', line::jsonb ->> 'api_result',
                      (line::jsonb ->> 'changed')::boolean FROM reg_out WHERE line::jsonb ->> 'patient_id' = id;
  DROP TABLE reg_out;
END $$;
-- RETURNING and SELECT give every column the same value (create/update
-- dates aside, see README): the columns where they differ
CREATE TABLE raw_returned (LIKE orca.patients);
CREATE FUNCTION returning_differs(id text) RETURNS TABLE (col text) LANGUAGE sql AS $$
  SELECT k FROM (SELECT to_jsonb(r) AS j FROM raw_returned r) ret,
                (SELECT to_jsonb(p) AS j FROM orca.patients p WHERE p.patient_id = id) sel, jsonb_object_keys(ret.j) k
  WHERE (ret.j -> k) IS DISTINCT FROM (sel.j -> k) AND k NOT IN ('create_date', 'update_date', 'update_time')
  ORDER BY k
$$;

-- ===================================================================
-- patient 17205: ORCA holds 佐藤　博　 and a lone U+3000 in its empty
-- free-text fields; SELECT shows them cleaned
-- ===================================================================
SELECT patient_id, replace(whole_name, '　', '_') AS whole_name, replace(whole_name_in_kana, '　', '_') AS kana,
       replace(comment1, '　', '_') AS comment1, workplace_information ->> 'WholeName' AS workplace
FROM raw_patient('17205');
SELECT patient_id, whole_name, whole_name_in_kana, comment1, sex FROM orca.patients WHERE patient_id = '17205';
SELECT raw_snapshot('17205');

-- a clean patient (nothing to clean in ORCA's record): the calls an UPDATE costs
SELECT raw_snapshot('17206');
SELECT sim_reset();
UPDATE orca.patients SET comment1 = 'メモ' WHERE patient_id = '17206';
SELECT sim_stats();
SELECT * FROM raw_changes('17206');

-- changing sex: ORCA matches by patient_id and both names (Mod_Key 2), sent
-- as ORCA holds them; one patientgetv2 more than the clean patient, one
-- registration, and only sex changes in ORCA
SELECT sim_reset();
UPDATE orca.patients SET sex = '2' WHERE patient_id = '17205'
RETURNING patient_id, whole_name, whole_name_in_kana, sex, comment1;
SELECT sim_stats();
SELECT * FROM sim_registrations('17205');
SELECT * FROM raw_changes('17205');

-- changing the birth date: the same
SELECT raw_snapshot('17205');
SELECT sim_reset();
UPDATE orca.patients SET birth_date = '1974-10-11' WHERE patient_id = '17205';
SELECT * FROM sim_registrations('17205');
SELECT * FROM raw_changes('17205');

-- changing a comment (Mod_Key 1, names rewritten): the names stay as ORCA
-- holds them (a name change would also record a former name in ORCA), the
-- other empty fields keep their U+3000, the workplace all its fields
SELECT raw_snapshot('17205');
SELECT sim_reset();
WITH u AS (UPDATE orca.patients SET comment1 = '検査予定' WHERE patient_id = '17205' RETURNING *)
INSERT INTO raw_returned SELECT * FROM u;
SELECT * FROM sim_registrations('17205');
SELECT * FROM raw_changes('17205');
-- RETURNING shows every column as SELECT does (cleaned names, NULL for the lone U+3000)
SELECT patient_id, whole_name, whole_name_in_kana, comment1, comment2, allergy1 FROM raw_returned;
SELECT * FROM returning_differs('17205');
TRUNCATE raw_returned;

-- setting a column to the value SELECT shows changes nothing in ORCA
SELECT raw_snapshot('17205');
SELECT sim_reset();
UPDATE orca.patients SET whole_name = '佐藤　博', comment2 = NULL WHERE patient_id = '17205';
SELECT * FROM sim_registrations('17205');
SELECT * FROM raw_changes('17205');

-- only the empty fields hold a lone U+3000 (patient 17203): they keep it
SELECT raw_snapshot('17203');
SELECT sim_reset();
UPDATE orca.patients SET occupation = '会社員' WHERE patient_id = '17203';
SELECT sim_calls('patientgetv2') AS patientgetv2, sim_calls('patientmodv2') AS patientmodv2;
SELECT * FROM raw_changes('17203');

-- a table without most fields reads the patient anyway (once) and keeps them too
CREATE FOREIGN TABLE raw_few (patient_id text, whole_name text, whole_name_in_kana text, birth_date date,
  sex text, comment1 text) SERVER orca OPTIONS (resource 'patients');
SELECT raw_snapshot('17845');
SELECT sim_reset();
UPDATE raw_few SET comment1 = '要確認' WHERE patient_id = '17845' RETURNING patient_id, whole_name, comment1;
SELECT sim_calls('patientgetv2') AS patientgetv2, sim_calls('patientmodv2') AS patientmodv2;
SELECT * FROM raw_changes('17845');

-- on_commit: the patient is read when the row is queued, the registration sent at COMMIT
ALTER FOREIGN TABLE raw_few OPTIONS (ADD registration_mode 'on_commit');
SELECT raw_snapshot('17845');
SELECT sim_reset();
BEGIN;
UPDATE raw_few SET sex = '1' WHERE patient_id = '17845';
SELECT sim_calls('patientmodv2') AS before_commit;
COMMIT;
SELECT * FROM sim_registrations('17845');
SELECT * FROM raw_changes('17845');
DROP FOREIGN TABLE raw_few;

-- ===================================================================
-- DELETE (class=03 matches patient_id, names, sex and birth date): the
-- names are sent as ORCA holds them; RETURNING shows them as SELECT does.
-- 17324: padded names, and no admissions, receptions or disease names (ORCA
-- deletes only such patients)
-- ===================================================================
SELECT sim_reset();
DELETE FROM orca.patients WHERE patient_id = '17324' RETURNING patient_id, whole_name, whole_name_in_kana, sex;
SELECT sim_calls('patientgetv2') AS patientgetv2;
SELECT * FROM sim_registrations('17324');
SELECT count(*) AS left_in_orca FROM raw_patient('17324');

-- ===================================================================
-- trim_values 'false': ORCA's values both ways, no extra read
-- ===================================================================
CREATE SCHEMA raw_orca;
IMPORT FOREIGN SCHEMA orca LIMIT TO (patients) FROM SERVER orca INTO raw_orca;
ALTER FOREIGN TABLE raw_orca.patients OPTIONS (ADD trim_values 'false');
SELECT raw_snapshot('17191');
SELECT sim_reset();
UPDATE raw_orca.patients SET comment1 = 'メモ' WHERE patient_id = '17191'
RETURNING patient_id, replace(whole_name, '　', '_') AS whole_name, replace(comment2, '　', '_') AS comment2;
SELECT sim_stats();
SELECT * FROM raw_changes('17191');
-- the table shows the padding, so a user can remove it: a change of name in ORCA
SELECT raw_snapshot('17191');
UPDATE raw_orca.patients SET whole_name = rtrim(whole_name, '　'), whole_name_in_kana = rtrim(whole_name_in_kana, '　')
WHERE patient_id = '17191';
SELECT * FROM raw_changes('17191');
-- a padded patient deleted through it
SELECT sim_reset();
DELETE FROM raw_orca.patients WHERE patient_id = '17051' RETURNING replace(whole_name, '　', '_') AS whole_name;
SELECT sim_stats();
SELECT count(*) AS left_in_orca FROM raw_patient('17051');
DROP SCHEMA raw_orca CASCADE;

-- EXPLAIN names the lookup
EXPLAIN (COSTS OFF) UPDATE orca.patients SET sex = '1' WHERE patient_id = '17205';
EXPLAIN (COSTS OFF) DELETE FROM orca.patients WHERE patient_id = '17205';

DROP FUNCTION returning_differs(text);
DROP TABLE raw_returned;
DROP FUNCTION sim_registrations(text);
DROP FUNCTION raw_changes(text);
DROP FUNCTION raw_snapshot(text);
DROP TABLE raw_before;
DROP FUNCTION raw_patient(text);
