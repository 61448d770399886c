-- ===================================================================
-- transfers (転科転棟転室): UPDATE admissions SET ward_number,
-- room_number, department_code → hsptinfmodv2 Request_Number 08, dated
-- orca_fdw.transfer_date (empty: today).  Checked against the
-- simulator's registration log and its truth; refusals name the column.
-- ===================================================================
SELECT coalesce(max(seq), 0) AS audit_start FROM orca_fdw_audit() \gset
-- the hsptinfmodv2 registrations ORCA received since the last sim_reset()
CREATE FUNCTION sim_transfers() RETURNS TABLE (selector text, patient_id text, admission_date text,
  update_date text, ward_number text, room_number text, department_code text, api_result text)
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE reg_out (line text);
  EXECUTE format('COPY reg_out FROM PROGRAM %L WITH (FORMAT csv, QUOTE %L, DELIMITER %L, ENCODING %L)',
                 current_setting('orca_test.simctl') || 'registrations', E'\x01', E'\x02', 'UTF8');
  RETURN QUERY SELECT j ->> 'selector', j ->> 'patient_id', j ->> 'admission_date', j ->> 'update_date',
                      j ->> 'ward_number', j ->> 'room_number', j ->> 'department_code', j ->> 'api_result'
               FROM (SELECT line::jsonb AS j FROM reg_out) r WHERE j ->> 'api' = 'hsptinfmodv2'
               ORDER BY (j ->> 'seq')::bigint;
  DROP TABLE reg_out;
END $$;

-- patient 00109's current stay (admitted 2026-09-25): ward 03, room 407, department 01
SELECT truth.load('admissions', 'patient_id=00109');
SELECT patient_id, admission_date, discharge_date, ward_number, room_number, department_code
FROM truth.admissions ORDER BY admission_date;

-- EXPLAIN shows the call, and the date when orca_fdw.transfer_date gives one
SET orca_fdw.transfer_date = '2026-11-20';
EXPLAIN (COSTS OFF)
UPDATE orca.admissions SET ward_number = '04', room_number = '451', department_code = '10'
WHERE patient_id = '00109' AND discharge_date IS NULL;

-- the transfer: one hsptinfmodv2 08 with the date and all three fields;
-- RETURNING is ORCA's answer (the new ward's and department's names)
SELECT sim_reset();
UPDATE orca.admissions SET ward_number = '04', room_number = '451', department_code = '10'
WHERE patient_id = '00109' AND discharge_date IS NULL
RETURNING patient_id, admission_date, discharge_date, ward_number, ward_name, room_number, department_code,
          department_name;
RESET orca_fdw.transfer_date;
SELECT * FROM sim_transfers();
SELECT sim_calls('hsptinfmodv2') AS registrations;
-- later reads show the new ward, room and department, as the simulator holds them,
-- whichever API the plan reads (hsptinfv2 per patient, hsfindv3 for a ward)
SELECT truth.load('admissions', 'patient_id=00109');
SELECT * FROM compare_rows(
  $$SELECT patient_id, admission_date, discharge_date, ward_number, ward_name, room_number, department_code,
           department_name FROM orca.admissions WHERE patient_id = '00109'$$,
  $$SELECT patient_id, admission_date, discharge_date, ward_number, ward_name, room_number, department_code,
           department_name FROM truth.admissions$$);
SELECT patient_id, admission_date, ward_number, room_number, department_code
FROM orca.admissions WHERE ward_number = '04' AND discharge_date IS NULL AND patient_id = '00109';
-- meals show where the patient was each day: the move on 2026-11-20
SELECT truth.load('meals', 'patient_id=00109');
SELECT * FROM compare_rows(
  $$SELECT patient_id, perform_date, ward_number, room_number, department_code FROM orca.meals
    WHERE patient_id = '00109' AND perform_date BETWEEN '2026-11-18' AND '2026-11-22'$$,
  $$SELECT patient_id, perform_date, ward_number, room_number, department_code FROM truth.meals
    WHERE perform_date BETWEEN '2026-11-18' AND '2026-11-22'$$);
SELECT perform_date, ward_number, room_number, department_code FROM orca.meals
WHERE patient_id = '00109' AND perform_date BETWEEN '2026-11-19' AND '2026-11-20' ORDER BY perform_date;

-- "patients transferred this month" (README): a stay's ward, room or
-- department differs from the day before; ORCA keeps no transfer list,
-- hsmealv2's days are where it shows them.  Here "this month" is November
-- 2026 (the simulator's today is 2026-11-25).
SELECT truth.load('meals', 'from=2026-10-31 to=2026-11-30') > 0 AS loaded;
SELECT * FROM compare_rows(
  $$WITH days AS (
      SELECT patient_id, perform_date, ward_number, room_number, department_code,
             lag(ward_number || '/' || room_number || '/' || department_code)
               OVER (PARTITION BY patient_id ORDER BY perform_date) AS before
      FROM orca.meals WHERE perform_date BETWEEN '2026-10-31' AND '2026-11-30')
    SELECT patient_id, perform_date, before FROM days
    WHERE before <> ward_number || '/' || room_number || '/' || department_code AND perform_date >= '2026-11-01'$$,
  $$WITH days AS (
      SELECT patient_id, perform_date, ward_number, room_number, department_code,
             lag(ward_number || '/' || room_number || '/' || department_code)
               OVER (PARTITION BY patient_id ORDER BY perform_date) AS before
      FROM truth.meals)
    SELECT patient_id, perform_date, before FROM days
    WHERE before <> ward_number || '/' || room_number || '/' || department_code AND perform_date >= '2026-11-01'$$);

-- the README's form, with current_date (PostgreSQL's month, whichever it is): the
-- perform_date range is pushed down, and the answer equals the truth's
SELECT truth.load('meals', format('from=%s to=%s', to_char(date_trunc('month', current_date) - interval '1 day', 'YYYY-MM-DD'),
                                  to_char(current_date, 'YYYY-MM-DD'))) >= 0 AS loaded;
SELECT missing, extra FROM compare_rows(
  $$WITH days AS (
      SELECT patient_id, perform_date, ward_number, room_number, department_code,
             lag(ward_number || '/' || room_number || '/' || department_code)
               OVER (PARTITION BY patient_id ORDER BY perform_date) AS before
      FROM orca.meals
      WHERE perform_date BETWEEN date_trunc('month', current_date)::date - 1 AND current_date)
    SELECT patient_id, perform_date AS transferred_on, before AS "from (ward/room/department)",
           ward_number || '/' || room_number || '/' || department_code AS "to"
    FROM days
    WHERE before <> ward_number || '/' || room_number || '/' || department_code
      AND perform_date >= date_trunc('month', current_date)$$,
  $$WITH days AS (
      SELECT patient_id, perform_date, ward_number, room_number, department_code,
             lag(ward_number || '/' || room_number || '/' || department_code)
               OVER (PARTITION BY patient_id ORDER BY perform_date) AS before
      FROM truth.meals)
    SELECT patient_id, perform_date, before, ward_number || '/' || room_number || '/' || department_code
    FROM days
    WHERE before <> ward_number || '/' || room_number || '/' || department_code
      AND perform_date >= date_trunc('month', current_date)$$);

-- a room change alone sends the stay's ward and department too; the date
-- must not precede the previous transfer: ORCA's 0098, with DETAIL and HINT
SELECT sim_reset();
SET orca_fdw.transfer_date = '2026-11-19';
UPDATE orca.admissions SET room_number = '452' WHERE patient_id = '00109' AND discharge_date IS NULL;
SET orca_fdw.transfer_date = '2026-11-22';
UPDATE orca.admissions SET room_number = '452' WHERE patient_id = '00109' AND discharge_date IS NULL;
RESET orca_fdw.transfer_date;
SELECT * FROM sim_transfers();
-- unknown ward or room: ORCA's 0018 / 0020 (both at once), DETAIL and HINT
SET orca_fdw.transfer_date = '2026-11-23';
UPDATE orca.admissions SET ward_number = '99' WHERE patient_id = '00109' AND discharge_date IS NULL;
UPDATE orca.admissions SET ward_number = '04', room_number = '999' WHERE patient_id = '00109' AND discharge_date IS NULL;
SELECT api_result FROM sim_transfers() WHERE update_date = '2026-11-23';

-- our own refusals come first and name the column: no call
SELECT sim_reset();
-- a discharged stay (00015's stay of 2025-03-30 ended 2025-05-03)
UPDATE orca.admissions SET ward_number = '04' WHERE patient_id = '00015' AND admission_date = '2025-03-30';
-- a transfer and a discharge are two registrations
UPDATE orca.admissions SET ward_number = '03', discharge_date = '2026-11-24'
WHERE patient_id = '00109' AND discharge_date IS NULL;
-- the three fields are sent: none may become NULL
UPDATE orca.admissions SET department_code = NULL WHERE patient_id = '00109' AND discharge_date IS NULL;
-- the date: within the stay, not in the future, a calendar date
SET orca_fdw.transfer_date = '2026-09-01';
UPDATE orca.admissions SET room_number = '453' WHERE patient_id = '00109' AND discharge_date IS NULL;
SET orca_fdw.transfer_date = '2099-01-01';
UPDATE orca.admissions SET room_number = '453' WHERE patient_id = '00109' AND discharge_date IS NULL;
SET orca_fdw.transfer_date = '2026-02-30';
SET orca_fdw.transfer_date = 'yesterday';
RESET orca_fdw.transfer_date;
-- other columns still cannot be updated
UPDATE orca.admissions SET ward_name = 'x' WHERE patient_id = '00109';
SELECT sim_calls('hsptinfmodv2') AS registrations;
-- nothing changes: no call
UPDATE orca.admissions SET ward_number = ward_number WHERE patient_id = '00109' AND discharge_date IS NULL;
SELECT sim_calls('hsptinfmodv2') AS registrations;

-- on_commit: queued at the UPDATE, sent once at COMMIT; a rollback sends nothing
CREATE FOREIGN TABLE adm_oc (patient_id text, admission_date date, discharge_date date,
  discharge_reason_code text, ward_number text, room_number text, department_code text)
  SERVER orca OPTIONS (resource 'admissions', registration_mode 'on_commit');
SELECT sim_reset();
BEGIN;
SET LOCAL orca_fdw.transfer_date = '2026-11-24';
UPDATE adm_oc SET room_number = '453' WHERE patient_id = '00109' AND discharge_date IS NULL;
ROLLBACK;
SELECT sim_calls('hsptinfmodv2') AS registrations;
BEGIN;
SET LOCAL orca_fdw.transfer_date = '2026-11-24';
UPDATE adm_oc SET room_number = '453' WHERE patient_id = '00109' AND discharge_date IS NULL;
SELECT sim_calls('hsptinfmodv2') AS before_commit;
-- the date is the row's, taken when it was queued
SET LOCAL orca_fdw.transfer_date = '2026-11-21';
COMMIT;
SELECT * FROM sim_transfers();
-- RETURNING is refused in on_commit mode (ORCA's answer comes at COMMIT)
UPDATE adm_oc SET room_number = '454' WHERE patient_id = '00109' AND discharge_date IS NULL RETURNING room_number;

-- an unknown outcome is reported as unknown and never resent
SELECT sim_reset();
SELECT sim('fault http500 count=1 path=/orca31/hsptinfmodv2');
SET orca_fdw.transfer_date = '2026-11-25';
UPDATE orca.admissions SET room_number = '455' WHERE patient_id = '00109' AND discharge_date IS NULL;
RESET orca_fdw.transfer_date;
SELECT sim_calls('hsptinfmodv2') AS registrations;

-- the audit log: every attempt, kind transfer
SELECT event, mode, kind, patient_id, admission_date, outcome, api_result
FROM orca_fdw_audit() WHERE seq > :audit_start AND kind = 'transfer' ORDER BY seq;

-- a discharge still works as before, and cancels
SELECT sim_reset();
UPDATE orca.admissions SET discharge_date = '2026-11-25' WHERE patient_id = '00109' AND discharge_date IS NULL;
UPDATE orca.admissions SET discharge_date = NULL WHERE patient_id = '00109' AND admission_date = '2026-09-25';
SELECT selector, patient_id, admission_date, api_result FROM sim_transfers();
DROP FOREIGN TABLE adm_oc;
