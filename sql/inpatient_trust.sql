-- ===================================================================
-- admissions and meals: every row ORCA holds, each column the same
-- whatever the plan, and zero rows (never an error) for valid queries
-- that nothing matches (issue 8, items 1, 2, 3, 7, 8).  Each answer is
-- compared with the same rows read through another plan.
-- ===================================================================
-- the simulator's current inpatients, once (sim() is volatile: never in a WHERE clause)
SELECT sim('ids current_inpatients') AS inpatients \gset
SELECT split_part(:'inpatients', ',', 1) AS inpatient \gset
-- -------------------------------------------------------------------
-- every row and every column against the simulator's ground truth
-- (truth.admissions, loaded by setup; truth.meals over a window)
-- -------------------------------------------------------------------
SELECT * FROM compare_rows('SELECT * FROM orca.admissions', 'SELECT * FROM truth.admissions');
SELECT * FROM compare_rows($$SELECT * FROM orca.admissions
                             WHERE patient_id = ANY (ARRAY(SELECT DISTINCT patient_id FROM truth.admissions))$$,
                           'SELECT * FROM truth.admissions');
SELECT truth.load('meals', 'from=2026-09-01 to=2027-06-30') AS meals;
SELECT * FROM compare_rows($$SELECT * FROM orca.meals WHERE perform_date BETWEEN '2026-09-01' AND '2027-06-30'$$,
                           'SELECT * FROM truth.meals');
SELECT * FROM compare_rows($$SELECT * FROM orca.meals
                             WHERE patient_id = ANY (ARRAY(SELECT DISTINCT patient_id FROM truth.meals))
                               AND perform_date >= '2026-09-01'$$,
                           'SELECT * FROM truth.meals');
SELECT count(*) FILTER (WHERE perform_date > '2026-11-30') > 0 AS months_ahead FROM truth.meals;
-- timestamp bounds on a date column are pushed too (as the date bound that selects the same dates)
SELECT * FROM compare_rows(
  $$SELECT * FROM orca.meals WHERE perform_date > '2026-11-10 12:00'::timestamp AND perform_date < '2026-11-20'::timestamptz$$,
  $$SELECT * FROM truth.meals WHERE perform_date > '2026-11-10 12:00'::timestamp AND perform_date < '2026-11-20'::timestamptz$$);
SELECT * FROM compare_rows(
  $$SELECT * FROM orca.admissions WHERE admission_date >= '2026-11-01 00:00:01'::timestamp$$,
  $$SELECT * FROM truth.admissions WHERE admission_date >= '2026-11-01 00:00:01'::timestamp$$);
EXPLAIN (COSTS OFF) SELECT * FROM orca.meals WHERE perform_date > '2026-11-10 12:00'::timestamp;
-- two spellings of one patient: Patient_ID is 20 bytes, so the longer one is never sent
SELECT * FROM compare_rows(
  format($$SELECT * FROM orca.admissions WHERE patient_id = ANY (ARRAY['0000000000000000000' || %L, %L])$$,
         :'inpatient', :'inpatient'),
  format($$SELECT * FROM truth.admissions WHERE patient_id = %L$$, :'inpatient'));
SELECT * FROM compare_rows(
  format($$SELECT * FROM orca.meals WHERE patient_id IN ('0000000000000000000' || %L, %L)
           AND perform_date >= '2026-09-01'$$, :'inpatient', :'inpatient'),
  format($$SELECT * FROM truth.meals WHERE patient_id = %L$$, :'inpatient'));
-- -------------------------------------------------------------------
-- item 1: hsptinfv2-only columns on a full scan lose no stay
-- -------------------------------------------------------------------
-- three plans: hsfindv3 alone; hsfindv3 and hsptinfv2 (history_number);
-- hsptinfv2 per patient
CREATE TEMP TABLE stays_find AS SELECT patient_id, admission_date FROM orca.admissions;
SELECT sim_reset();
CREATE TEMP TABLE stays_joined AS SELECT patient_id, admission_date, history_number FROM orca.admissions;
-- one hsptinfv2 call per patient, none twice
SELECT sim_calls('hsptinfv2') = (SELECT count(DISTINCT patient_id) FROM stays_find) AS one_call_per_patient,
       sim_calls('hsfindv3') AS hsfindv3_calls;
CREATE TEMP TABLE stays_by_patient AS
SELECT patient_id, admission_date, history_number FROM orca.admissions
WHERE patient_id = ANY (ARRAY(SELECT DISTINCT patient_id FROM stays_find));
SELECT (SELECT count(*) FROM stays_find) AS stays,
       (SELECT count(*) FROM stays_joined) AS joined,
       (SELECT count(history_number) FROM stays_joined) AS with_history,
       (SELECT count(*) FROM (SELECT * FROM stays_joined EXCEPT ALL SELECT * FROM stays_by_patient) d) AS joined_only,
       (SELECT count(*) FROM (SELECT * FROM stays_by_patient EXCEPT ALL SELECT * FROM stays_joined) d) AS by_patient_only,
       (SELECT count(*) FROM (SELECT * FROM stays_find EXCEPT ALL SELECT patient_id, admission_date FROM stays_by_patient) d) AS find_only;
-- the same at max_concurrent_requests 1
ALTER SERVER orca OPTIONS (ADD max_concurrent_requests '1');
SELECT count(*) AS stays, count(history_number) AS with_history FROM orca.admissions;
ALTER SERVER orca OPTIONS (DROP max_concurrent_requests);
-- test patients' stays are stays (hsfindv3 is asked to include them)
SELECT count(*) AS test_patient_stays FROM stays_find WHERE patient_id IN ('02007', '02257');
SELECT count(*) AS test_patient_stays FROM orca.admissions WHERE patient_id IN ('02007', '02257');
-- -------------------------------------------------------------------
-- item 2: every column that hsfindv3 and hsptinfv2 both carry reads the
-- same by criteria (hsfindv3) and by patient (hsptinfv2); the list is the
-- one the unit test InpatientCatalog.ColumnsCarriedByBothApisAreKnown fixes
-- -------------------------------------------------------------------
SELECT sim_reset();
CREATE TEMP TABLE cols_find AS
SELECT patient_id, admission_date, discharge_date, ward_number, ward_name, room_number, department_code,
       department_name, discharge_reason_code, discharge_reason_name, whole_name, whole_name_in_kana, sex,
       birth_date, insurance_combination_number
FROM orca.admissions;
SELECT sim_calls('hsptinfv2') AS hsptinfv2_calls;
SELECT sim_reset();
CREATE TEMP TABLE cols_info AS
SELECT patient_id, admission_date, discharge_date, ward_number, ward_name, room_number, department_code,
       department_name, discharge_reason_code, discharge_reason_name, whole_name, whole_name_in_kana, sex,
       birth_date, insurance_combination_number
FROM orca.admissions WHERE patient_id = ANY (ARRAY(SELECT DISTINCT patient_id FROM stays_find));
SELECT sim_calls('hsfindv3') AS hsfindv3_calls;
SELECT (SELECT count(*) FROM cols_find) AS stays,
       (SELECT count(*) FROM (SELECT * FROM cols_find EXCEPT ALL SELECT * FROM cols_info) d) AS find_only,
       (SELECT count(*) FROM (SELECT * FROM cols_info EXCEPT ALL SELECT * FROM cols_find) d) AS info_only,
       (SELECT count(*) FROM cols_find WHERE discharge_date IS NOT NULL AND discharge_reason_name IS NULL) AS no_reason;
-- each API's insurance object has its own column, read the same by both plans
CREATE TEMP TABLE ins_current AS
SELECT patient_id, admission_date, health_insurance_information, health_insurance_certificates
FROM orca.admissions WHERE discharge_date IS NULL;
CREATE TEMP TABLE ins_by_patient AS
SELECT patient_id, admission_date, health_insurance_information, health_insurance_certificates
FROM orca.admissions WHERE patient_id = ANY (string_to_array(:'inpatients', ','))
  AND discharge_date IS NULL;
SELECT (SELECT count(*) FROM ins_current) AS stays,
       (SELECT count(*) FROM (SELECT patient_id, admission_date, health_insurance_information::text,
                                     health_insurance_certificates::text FROM ins_current
                              EXCEPT ALL
                              SELECT patient_id, admission_date, health_insurance_information::text,
                                     health_insurance_certificates::text FROM ins_by_patient) d) AS differ,
       (SELECT count(*) FROM ins_current WHERE health_insurance_information ? 'HealthInsuredPerson_Symbol'
                                          AND health_insurance_certificates ? 'Certificate_StartDate') AS both_kinds;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT health_insurance_certificates FROM orca.admissions WHERE patient_id = :'inpatient';
-- -------------------------------------------------------------------
-- item 3: meals after the current month (ORCA keeps accounts ahead)
-- -------------------------------------------------------------------
-- truth: December to February read month by month for each inpatient
CREATE TEMP TABLE ahead AS
SELECT m.patient_id, m.perform_date, m.morning_meal
FROM unnest(string_to_array(:'inpatients', ',')) AS i(id)
CROSS JOIN LATERAL (SELECT patient_id, perform_date, morning_meal FROM orca.meals
                    WHERE patient_id = i.id AND perform_date BETWEEN '2026-12-01' AND '2027-02-28') m;
SELECT count(*) > 0 AS has_rows, count(DISTINCT patient_id) > 10 AS patients,
       max(perform_date) AS last_day FROM ahead;
-- by patient with an open start (hsptinfv2, then the stays' months)
CREATE TEMP TABLE ahead_by_patient AS
SELECT patient_id, perform_date, morning_meal FROM orca.meals
WHERE patient_id = ANY (string_to_array(:'inpatients', ',')) AND perform_date >= '2026-12-01';
-- by date alone (hsfindv3, then the stays' months)
SELECT sim_reset();
CREATE TEMP TABLE ahead_by_date AS
SELECT patient_id, perform_date, morning_meal FROM orca.meals WHERE perform_date >= '2026-12-01';
-- three months of each inpatient at most: 2026-12 to 2027-02
SELECT sim_calls('hsmealv2') <= 3 * (SELECT count(*) FROM unnest(string_to_array(:'inpatients', ','))) AS bounded;
CREATE TEMP TABLE next_month AS
SELECT patient_id, perform_date, morning_meal FROM orca.meals WHERE perform_date BETWEEN '2026-12-01' AND '2026-12-31';
SELECT (SELECT count(*) FROM (SELECT * FROM ahead EXCEPT ALL SELECT * FROM ahead_by_patient) d) AS missing_by_patient,
       (SELECT count(*) FROM (SELECT * FROM ahead_by_patient EXCEPT ALL SELECT * FROM ahead) d) AS extra_by_patient,
       (SELECT count(*) FROM (SELECT * FROM ahead EXCEPT ALL SELECT * FROM ahead_by_date) d) AS missing_by_date,
       (SELECT count(*) FROM (SELECT * FROM ahead_by_date EXCEPT ALL SELECT * FROM ahead) d) AS extra_by_date,
       (SELECT count(*) FROM (SELECT * FROM ahead WHERE perform_date < '2027-01-01'
                              EXCEPT ALL SELECT * FROM next_month) d) AS missing_next_month;
-- a patient whose accounts reach February, alone: as far
SELECT min(patient_id) AS far FROM ahead WHERE perform_date >= '2027-02-01' \gset
SELECT count(*) = (SELECT count(*) FROM ahead WHERE patient_id = :'far') AS same_days
FROM orca.meals WHERE patient_id = :'far' AND perform_date >= '2026-12-01';
-- test patients' days by date too (patient_id || '' is not pushed: the plan is by date)
SELECT (SELECT count(*) FROM orca.meals WHERE perform_date BETWEEN '2026-09-01' AND '2026-11-30'
          AND patient_id || '' IN ('06757', '12007', '14007')) AS by_date,
       (SELECT count(*) FROM orca.meals WHERE perform_date BETWEEN '2026-09-01' AND '2026-11-30'
          AND patient_id IN ('06757', '12007', '14007')) AS by_patient;
-- beyond three months after the current one ORCA has no account: no call
SELECT sim_reset();
SELECT count(*) FROM orca.meals WHERE perform_date >= '2027-03-01';
SELECT sim_calls('hsmealv2') AS hsmealv2_calls;
-- -------------------------------------------------------------------
-- item 7: meals queries that used to fail
-- -------------------------------------------------------------------
SELECT count(*) AS inpatient_days FROM orca.meals
WHERE patient_id = :'inpatient' AND perform_date BETWEEN '2026-11-01' AND '2026-11-30' \gset
-- an unknown patient among known ones (hsmealv2 02): zero rows for it
SELECT count(*) = :inpatient_days AS same FROM orca.meals
WHERE patient_id IN (:'inpatient', '99999', 'x1') AND perform_date BETWEEN '2026-11-01' AND '2026-11-30';
SELECT count(*) = :inpatient_days AS same
FROM (VALUES (:'inpatient'), ('99999'), ('0')) v(id) JOIN orca.meals m ON m.patient_id = v.id
WHERE m.perform_date BETWEEN '2026-11-01' AND '2026-11-30';
-- ranges reaching before 2008-04 (hsmealv2 92), years before 1900, infinities
SELECT count(*) AS all_days FROM orca.meals WHERE patient_id = :'inpatient' \gset
SELECT count(*) = :all_days AS same FROM orca.meals WHERE patient_id = :'inpatient' AND perform_date >= '-infinity';
SELECT count(*) = :all_days AS same FROM orca.meals WHERE patient_id = :'inpatient' AND perform_date < 'infinity';
SELECT count(*) = :all_days AS same FROM orca.meals
WHERE patient_id = :'inpatient' AND perform_date BETWEEN '1800-01-01' AND '9999-12-31';
SELECT count(*) = :all_days AS same FROM orca.meals
WHERE patient_id = :'inpatient' AND perform_date > '0044-03-15 BC';
SELECT sim_reset();
SELECT count(*) FROM orca.meals WHERE patient_id = :'inpatient' AND perform_date BETWEEN '1500-01-01' AND '2008-03-31';
SELECT count(*) FROM orca.meals WHERE patient_id = :'inpatient' AND perform_date <= '-infinity';
SELECT count(*) FROM orca.meals WHERE perform_date = 'infinity';
SELECT sim_stats();
-- a date alone from -infinity is a start (from April 2008, the first month hsmealv2 answers);
-- an end alone is not
SELECT sim_reset();
SELECT count(*) FROM orca.meals WHERE perform_date BETWEEN '-infinity' AND '2008-06-30';
SELECT sim_calls('hsfindv3') > 0 AS searched, sim_calls('hsmealv2') AS hsmealv2_calls;
SELECT count(*) FROM orca.meals WHERE perform_date <= '2008-06-30';
-- -------------------------------------------------------------------
-- item 8: admissions queries that used to fail
-- -------------------------------------------------------------------
SELECT count(*) AS stays, count(discharge_date) AS discharged FROM cols_find \gset
-- a ward and a department ORCA does not know (E0008, E0007)
SELECT count(*) FROM orca.admissions WHERE ward_number = '99';
SELECT count(*) FROM orca.admissions WHERE department_code = '99';
SELECT count(*) FROM orca.admissions WHERE ward_number = '99' AND discharge_date IS NULL;
-- dates before 1900, far ahead, and infinite
SELECT sim_reset();
SELECT count(*) FROM orca.admissions WHERE admission_date < '1899-01-01';
SELECT count(*) FROM orca.admissions WHERE discharge_date BETWEEN '1800-01-01' AND '1899-12-31';
SELECT count(*) FROM orca.admissions WHERE admission_date = 'infinity';
SELECT count(*) FROM orca.admissions WHERE discharge_date < '-infinity';
SELECT count(*) FROM orca.admissions WHERE admission_date > '9999-12-31';
-- (DateBounds is shared: the same for every table)
SELECT count(*) FROM orca.patients WHERE update_date > '9999-12-31';
SELECT count(*) FROM orca.patients WHERE create_date < '-infinity';
SELECT sim_stats();
SELECT count(*) = :stays AS same FROM orca.admissions WHERE admission_date > '1800-01-01';
SELECT count(*) = :stays AS same FROM orca.admissions WHERE admission_date <= 'infinity';
SELECT count(*) = :stays AS same FROM orca.admissions WHERE admission_date < '20000-01-01';
SELECT count(*) = :discharged AS same FROM orca.admissions WHERE discharge_date > '-infinity';
SELECT count(*) = :discharged AS same FROM orca.admissions WHERE discharge_date >= '0100-01-01 BC';
-- infinities as parameters reach the scan at execution
PREPARE since(date) AS SELECT count(*) FROM orca.admissions WHERE admission_date >= $1;
EXECUTE since('-infinity');
EXECUTE since('infinity');
DEALLOCATE since;
