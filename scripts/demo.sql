-- orca_fdw demo: ORCA's patients, admissions, meals, visits and diseases as tables.
\echo '--- set-up: the wrapper, a server, a user mapping, and the tables'
CREATE EXTENSION orca_fdw;
CREATE SERVER orca FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca OPTIONS (user 'ormaster', password 'ormaster');
CREATE SCHEMA orca;
IMPORT FOREIGN SCHEMA orca FROM SERVER orca INTO orca;
\dE orca.*

\echo '--- one patient by id: one patientgetv2 call'
EXPLAIN (VERBOSE, COSTS OFF) SELECT patient_id, whole_name, birth_date FROM orca.patients WHERE patient_id = '00042';
SELECT patient_id, whole_name, whole_name_in_kana, birth_date, sex FROM orca.patients WHERE patient_id = '00042';

\echo '--- a list of ids: patientlst2v2, 100 ids a call'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT patient_id, whole_address1 FROM orca.patients
WHERE patient_id = ANY (ARRAY(SELECT lpad(g::text, 5, '0') FROM generate_series(100, 350) g));

\echo '--- a name prefix: patientlst3v2'
SELECT patient_id, whole_name, birth_date FROM orca.patients
WHERE whole_name LIKE '鰐淵%' ORDER BY patient_id;

\echo '--- patients registered in 2024, by month: patientlst1v2 over the window'
SELECT date_trunc('month', create_date)::date AS month, count(*)
FROM orca.patients WHERE create_date BETWEEN '2024-01-01' AND '2024-12-31'
GROUP BY 1 ORDER BY 1;

\echo '--- every patient (migrated ones without dates included)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM orca.patients;

\echo '--- current inpatients per ward'
SELECT w.ward_name, count(*) AS inpatients
FROM orca.admissions a JOIN orca.wards w USING (ward_number)
WHERE a.discharge_date IS NULL GROUP BY 1 ORDER BY 1;

\echo '--- special diets served last month in ward 01'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FILTER (WHERE '02' IN (m.morning_meal, m.lunch_meal, m.evening_meal)) AS special_diet_days,
       count(*) AS inpatient_days
FROM orca.admissions a JOIN orca.meals m ON m.patient_id = a.patient_id
WHERE a.ward_number = '01' AND a.discharge_date IS NULL
  AND m.perform_date >= date_trunc('month', current_date - interval '1 month')::date
  AND m.perform_date < date_trunc('month', current_date)::date;

\echo '--- a preview, as BI tools send it: only the calls for the rows taken'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM orca.patients LIMIT 1;

\echo '--- a local list of ids joined with ORCA: one patientlst2v2 call per 100 distinct ids'
CREATE TEMP TABLE my_list AS SELECT lpad((g * 7)::text, 5, '0') AS patient_id FROM generate_series(1, 300) g;
ANALYZE my_list;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(p.whole_name) FROM my_list l JOIN orca.patients p USING (patient_id);

\echo '--- outpatient visits per department, last week: one acceptlstv2 call per day'
SELECT visit_date, department_name, count(*) AS visits
FROM orca.visits
WHERE visit_date BETWEEN current_date - 7 AND current_date - 1
GROUP BY 1, 2 ORDER BY 1, 2;

\echo '--- inpatients with their main disease: diseasegetv2 per inpatient, batched'
SELECT a.patient_id, a.ward_number, a.admission_date, d.disease_name
FROM orca.admissions a
LEFT JOIN orca.diseases d ON d.patient_id = a.patient_id AND d.disease_category = 'PD' AND d.end_date IS NULL
WHERE a.discharge_date IS NULL
ORDER BY a.ward_number, a.patient_id LIMIT 10;

\echo '--- a local mirror for dashboards: the first run copies, later runs fetch only the changes'
CREATE SCHEMA mirror;
SELECT orca_fdw_sync('orca.patients', 'mirror.patients') AS rows_changed;

\echo '--- a registration: ORCA numbers the new patient (patientmodv2 class=01)'
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('見本　花子', 'ミホン　ハナコ', '1990-04-01', '2')
RETURNING patient_id, whole_name, birth_date;
SELECT patient_id, whole_name, create_date FROM orca.patients WHERE whole_name LIKE '見本%';
SELECT orca_fdw_sync('orca.patients', 'mirror.patients') AS rows_changed_since;
SELECT patient_id, whole_name FROM mirror.patients WHERE whole_name LIKE '見本%';

\echo '--- a query that names no patient and no date on meals is refused, with the reason'
\set ON_ERROR_STOP 0
SELECT count(*) FROM orca.meals;
\set ON_ERROR_STOP 1
\echo 'demo finished'
