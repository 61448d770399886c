-- ===================================================================
-- outings and overnight stays (外泊等登録): INSERT INTO meals with
-- patient_status → hsacctmodv2 Request_Number 2, one call per run of
-- consecutive days with one status (Perform_Date..End_Date).  Reads:
-- meals.patient_status (hsmealv2's per-day 外泊等区分).
-- ===================================================================
SELECT coalesce(max(seq), 0) AS audit_start FROM orca_fdw_audit() \gset
-- the hsacctmodv2 registrations ORCA received since the last sim_reset()
CREATE FUNCTION sim_outings() RETURNS TABLE (selector text, patient_id text, admission_date text,
  perform_date text, end_date text, patient_status text, meal_items text, api_result text)
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE reg_out (line text);
  EXECUTE format('COPY reg_out FROM PROGRAM %L WITH (FORMAT csv, QUOTE %L, DELIMITER %L, ENCODING %L)',
                 current_setting('orca_test.simctl') || 'registrations', E'\x01', E'\x02', 'UTF8');
  RETURN QUERY SELECT j ->> 'selector', j ->> 'patient_id', j ->> 'admission_date', j ->> 'perform_date',
                      j ->> 'end_date', j ->> 'patient_status', (j -> 'meal_items')::text, j ->> 'api_result'
               FROM (SELECT line::jsonb AS j FROM reg_out) r WHERE j ->> 'api' = 'hsacctmodv2'
               ORDER BY (j ->> 'seq')::bigint;
  DROP TABLE reg_out;
END $$;
CREATE FOREIGN TABLE meals_batch (patient_id text, perform_date date, morning_meal text, lunch_meal text,
  evening_meal text, patient_status text, patient_status_name text)
  SERVER orca OPTIONS (resource 'meals', batch_size '50');

-- patient 00159, admitted 2026-10-12, on the ward every day of 20–23 November
SELECT truth.load('meals', 'patient_id=00159 from=2026-11-19 to=2026-11-23');
SELECT perform_date, patient_status, patient_status_name, morning_meal, lunch_meal, evening_meal
FROM truth.meals ORDER BY perform_date;

-- EXPLAIN shows both calls an INSERT INTO meals may make
EXPLAIN (COSTS OFF)
INSERT INTO meals_batch (patient_id, perform_date, patient_status) VALUES ('00159', '2026-11-20', '01');

-- an overnight stay (外泊) over three days: with batch_size 50, one call
-- Perform_Date 20 .. End_Date 22 (End_Date is always sent)
SELECT sim_reset();
INSERT INTO meals_batch (patient_id, perform_date, patient_status)
SELECT '00159', d::date, '01' FROM generate_series(date '2026-11-20', date '2026-11-22', interval '1 day') d;
SELECT * FROM sim_outings();
SELECT sim_calls('hsacctmodv2') AS registrations, sim_calls('hsptinfv2') AS lookups;
-- reads show them, as the simulator holds them (meals of the days away read 00)
SELECT truth.load('meals', 'patient_id=00159 from=2026-11-19 to=2026-11-23');
SELECT * FROM compare_rows(
  $$SELECT patient_id, perform_date, patient_status, patient_status_name, morning_meal, lunch_meal, evening_meal
    FROM orca.meals WHERE patient_id = '00159' AND perform_date BETWEEN '2026-11-19' AND '2026-11-23'$$,
  $$SELECT patient_id, perform_date, patient_status, patient_status_name, morning_meal, lunch_meal, evening_meal
    FROM truth.meals$$);
-- the outings of a month, as a list
SELECT patient_id, perform_date, patient_status, patient_status_name FROM orca.meals
WHERE patient_id = '00159' AND perform_date BETWEEN '2026-11-01' AND '2026-11-30' AND patient_status <> '00'
ORDER BY perform_date;

-- immediate with batch_size 1 (the default): one call per row; RETURNING is
-- ORCA's answer for the day
SELECT sim_reset();
INSERT INTO orca.meals (patient_id, perform_date, patient_status) VALUES ('00159', '2026-11-22', '00')
RETURNING patient_id, perform_date, patient_status, patient_status_name;
INSERT INTO orca.meals (patient_id, perform_date, patient_status) VALUES ('00159', '2026-11-23', '2')
RETURNING perform_date, patient_status, patient_status_name;
SELECT * FROM sim_outings();
-- a status and meals in one row: the outing, then the meals (two calls)
SELECT sim_reset();
INSERT INTO orca.meals (patient_id, perform_date, patient_status, lunch_meal) VALUES ('00159', '2026-11-24', '01', '01')
RETURNING perform_date, patient_status, lunch_meal;
SELECT * FROM sim_outings();
-- days of two months, two statuses: one call per run
SELECT sim_reset();
INSERT INTO meals_batch (patient_id, perform_date, patient_status) VALUES
  ('00159', '2026-11-29', '01'), ('00159', '2026-11-30', '01'), ('00159', '2026-12-01', '01'),
  ('00159', '2026-12-02', '03'), ('00159', '2026-12-04', '03');
SELECT * FROM sim_outings();
SELECT truth.load('meals', 'patient_id=00159 from=2026-11-19 to=2026-12-05');
SELECT * FROM compare_rows(
  $$SELECT patient_id, perform_date, patient_status, patient_status_name FROM orca.meals
    WHERE patient_id = '00159' AND perform_date BETWEEN '2026-11-19' AND '2026-12-05'$$,
  $$SELECT patient_id, perform_date, patient_status, patient_status_name FROM truth.meals$$);

-- refusals: ours first, naming the column (no call) ...
SELECT sim_reset();
INSERT INTO orca.meals (patient_id, perform_date, patient_status) VALUES ('00159', '2026-11-20', 'AB');
INSERT INTO orca.meals (patient_id, perform_date, patient_status) VALUES ('00159', '2026-11-20', '99');
INSERT INTO orca.meals (patient_id, perform_date) VALUES ('00159', '2026-11-20');
INSERT INTO orca.meals (patient_id, perform_date, patient_status, ward_number) VALUES ('00159', '2026-11-20', '01', '04');
-- a day outside every stay of the patient (one hsptinfv2 lookup, no registration)
INSERT INTO orca.meals (patient_id, perform_date, patient_status) VALUES ('00159', '2026-01-05', '01');
SELECT sim_calls('hsacctmodv2') AS registrations;
-- ... then ORCA's, with DETAIL and HINT: 09 (特定曜日入退院減算) on a Wednesday
INSERT INTO orca.meals (patient_id, perform_date, patient_status) VALUES ('00159', '2026-11-25', '09');
SELECT selector, perform_date, end_date, patient_status, api_result FROM sim_outings();

-- on_commit: queued, merged and sent once at COMMIT; a rollback sends nothing
CREATE FOREIGN TABLE meals_oc (patient_id text, perform_date date, patient_status text)
  SERVER orca OPTIONS (resource 'meals', registration_mode 'on_commit');
SELECT sim_reset();
BEGIN;
INSERT INTO meals_oc VALUES ('00159', '2026-11-26', '01'), ('00159', '2026-11-27', '01');
ROLLBACK;
SELECT sim_calls('hsacctmodv2') AS registrations;
BEGIN;
INSERT INTO meals_oc VALUES ('00159', '2026-11-26', '01');
INSERT INTO meals_oc VALUES ('00159', '2026-11-27', '01');
SELECT sim_calls('hsacctmodv2') AS before_commit;
COMMIT;
SELECT * FROM sim_outings();

-- an unknown outcome is reported as unknown and never resent
SELECT sim_reset();
SELECT sim('fault http500 count=1 path=/orca31/hsacctmodv2');
INSERT INTO orca.meals (patient_id, perform_date, patient_status) VALUES ('00159', '2026-11-28', '01');
SELECT sim_calls('hsacctmodv2') AS registrations;

-- the audit log: kind outing, with the month and days
SELECT event, mode, kind, patient_id, admission_date, meal_month, meal_dates, outcome, api_result
FROM orca_fdw_audit() WHERE seq > :audit_start AND kind = 'outing' ORDER BY seq;
DROP FOREIGN TABLE meals_oc;
DROP FOREIGN TABLE meals_batch;
