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
SELECT count(history_number) = count(*) AS all_have_history FROM orca.admissions
WHERE discharge_date IS NULL AND ward_number = '02';
SELECT sim_stats();
-- every stay: State 1 and State 2, paged 200 rows a call
SELECT sim_reset();
SELECT count(*), count(*) FILTER (WHERE discharge_date IS NULL) AS admitted FROM orca.admissions;
SELECT sim_stats();
-- patient_id: one hsptinfv2 call with every stay of the patient, newest first
SELECT sim_reset();
SELECT patient_id, admission_date <= coalesce(discharge_date, admission_date) AS ordered, ward_number ~ '^0[1-4]$' AS ward,
       jsonb_typeof(doctor) AS doctor, discharge_date IS NULL AS admitted
FROM orca.admissions WHERE patient_id = :'inpatient';
SELECT sim_stats();
-- a patient never admitted has no rows; an unknown patient neither
SELECT count(*) FROM orca.admissions WHERE patient_id IN ('00001', '99999');
-- date ranges and department become hsfindv3 criteria
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.admissions
WHERE admission_date BETWEEN '2026-01-01' AND '2026-06-30' AND department_code = '01';
SELECT (SELECT count(*) FROM orca.admissions
        WHERE admission_date BETWEEN '2026-01-01' AND '2026-06-30' AND department_code = '01') =
       (SELECT count(*) FROM orca.admissions
        WHERE admission_date + 0 BETWEEN '2026-01-01' AND '2026-06-30' AND department_code || '' = '01') AS same_answer;
SELECT count(*) FROM orca.admissions WHERE discharge_date BETWEEN '2026-10-01' AND '2026-10-31';
-- meals of one patient for one month: exactly one hsmealv2 call
SELECT sim_reset();
SELECT count(*) BETWEEN 1 AND 30 AS days, min(perform_date) >= '2026-11-01' AS in_month,
       bool_and(morning_meal IN ('00', '01', '02', '03')) AS codes
FROM orca.meals WHERE patient_id = :'inpatient'
  AND perform_date BETWEEN '2026-11-01' AND '2026-11-30';
SELECT sim_stats();
-- across a month boundary: one call per month
SELECT sim_reset();
SELECT count(*) > 0 AS has_days FROM orca.meals
WHERE patient_id = :'inpatient'
  AND perform_date BETWEEN '2026-10-25' AND '2026-11-05';
SELECT sim_stats();
-- a month without an inpatient account: zero rows, not an error
SELECT sim_reset();
SELECT count(*) FROM orca.meals WHERE patient_id = '00001' AND perform_date BETWEEN '2026-11-01' AND '2026-11-30';
SELECT sim_stats();
-- a patient alone: the months of its stays (hsptinfv2, then hsmealv2)
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM orca.meals WHERE patient_id = '00019';
-- a date range alone: the stays that overlap it, then their months
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM orca.meals WHERE perform_date BETWEEN '2026-10-01' AND '2026-10-31';
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
SELECT count(*) > 0 AS doctors FROM orca.doctors;
-- a join that BI tools write: stays with their ward names
SELECT w.ward_name, count(*) FROM orca.admissions a JOIN orca.wards w USING (ward_number)
WHERE a.discharge_date IS NULL GROUP BY 1 ORDER BY 1;
-- errors of the inpatient APIs carry their result codes
SELECT sim('fault api_error count=1 api_result=E0105 path=/orca36/hsfindv3');
SELECT count(*) FROM orca.admissions WHERE discharge_date IS NULL;
SELECT sim('fault api_error count=1 api_result=89 path=/api01rv2/hsmealv2');
SELECT count(*) FROM orca.meals WHERE patient_id = '00019' AND perform_date BETWEEN '2026-11-01' AND '2026-11-30';
