-- ===================================================================
-- BI tools (issue 10 items 1-3): previews under LIMIT, timestamp and
-- now() comparisons on date columns, generic plans deciding at execution.
-- Call counts from the simulator; rows against its ground truth.
-- ===================================================================
SET client_min_messages = warning;
-- the truth as it is now (earlier tests registered patients and stays)
SELECT truth.load('patients') > 0 AS patients, truth.load('admissions') > 0 AS admissions;
-- (a row of patients as jsonb equals the truth's row of that patient)
CREATE FUNCTION bi_row_ok(p jsonb) RETURNS boolean LANGUAGE sql AS $$
  SELECT p = (SELECT to_jsonb(t) FROM truth.patients t WHERE t.patient_id = p->>'patient_id') $$;

-- 1. LIMIT: a preview makes the calls for the rows it takes
-- SELECT * needs patientlst1v2 (dates), patientlst2v2 and patientgetv2 (detail columns)
EXPLAIN (COSTS OFF) SELECT * FROM orca.patients LIMIT 1;
SELECT sim_reset();
CREATE TEMP TABLE bi_one AS SELECT * FROM orca.patients LIMIT 1;
SELECT sim_calls('total') AS calls, sim_calls('total') <= 4 AS at_most_4;
SELECT count(*) AS rows, bool_and(bi_row_ok(to_jsonb(b))) AS equal_to_truth FROM bi_one b;
-- OFFSET adds: 10 rows after 5, every one a patient of the truth, complete
SELECT sim_reset();
CREATE TEMP TABLE bi_off AS SELECT * FROM orca.patients LIMIT 10 OFFSET 5;
-- two windows, one patientlst2v2 call, one patientgetv2 call per row taken
SELECT sim_calls('total') AS calls, sim_calls('total') <= 2 + 1 + 15 AS few_calls;
SELECT count(*) AS rows, bool_and(bi_row_ok(to_jsonb(b))) AS equal_to_truth FROM bi_off b;
-- a LIMIT whose rows PostgreSQL still filters: more calls only as rows are asked for, rows still right
SELECT sim_reset();
CREATE TEMP TABLE bi_filtered AS SELECT patient_id, sex, test_patient_flag FROM orca.patients WHERE test_patient_flag = '1' LIMIT 3;
SELECT count(*) AS rows, bool_and(test_patient_flag = '1') AS all_match,
       bool_and(EXISTS (SELECT 1 FROM truth.patients t WHERE t.patient_id = b.patient_id AND t.test_patient_flag = '1')) AS in_truth
  FROM bi_filtered b;
-- ORDER BY needs every row: no hint, and the first rows are those of the whole table
EXPLAIN (COSTS OFF) SELECT patient_id FROM orca.patients ORDER BY patient_id LIMIT 3;
SELECT (SELECT array_agg(patient_id) FROM (SELECT patient_id FROM orca.patients ORDER BY patient_id LIMIT 3 OFFSET 2) s) =
       (SELECT array_agg(patient_id) FROM (SELECT patient_id FROM truth.patients ORDER BY patient_id LIMIT 3 OFFSET 2) s) AS order_by_limit_right;
-- under a join the scan takes what the join needs: rows equal the truth's
SELECT * FROM compare_rows(
  $$SELECT p.patient_id, a.admission_date FROM orca.admissions a JOIN orca.patients p USING (patient_id) WHERE a.discharge_date IS NULL ORDER BY 1, 2 LIMIT 5$$,
  $$SELECT p.patient_id, a.admission_date FROM truth.admissions a JOIN truth.patients p USING (patient_id) WHERE a.discharge_date IS NULL ORDER BY 1, 2 LIMIT 5$$);
-- a LIMIT in a subquery bounds that scan only
SELECT (SELECT count(*) FROM (SELECT patient_id FROM orca.patients LIMIT 7) s JOIN truth.patients USING (patient_id)) AS joined_rows;

-- EXPLAIN ANALYZE counts the calls made (the simulator's count), none beyond the rows taken
SELECT sim_reset();
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM orca.patients LIMIT 1;
SELECT sim_calls('total') AS calls_served;
-- admissions: the current stays first, hsptinfv2 only for the patients of the rows taken
SELECT sim_reset();
CREATE TEMP TABLE bi_adm AS SELECT * FROM orca.admissions LIMIT 2;
SELECT sim_calls('total') AS calls, sim_calls('total') <= 4 AS few_calls;
SELECT * FROM compare_rows($$SELECT * FROM bi_adm$$,
  $$SELECT t.* FROM truth.admissions t JOIN bi_adm b USING (patient_id, admission_date)$$);

-- meals: a preview without conditions answers (current inpatients' current month first)
EXPLAIN (COSTS OFF) SELECT * FROM orca.meals LIMIT 100;
SELECT sim_reset();
CREATE TEMP TABLE bi_meals AS SELECT * FROM orca.meals LIMIT 100;
SELECT sim_calls('total') <= 8 AS few_calls;
SELECT truth.load('meals', 'from=2008-04-01 to=2027-02-28') > 0 AS truth_loaded;
SELECT * FROM compare_rows($$SELECT * FROM bi_meals$$,
  $$SELECT t.* FROM truth.meals t JOIN (SELECT DISTINCT patient_id, perform_date FROM bi_meals) b USING (patient_id, perform_date)$$);
SELECT count(*) FILTER (WHERE date_trunc('month', perform_date) = '2026-11-01') AS current_month_rows FROM bi_meals;
-- the refusal stays for what would read everything: no LIMIT, a LIMIT over a filter, a huge LIMIT
SELECT count(*) FROM orca.meals;
SELECT count(*) FROM (SELECT * FROM orca.meals WHERE morning_meal = 'zz' LIMIT 1) s;
SELECT count(*) FROM (SELECT * FROM orca.meals LIMIT 100000) s;

-- 2. timestamps: the same window as with dates
SELECT sim_reset();
SELECT count(*) AS date_rows FROM orca.patients WHERE create_date >= DATE '2024-01-01' AND create_date < DATE '2025-01-01';
SELECT sim_calls('total') AS date_calls \gset
SELECT sim_reset();
SELECT count(*) AS timestamp_rows FROM orca.patients WHERE create_date >= TIMESTAMP '2024-01-01' AND create_date < TIMESTAMP '2025-01-01';
SELECT sim_calls('total') = :date_calls AS same_calls_as_dates;
SELECT count(*) AS truth_rows FROM truth.patients WHERE create_date >= DATE '2024-01-01' AND create_date < DATE '2025-01-01';
EXPLAIN (COSTS OFF) SELECT patient_id FROM orca.patients WHERE create_date >= TIMESTAMP '2024-01-01' AND create_date < TIMESTAMP '2025-01-01';
-- with SELECT *: same calls with timestamps as with dates
SELECT sim_reset();
CREATE TEMP TABLE bi_d AS SELECT * FROM orca.patients WHERE create_date >= DATE '2026-11-01' AND create_date < DATE '2026-11-20';
SELECT sim_calls('total') AS date_calls \gset
SELECT sim_reset();
CREATE TEMP TABLE bi_ts AS SELECT * FROM orca.patients WHERE create_date >= TIMESTAMPTZ '2026-11-01 00:00' AND create_date < TIMESTAMP '2026-11-20';
SELECT sim_calls('total') = :date_calls AS same_calls_as_dates;
SELECT * FROM compare_rows($$SELECT * FROM bi_ts$$, $$SELECT * FROM truth.patients WHERE create_date >= '2026-11-01' AND create_date < '2026-11-20'$$);
-- a time of day: > 2026-11-10 12:00 is >= 2026-11-11; = a time that is not midnight matches no date (no call)
SELECT sim_reset();
SELECT count(*) FROM orca.patients WHERE create_date = TIMESTAMP '2024-01-01 12:00';
SELECT sim_calls('total') AS calls;
SELECT (SELECT count(*) FROM orca.patients WHERE create_date > TIMESTAMP '2026-11-10 12:00') =
       (SELECT count(*) FROM truth.patients WHERE create_date >= DATE '2026-11-11') AS gt_time_of_day;
-- a time zone: the date bound is PostgreSQL's own comparison in the session's zone
SET TimeZone = 'Pacific/Kiritimati';
SELECT (SELECT count(*) FROM orca.patients WHERE create_date >= TIMESTAMPTZ '2026-11-10 00:00+00' AND create_date <= TIMESTAMPTZ '2026-11-20 23:00+00') =
       (SELECT count(*) FROM truth.patients WHERE create_date >= TIMESTAMPTZ '2026-11-10 00:00+00' AND create_date <= TIMESTAMPTZ '2026-11-20 23:00+00') AS kiritimati;
RESET TimeZone;
-- now(), current_date, date_trunc, CAST of the column: one window, as its date equivalent
SELECT sim_reset();
SELECT count(*) >= 0 AS ok FROM orca.patients WHERE create_date >= current_date - 30;
SELECT sim_calls('total') AS date_calls \gset
SELECT sim_reset();
SELECT (SELECT count(*) FROM orca.patients WHERE create_date >= now() - interval '30 days') =
       (SELECT count(*) FROM truth.patients WHERE create_date >= now() - interval '30 days') AS now_rows;
SELECT sim_calls('total') <= :date_calls AS now_calls_as_dates;
SELECT sim_reset();
SELECT (SELECT count(*) FROM orca.patients WHERE CAST(create_date AS timestamp) >= date_trunc('month', TIMESTAMP '2026-11-25') - interval '1 month') =
       (SELECT count(*) FROM truth.patients WHERE create_date >= DATE '2026-10-01') AS cast_rows;
SELECT sim_calls('total') AS cast_calls;
EXPLAIN (COSTS OFF) SELECT patient_id FROM orca.patients WHERE create_date >= now() - interval '30 days';
-- admissions and meals take timestamp ranges too (meals does not refuse them)
SELECT sim_reset();
SELECT (SELECT count(*) FROM orca.meals WHERE perform_date >= TIMESTAMP '2026-11-01' AND perform_date < TIMESTAMP '2026-11-08') =
       (SELECT count(*) FROM truth.meals WHERE perform_date >= '2026-11-01' AND perform_date < '2026-11-08') AS meals_rows;
SELECT sim_calls('hsfindv3') AS meals_find_calls;
SELECT (SELECT count(*) FROM orca.admissions WHERE admission_date >= TIMESTAMPTZ '2026-10-01 00:00') =
       (SELECT count(*) FROM truth.admissions WHERE admission_date >= '2026-10-01') AS admissions_rows;

-- 3. generic plans decide at execution
SET plan_cache_mode = force_generic_plan;
PREPARE bi_like(text) AS SELECT patient_id, whole_name FROM orca.patients WHERE whole_name LIKE $1;
PREPARE bi_prefix(text) AS SELECT patient_id, whole_name FROM orca.patients WHERE whole_name ^@ $1;
PREPARE bi_eq(text) AS SELECT patient_id, whole_name FROM orca.patients WHERE patient_id = $1;
EXPLAIN (COSTS OFF) EXECUTE bi_like('x%');
SELECT (SELECT whole_name FROM truth.patients WHERE patient_id = '00042') AS name42 \gset
SELECT left(:'name42', 2) || '%' AS pat, left(:'name42', 2) AS pre \gset
SELECT sim_reset();
CREATE TEMP TABLE bi_g1 AS EXECUTE bi_like(:'pat');
SELECT sim_calls('total') AS g1 \gset
SELECT sim_reset();
CREATE TEMP TABLE bi_g2 AS EXECUTE bi_prefix(:'pre');
SELECT sim_calls('total') AS g2 \gset
SELECT sim_reset();
CREATE TEMP TABLE bi_g3 AS EXECUTE bi_eq('00042');
SELECT sim_calls('total') AS g3 \gset
SET plan_cache_mode = force_custom_plan;
SELECT sim_reset();
CREATE TEMP TABLE bi_c1 AS EXECUTE bi_like(:'pat');
SELECT sim_calls('total') = :g1 AS like_same_calls;
SELECT sim_reset();
CREATE TEMP TABLE bi_c2 AS EXECUTE bi_prefix(:'pre');
SELECT sim_calls('total') = :g2 AS prefix_same_calls;
SELECT sim_reset();
CREATE TEMP TABLE bi_c3 AS EXECUTE bi_eq('00042');
SELECT sim_calls('total') = :g3 AS eq_same_calls;
SELECT :g1 AS like_calls, :g3 AS eq_calls;
SELECT * FROM compare_rows('TABLE bi_g1', 'TABLE bi_c1');
SELECT * FROM compare_rows('TABLE bi_g1', format('SELECT patient_id, whole_name FROM truth.patients WHERE whole_name LIKE %L', :'pat'));
SELECT * FROM compare_rows('TABLE bi_g2', 'TABLE bi_c2');
SELECT * FROM compare_rows('TABLE bi_g3', 'TABLE bi_c3');
RESET plan_cache_mode;
DEALLOCATE bi_like;
DEALLOCATE bi_prefix;
DEALLOCATE bi_eq;
DROP FUNCTION bi_row_ok(jsonb);
