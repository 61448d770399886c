-- ===================================================================
-- WHERE clauses become ORCA calls: EXPLAIN shows them, the simulator
-- counts them, and every clause is still rechecked locally
-- ===================================================================
-- patient_id = constant: one patientgetv2 call
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id, whole_name FROM orca.patients WHERE patient_id = '00042';
SELECT sim_reset();
SELECT patient_id, whole_name, whole_name_in_kana, birth_date, sex FROM orca.patients WHERE patient_id = '00042';
SELECT sim_stats();
-- a detail column only patientlst2v2 carries: still one call, to patientlst2v2
SELECT sim_reset();
SELECT patient_id, outpatient_class, jsonb_typeof(health_insurance_information) FROM orca.patients WHERE patient_id = '00042';
SELECT sim_stats();
-- ids are compared as text: ORCA pads '42' to '00042', so the recheck drops it
SELECT count(*) FROM orca.patients WHERE patient_id = '42';
-- NULL never matches: no call at all
SELECT sim_reset();
EXPLAIN (COSTS OFF) SELECT * FROM orca.patients WHERE patient_id = NULL;
SELECT count(*) FROM orca.patients WHERE patient_id = NULL;
SELECT sim_stats();
-- a parameter: one call per execution, generic plan included
SET plan_cache_mode = force_generic_plan;
PREPARE by_id(text) AS SELECT patient_id, sex FROM orca.patients WHERE patient_id = $1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_id('00100');
SELECT sim_reset();
EXECUTE by_id('00100');
EXECUTE by_id('00101');
SELECT sim_stats();
DEALLOCATE by_id;
RESET plan_cache_mode;
-- IN lists and = ANY: patientlst2v2, 100 ids a call; unknown ids give no row
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.patients WHERE patient_id IN ('00001', '00002', '99999');
SELECT sim_reset();
SELECT patient_id FROM orca.patients WHERE patient_id IN ('00001', '00002', '99999') ORDER BY 1;
SELECT sim_stats();
SELECT sim_reset();
SELECT count(*) FROM orca.patients
WHERE patient_id = ANY (ARRAY(SELECT lpad(g::text, 5, '0') FROM generate_series(1001, 1250) g));
SELECT sim_stats();
-- name prefix: patientlst3v2 (names are never shown in EXPLAIN)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.patients WHERE whole_name LIKE '鰐淵%';
-- the rows, compared with the simulator's ground truth (truth.patients, loaded by setup)
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_name, whole_name_in_kana, birth_date, sex FROM orca.patients WHERE whole_name LIKE '鰐淵%'$$,
  $$SELECT patient_id, whole_name, whole_name_in_kana, birth_date, sex FROM truth.patients WHERE whole_name LIKE '鰐淵%'$$);
SELECT sim_stats();
-- kana prefix with sex and a birth date range
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_name_in_kana, sex, birth_date FROM orca.patients
    WHERE whole_name_in_kana LIKE 'ヒルタ%' AND sex = '2' AND birth_date >= '1950-01-01'$$,
  $$SELECT patient_id, whole_name_in_kana, sex, birth_date FROM truth.patients
    WHERE whole_name_in_kana LIKE 'ヒルタ%' AND sex = '2' AND birth_date >= '1950-01-01'$$);
SELECT sim_stats();
-- more than 100 hits (code 21): narrowed until complete, never truncated
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_name, birth_date, sex FROM orca.patients WHERE whole_name LIKE '佐藤%'$$,
  $$SELECT patient_id, whole_name, birth_date, sex FROM truth.patients WHERE whole_name LIKE '佐藤%'$$);
SELECT sim_stats();
-- create_date window: patientlst1v2 class=02
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.patients WHERE create_date BETWEEN '2020-01-01' AND '2020-03-31';
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT patient_id, create_date, update_date, update_time FROM orca.patients
    WHERE create_date BETWEEN '2020-01-01' AND '2020-03-31'$$,
  $$SELECT patient_id, create_date, update_date, update_time FROM truth.patients
    WHERE create_date BETWEEN '2020-01-01' AND '2020-03-31'$$);
SELECT sim_stats();
-- update_date window: class=01, split while ORCA answers 10
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.patients WHERE update_date >= '2018-01-01';
SELECT * FROM compare_rows(
  $$SELECT patient_id, create_date, update_date, update_time FROM orca.patients WHERE update_date >= '2018-01-01'$$,
  $$SELECT patient_id, create_date, update_date, update_time FROM truth.patients WHERE update_date >= '2018-01-01'$$);
-- no usable qual: complete enumeration, migrated patients without dates included
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM orca.patients;
SELECT sim_reset();
SELECT count(*) FROM orca.patients;
SELECT sim_stats();
-- the same enumeration with update dates: class=01, which lists a patient under both its dates
SELECT sim_reset();
SELECT count(update_date) > 0 AS listed FROM orca.patients;
SELECT sim_calls('patientlst1v2') AS full_scan_list1 \gset
-- every row and its dates, compared with the ground truth
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_name, birth_date, sex, create_date, update_date FROM orca.patients$$,
  $$SELECT patient_id, whole_name, birth_date, sex, create_date, update_date FROM truth.patients$$);
SELECT count(*) FROM orca.patients WHERE create_date IS NULL AND update_date IS NULL;
SELECT sim('summary dateless');
-- detail columns cost patientlst2v2 calls only when the query needs them
SELECT sim_reset();
SELECT count(*) FROM orca.patients WHERE sex = '1';
SELECT sim_calls('patientlst2v2') AS detail_calls_without_detail_columns;
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_address1, phone_number1 FROM orca.patients WHERE sex = '1'$$,
  $$SELECT patient_id, whole_address1, phone_number1 FROM truth.patients WHERE sex = '1'$$);
SELECT sim_calls('patientlst2v2') AS detail_calls_with_whole_address1;
-- EXPLAIN ANALYZE reports the calls made
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT patient_id, whole_name FROM orca.patients WHERE patient_id IN ('00003', '00004');
-- every column of 2 patients: patientlst2v2 for the ids, one patientgetv2 per id for its detail
-- columns, and for create/update dates (only patientlst1v2 carries them) one date enumeration:
-- never more patientlst1v2 calls than the full scan of count(update_date) above (which lists
-- every patient with its dates)
EXPLAIN (COSTS OFF) SELECT * FROM orca.patients WHERE patient_id IN ('00003', '00004');
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT * FROM orca.patients WHERE patient_id IN ('00003', '00004')$$,
  $$SELECT * FROM truth.patients WHERE patient_id IN ('00003', '00004')$$);
SELECT sim_calls('patientlst2v2') AS list2_calls, sim_calls('patientgetv2') AS get_calls,
       sim_calls('patientlst1v2') <= :full_scan_list1 AS dates_cost_no_more_than_a_full_scan;
