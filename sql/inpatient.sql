-- ===================================================================
-- admissions, meals and the reference tables
-- ===================================================================
SELECT split_part(sim('ids current_inpatients'), ',', 1) AS inpatient \gset
-- currently admitted: hsfindv3 State 1; exactly the simulator's inpatients
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.admissions WHERE discharge_date IS NULL;
SELECT sim_reset();
SELECT string_agg(patient_id, ',' ORDER BY patient_id) = sim('ids current_inpatients') AS same_inpatients,
       count(*) AS inpatients
FROM orca.admissions WHERE discharge_date IS NULL;
SELECT sim_stats();
-- columns only hsptinfv2 carries add one call per patient found
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT patient_id, admission_date, history_number, doctor, room_charge FROM orca.admissions
    WHERE discharge_date IS NULL AND ward_number = '02'$$,
  $$SELECT patient_id, admission_date, history_number, doctor, room_charge FROM truth.admissions
    WHERE discharge_date IS NULL AND ward_number = '02'$$);
SELECT sim_stats();
-- every stay: State 1 and State 2, paged 200 rows a call
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT patient_id, admission_date, discharge_date, ward_number, room_number, department_code FROM orca.admissions$$,
  $$SELECT patient_id, admission_date, discharge_date, ward_number, room_number, department_code FROM truth.admissions$$);
SELECT sim_stats();
-- patient_id: one hsptinfv2 call with every stay of the patient, newest first
SELECT sim_reset();
SELECT * FROM compare_rows(
  format($$SELECT * FROM orca.admissions WHERE patient_id = %L$$, :'inpatient'),
  format($$SELECT * FROM truth.admissions WHERE patient_id = %L$$, :'inpatient'));
SELECT sim_stats();
-- a patient never admitted has no rows; an unknown patient neither
SELECT count(*) FROM orca.admissions WHERE patient_id IN ('00001', '99999');
-- date ranges and department become hsfindv3 criteria
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.admissions
WHERE admission_date BETWEEN '2026-01-01' AND '2026-06-30' AND department_code = '01';
SELECT * FROM compare_rows(
  $$SELECT patient_id, admission_date, discharge_date, department_code FROM orca.admissions
    WHERE admission_date BETWEEN '2026-01-01' AND '2026-06-30' AND department_code = '01'$$,
  $$SELECT patient_id, admission_date, discharge_date, department_code FROM truth.admissions
    WHERE admission_date BETWEEN '2026-01-01' AND '2026-06-30' AND department_code = '01'$$);
SELECT * FROM compare_rows(
  $$SELECT patient_id, admission_date, discharge_date FROM orca.admissions
    WHERE discharge_date BETWEEN '2026-10-01' AND '2026-10-31'$$,
  $$SELECT patient_id, admission_date, discharge_date FROM truth.admissions
    WHERE discharge_date BETWEEN '2026-10-01' AND '2026-10-31'$$);
-- meals of one patient for one month: exactly one hsmealv2 call; the rows are the simulator's
-- (truth.load('meals', filter) loads the ground truth of those days)
SELECT truth.load('meals', format('patient_id=%s from=2026-11-01 to=2026-11-30', :'inpatient')) AS truth_days;
SELECT sim_reset();
SELECT * FROM compare_rows(
  format($$SELECT * FROM orca.meals WHERE patient_id = %L AND perform_date BETWEEN '2026-11-01' AND '2026-11-30'$$,
         :'inpatient'),
  $$SELECT * FROM truth.meals$$);
SELECT sim_stats();
-- across a month boundary: one call per month
SELECT truth.load('meals', format('patient_id=%s from=2026-10-25 to=2026-11-05', :'inpatient')) AS truth_days;
SELECT sim_reset();
SELECT * FROM compare_rows(
  format($$SELECT * FROM orca.meals WHERE patient_id = %L AND perform_date BETWEEN '2026-10-25' AND '2026-11-05'$$,
         :'inpatient'),
  $$SELECT * FROM truth.meals$$);
SELECT sim_stats();
-- a month without an inpatient account: zero rows, not an error
SELECT truth.load('meals', 'patient_id=00001 from=2026-11-01 to=2026-11-30') AS truth_days;
SELECT sim_reset();
SELECT count(*) FROM orca.meals WHERE patient_id = '00001' AND perform_date BETWEEN '2026-11-01' AND '2026-11-30';
SELECT sim_stats();
-- a patient alone: the months of its stays (hsptinfv2, then hsmealv2); every day ORCA holds
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM orca.meals WHERE patient_id = '00019';
SELECT truth.load('meals', 'patient_id=00019') AS truth_days;
SELECT sim_reset();
SELECT * FROM compare_rows($$SELECT * FROM orca.meals WHERE patient_id = '00019'$$, $$SELECT * FROM truth.meals$$);
SELECT sim_calls('hsptinfv2') AS stay_calls, sim_calls('hsmealv2') AS meal_calls,
       (SELECT count(DISTINCT date_trunc('month', perform_date)) FROM truth.meals) AS months_with_meals;
-- a date range alone: the stays that overlap it, then their months
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM orca.meals WHERE perform_date BETWEEN '2026-10-01' AND '2026-10-31';
SELECT truth.load('meals', 'from=2026-10-01 to=2026-10-31') AS truth_days;
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT * FROM orca.meals WHERE perform_date BETWEEN '2026-10-01' AND '2026-10-31'$$,
  $$SELECT * FROM truth.meals$$);
-- one hsmealv2 call per patient with a stay that overlaps the range (one month)
SELECT sim_calls('hsmealv2') AS meal_calls,
       sim_calls('hsmealv2') = (SELECT count(DISTINCT patient_id) FROM truth.admissions
                                WHERE admission_date <= '2026-10-31'
                                  AND (discharge_date IS NULL OR discharge_date >= '2026-10-01')) AS one_per_patient;
-- neither: an error that names the missing condition
SELECT count(*) FROM orca.meals;
SELECT count(*) FROM orca.meals WHERE perform_date <= '2026-10-31';
-- one ward over one month: admissions drive per-patient meal calls, bounded and reported
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT a.patient_id, count(*) FROM orca.admissions a JOIN orca.meals m ON m.patient_id = a.patient_id
WHERE a.ward_number = '01' AND a.discharge_date IS NULL AND m.perform_date BETWEEN '2026-10-01' AND '2026-10-31'
GROUP BY 1 ORDER BY 1 LIMIT 3;
-- reference tables
SELECT ward_number, ward_name, ward_type_name, jsonb_array_length(room_number) AS rooms FROM orca.wards ORDER BY 1;
SELECT sim_reset();
SELECT ward_number, count(*) AS rooms, sum(bed_numbers) AS beds FROM orca.rooms GROUP BY 1 ORDER BY 1;
SELECT sim_stats();
SELECT department_code, whole_name FROM orca.departments ORDER BY 1 LIMIT 3;
SELECT truth.load('doctors') AS truth_doctors;
SELECT * FROM compare_rows($$SELECT * FROM orca.doctors$$, $$SELECT * FROM truth.doctors$$);
-- a join that BI tools write: stays with their ward names
SELECT w.ward_name, count(*) FROM orca.admissions a JOIN orca.wards w USING (ward_number)
WHERE a.discharge_date IS NULL GROUP BY 1 ORDER BY 1;
-- errors of the inpatient APIs carry their result codes
SELECT sim('fault api_error count=1 api_result=E0105 path=/orca36/hsfindv3');
SELECT count(*) FROM orca.admissions WHERE discharge_date IS NULL;
SELECT sim('fault api_error count=1 api_result=89 path=/api01rv2/hsmealv2');
SELECT count(*) FROM orca.meals WHERE patient_id = '00019' AND perform_date BETWEEN '2026-11-01' AND '2026-11-30';
