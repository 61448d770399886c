-- ===================================================================
-- patients: a column's value never depends on the plan; ids and names
-- ORCA cannot take; collations; ORCA's padding (trim_values).
-- Rows are compared with the simulator's ground truth (/__sim/truth),
-- never with the wrapper's own output for the same plan.
-- ===================================================================
\set ECHO none
-- the ground truth of patients (simctl truth), typed like orca.patients
CREATE FUNCTION pt_truth() RETURNS SETOF orca.patients LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE pt_truth_out (line text);
  EXECUTE format('COPY pt_truth_out FROM PROGRAM %L WITH (FORMAT csv, QUOTE %L, DELIMITER %L, ENCODING %L)',
                 current_setting('orca_test.simctl') || 'truth patients', E'\x01', E'\x02', 'UTF8');
  RETURN QUERY SELECT t.* FROM pt_truth_out, jsonb_populate_record(NULL::orca.patients, line::jsonb) t;
  DROP TABLE pt_truth_out;
END $$;
-- q's rows against the same query over the truth: "N rows, M missing, K extra"
CREATE FUNCTION pt_compare(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  missing bigint;
  extra bigint;
BEGIN
  EXECUTE format('CREATE TEMP TABLE pt_got AS %s', q);
  EXECUTE format('CREATE TEMP TABLE pt_want AS %s', replace(q, 'orca.patients', 'pt_truth_rows'));
  SELECT count(*) INTO n FROM pt_got;
  SELECT count(*) INTO missing FROM (SELECT * FROM pt_want EXCEPT ALL SELECT * FROM pt_got) x;
  SELECT count(*) INTO extra FROM (SELECT * FROM pt_got EXCEPT ALL SELECT * FROM pt_want) x;
  DROP TABLE pt_got;
  DROP TABLE pt_want;
  RETURN format('%s rows, %s missing, %s extra', n, missing, extra);
END $$;
\set ECHO all
CREATE TEMP TABLE pt_truth_rows AS SELECT * FROM pt_truth();
SELECT count(*) AS truth_rows FROM pt_truth_rows;

-- -------------------------------------------------------------------
-- Every column from an API that carries it, for every row of every plan
-- -------------------------------------------------------------------
-- test_patient_flag: patientlst2v2 rows (ids) do not carry it, patientgetv2 does
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, test_patient_flag FROM orca.patients
                   WHERE patient_id IN ('00007', '00008', '00257')$$);
SELECT sim_stats();
SELECT patient_id, test_patient_flag FROM orca.patients WHERE patient_id IN ('00007', '00008', '00257') ORDER BY 1;
-- a test patient is found by its flag among many ids: one class=02 listing gives the
-- flags (cheaper than 2000 patientgetv2 calls), patientgetv2 asks the undated ones
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE test_patient_flag = '1'
                   AND patient_id = ANY (ARRAY(SELECT lpad(g::text, 5, '0') FROM generate_series(1, 2000) g))$$);
SELECT sim_stats();
-- patientlst3v2 rows (names) do not carry it either
SELECT pt_compare($$SELECT patient_id, test_patient_flag FROM orca.patients WHERE whole_name LIKE '鰐淵%'$$);
-- a full scan: ids patientlst1v2 cannot list come from patientlst2v2 probes, and get the
-- flag from patientgetv2 (one call per such patient: 200)
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, test_patient_flag FROM orca.patients$$);
SELECT sim_stats();
-- every column, by ids (00002 and 00042 have no create/update date, 00006 answers empty
-- details as a lone U+3000, 17205's name ends in U+3000) and by name
SELECT sim_reset();
SELECT pt_compare($$SELECT * FROM orca.patients WHERE patient_id IN ('00001', '00002', '00003', '00006', '00042', '17205')$$);
SELECT sim_stats();
SELECT pt_compare($$SELECT * FROM orca.patients WHERE patient_id = '00004'$$);
SELECT pt_compare($$SELECT * FROM orca.patients WHERE whole_name_in_kana LIKE 'ワニブチ%'$$);
-- a parameterized join: one lookup per outer id (batched joins off: sql/batch_join.sql)
SET orca_fdw.enable_batched_join = off;
EXPLAIN (COSTS OFF)
SELECT p.patient_id, p.test_patient_flag, p.outpatient_class
FROM (VALUES ('00007'), ('00010')) v(id) JOIN orca.patients p ON p.patient_id = v.id;
SELECT pt_compare($$SELECT p.patient_id, p.test_patient_flag, p.outpatient_class
                   FROM (VALUES ('00007'), ('00010')) v(id) JOIN orca.patients p ON p.patient_id = v.id$$);
RESET orca_fdw.enable_batched_join;

-- -------------------------------------------------------------------
-- create/update dates of patients found by id: one patientlst1v2 listing
-- after the lookup, stopped once every patient found is listed
-- -------------------------------------------------------------------
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id, create_date FROM orca.patients WHERE patient_id IN ('00003', '00004');
-- create_date alone: class=02, which lists each patient once
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, create_date FROM orca.patients WHERE patient_id IN ('00003', '00004')$$);
SELECT sim_stats();
-- update dates: class=01 (a patient without a create date may still have an update date)
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, update_date, update_time FROM orca.patients WHERE patient_id IN ('00003', '00004')$$);
SELECT sim_stats();
-- 00002 has no dates: the listing runs to its end (as a full scan's would)
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, create_date, update_date FROM orca.patients WHERE patient_id IN ('00001', '00002')$$);
SELECT sim_stats();
-- a create_date window bounds the listing
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, create_date FROM orca.patients
                   WHERE patient_id IN ('00003', '19990') AND create_date >= '2026-01-01'$$);
SELECT sim_stats();

-- -------------------------------------------------------------------
-- Nondeterministic collations stay local: ORCA matches exactly
-- -------------------------------------------------------------------
CREATE COLLATION pt_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXPLAIN (VERBOSE, COSTS OFF) SELECT patient_id FROM orca.patients WHERE patient_id = '０００４２' COLLATE pt_ci;
SELECT patient_id FROM orca.patients WHERE patient_id = '０００４２' COLLATE pt_ci;
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE patient_id COLLATE pt_ci IN ('０００４２', '０００４３')$$);
-- names: small and normal kana are equal at level 2; ORCA's search would not find them
SELECT 'ヨシダ　キョシ' = 'ヨシダ　キヨシ' COLLATE pt_ci AS equal_at_level2;
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name_in_kana = 'ヨシダ　キョシ' COLLATE pt_ci$$);
-- a join on a nondeterministic collation is not a parameterized lookup
CREATE TEMP TABLE pt_ids (id text COLLATE pt_ci);
INSERT INTO pt_ids VALUES ('０００４２'), ('00043');
EXPLAIN (COSTS OFF) SELECT p.patient_id FROM pt_ids i JOIN orca.patients p ON p.patient_id = i.id COLLATE pt_ci;
SELECT pt_compare($$SELECT p.patient_id FROM pt_ids i JOIN orca.patients p ON p.patient_id = i.id COLLATE pt_ci$$);
-- deterministic collations are pushed
EXPLAIN (VERBOSE, COSTS OFF) SELECT patient_id FROM orca.patients WHERE patient_id = '00042' COLLATE "C";

-- -------------------------------------------------------------------
-- Ids: every spelling SQL can match is asked; impossible ones never
-- -------------------------------------------------------------------
SELECT sim_reset();
SELECT patient_id FROM orca.patients WHERE patient_id IN ('0000000000000000000042', '00042');
SELECT patient_id FROM orca.patients WHERE patient_id IN ('42', '00042', '42');
SELECT sim_stats();
-- too long for ORCA's field, control or non-ASCII characters: no call, no row, no error
SELECT sim_reset();
SELECT count(*) FROM orca.patients WHERE patient_id = repeat('1', 100000);
SELECT count(*) FROM orca.patients WHERE patient_id = E'000\n42';
SELECT count(*) FROM orca.patients WHERE patient_id = E'00042\x01';
SELECT patient_id FROM orca.patients WHERE patient_id IN (repeat('9', 100000), E'0\t0042', '00042', '０００４２');
SELECT sim_stats();
EXPLAIN (COSTS OFF) SELECT * FROM orca.patients WHERE patient_id = E'000\n42';
PREPARE pt_by_id(text) AS SELECT count(*) FROM orca.patients WHERE patient_id = $1;
EXECUTE pt_by_id(repeat('1', 100000));
EXECUTE pt_by_id(E'000\r\n42');
DEALLOCATE pt_by_id;
SELECT count(*) FROM (VALUES (repeat('1', 100000)), ('00042')) v(id) JOIN orca.patients p ON p.patient_id = v.id;

-- -------------------------------------------------------------------
-- Names ORCA's name search refuses (Api_Result 10) are filtered locally
-- -------------------------------------------------------------------
EXPLAIN (VERBOSE, COSTS OFF) SELECT patient_id FROM orca.patients WHERE whole_name LIKE '𠮷田%';
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, whole_name FROM orca.patients WHERE whole_name LIKE '𠮷田%'$$);
SELECT sim_stats();
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name LIKE '髙橋%' OR whole_name LIKE U&'\E000藤%'$$);
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name = U&'\E000藤　茂'$$);
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name LIKE U&'\FFFD%'$$);
-- the same variant names' kana are plain: pushed
SELECT pt_compare($$SELECT patient_id, whole_name FROM orca.patients WHERE whole_name_in_kana LIKE 'ヨシダ　ハナコ%'$$);
-- if ORCA refuses a name anyway, every patient is read and PostgreSQL filters
SELECT sim('fault api_error path=/api01rv2/patientlst3v2 api_result=10');
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name LIKE '鰐淵%'$$);

-- -------------------------------------------------------------------
-- Birth dates before 1800 and after today: a narrowed name search finds them
-- -------------------------------------------------------------------
SELECT sim_reset();
SELECT pt_compare($$SELECT patient_id, birth_date FROM orca.patients WHERE whole_name LIKE '佐藤%'$$);
SELECT sim_stats();
SELECT pt_compare($$SELECT patient_id, birth_date FROM orca.patients
                   WHERE whole_name LIKE '佐藤%' AND (birth_date < '1800-01-01' OR birth_date > '2026-11-25')$$);
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name LIKE '佐藤%' AND birth_date < '1800-01-01'$$);
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name LIKE '佐藤%' AND birth_date <= '1760-01-01'$$);

-- -------------------------------------------------------------------
-- ORCA's padding: blank is NULL, trailing U+3000 cut (trim_values, default on)
-- -------------------------------------------------------------------
SELECT whole_name, whole_name = '佐藤　博' AS cut, whole_name_in_kana FROM orca.patients WHERE patient_id = '17205';
SELECT patient_id, contraindication1, comment1 FROM orca.patients WHERE patient_id = '00006';
-- the padded name is found by its value
SELECT pt_compare($$SELECT patient_id FROM orca.patients WHERE whole_name = '佐藤　博'$$);
SELECT pt_compare($$SELECT patient_id, workplace_information, contact_information, care_information
                   FROM orca.patients WHERE patient_id = ANY (ARRAY(SELECT lpad(g::text, 5, '0') FROM generate_series(1, 60) g))$$);
-- trim_values 'false': ORCA's raw values, compared by SQL as they are
CREATE FOREIGN TABLE raw_patients (
  patient_id text, whole_name text, whole_name_in_kana text, contraindication1 text, comment1 text
) SERVER orca OPTIONS (resource 'patients', trim_values 'false');
SELECT patient_id, whole_name, octet_length(whole_name), contraindication1 = '　' AS lone_space
FROM raw_patients WHERE patient_id IN ('00006', '17205') ORDER BY 1;
SELECT patient_id FROM raw_patients WHERE whole_name = '佐藤　博　';
-- the pushed search against a full scan of the raw values
SELECT (SELECT array_agg(patient_id ORDER BY patient_id) FROM raw_patients WHERE whole_name = '佐藤　博') =
       (SELECT array_agg(patient_id ORDER BY patient_id) FROM raw_patients WHERE whole_name || '' = '佐藤　博')
       AS same_rows,
       (SELECT count(*) FROM raw_patients WHERE whole_name = '佐藤　博') AS unpadded;
ALTER FOREIGN TABLE raw_patients OPTIONS (SET trim_values 'maybe');
ALTER FOREIGN TABLE raw_patients OPTIONS (SET trim_values 'on');
SELECT whole_name FROM raw_patients WHERE patient_id = '17205';
DROP FOREIGN TABLE raw_patients;
