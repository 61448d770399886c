-- ===================================================================
-- registration: INSERT/UPDATE/DELETE register in ORCA
-- (patientmodv2, hsptinfmodv2, hsacctmodv2), the on_commit queue,
-- failures that leave nothing lost or doubled, and the audit log
-- ===================================================================
-- audit records written before this test are not shown
SELECT coalesce(max(seq), 0) AS audit_start FROM orca_fdw_audit() \gset
-- a table with the columns UPDATE and DELETE of patients need
CREATE FOREIGN TABLE reg_patients (patient_id text, whole_name text, whole_name_in_kana text,
  birth_date date, sex text, comment1 text) SERVER orca OPTIONS (resource 'patients');

-- ===================================================================
-- patients: INSERT → patientmodv2 class=01
-- ===================================================================
-- patient_id NULL: ORCA numbers the patients; RETURNING shows the ids it gave
SELECT sim_reset();
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('試験　一郎', 'シケン　イチロウ', '1980-01-02', '1'),
       ('試験　二郎', 'シケン　ジロウ', '1981-02-03', '1'),
       ('試験　花子', 'シケン　ハナコ', '1982-03-04', '2')
RETURNING patient_id, whole_name, whole_name_in_kana, birth_date, sex;
-- one call per row, never merged
SELECT sim_stats();
-- the next SELECT finds them
SELECT patient_id, whole_name, whole_name_in_kana, birth_date, sex
FROM orca.patients WHERE patient_id IN ('20001', '20002', '20003') ORDER BY patient_id;
-- RETURNING is ORCA's answer (half-width kana in comment1 converted by ORCA);
-- a patient with the same name, sex and birth date is ORCA's warning K0
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex, comment1)
VALUES ('試験　一郎', 'シケン　イチロウ', '1980-01-02', '1', 'ｺﾒﾝﾄ')
RETURNING patient_id, comment1;

-- our own checks come first and name the column: no call is made
SELECT sim_reset();
-- half-width characters in whole_name (ORCA's Api_Result 14)
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('Yamada Taro', 'ヤマダ　タロウ', '1980-01-01', '1');
-- half-width letters in whole_name_in_kana (ORCA's Api_Result 15)
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('山田　太郎', 'yamada taro', '1980-01-01', '1');
-- a required column is missing
INSERT INTO orca.patients (whole_name, birth_date, sex) VALUES ('山田　太郎', '1980-01-01', '1');
-- the table has no such column at all
CREATE FOREIGN TABLE reg_nokana (patient_id text, whole_name text, birth_date date, sex text)
  SERVER orca OPTIONS (resource 'patients');
INSERT INTO reg_nokana (whole_name, birth_date, sex) VALUES ('山田　太郎', '1980-01-01', '1');
DROP FOREIGN TABLE reg_nokana;
-- sex is 1 or 2
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('山田　太郎', 'ヤマダ　タロウ', '1980-01-01', 'M');
-- a birth date in the future
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('山田　太郎', 'ヤマダ　タロウ', '2099-01-01', '1');
-- columns ORCA maintains itself
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex, create_date)
VALUES ('山田　太郎', 'ヤマダ　タロウ', '1980-01-01', '1', '2020-01-01');
SELECT sim_stats();
-- ORCA's own refusal: DETAIL carries Api_Result and its message
INSERT INTO orca.patients (patient_id, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('00001', '山田　太郎', 'ヤマダ　タロウ', '1980-01-01', '1');

-- ===================================================================
-- patients: UPDATE → class=02, DELETE → class=03
-- ===================================================================
-- the table lacks fields class=02 rewrites: they are read from ORCA first
-- (patientgetv2), so the update does not blank them
SELECT sim_reset();
UPDATE reg_patients SET whole_name = '試験　一朗' WHERE patient_id = '20001'
RETURNING patient_id, whole_name, birth_date, sex;
SELECT sim_stats();
SELECT patient_id, whole_name, whole_name_in_kana FROM orca.patients WHERE patient_id = '20001';
-- the imported table too: its create/update dates are not enumerated for an UPDATE
SELECT sim_reset();
UPDATE orca.patients SET whole_name = '試験　一郎' WHERE patient_id = '20001';
SELECT sim_stats();
-- changing sex or birth date: ORCA matches by id and names (Mod_Key 2)
UPDATE reg_patients SET sex = '2' WHERE patient_id = '20002' RETURNING patient_id, whole_name, sex;
-- names and sex/birth date together cannot be matched by ORCA
UPDATE reg_patients SET whole_name = '試験　次郎', birth_date = '1981-02-04' WHERE patient_id = '20002';
-- columns that cannot change (refused at plan time)
UPDATE reg_patients SET patient_id = '29999' WHERE patient_id = '20002';
UPDATE orca.patients SET create_date = '2020-01-01' WHERE patient_id = '20002';
-- DELETE matches id, name, sex and birth date
DELETE FROM reg_patients WHERE patient_id = '20003';
SELECT count(*) FROM reg_patients WHERE patient_id = '20003';
-- ORCA keeps patients with other data (here: admissions), Api_Result 82
DELETE FROM reg_patients WHERE patient_id = '00019';
-- also a patient with disease names only (17309, diseasegetv2) or receptions
-- only (17205, acceptlstv2); ORCA's data stay as they were
CREATE TEMP TABLE del_kept (patient_id text, tbl text);
INSERT INTO del_kept VALUES ('17309', 'patients'), ('17309', 'visits'), ('17309', 'diseases'),
  ('17309', 'admissions'), ('17205', 'patients'), ('17205', 'visits'), ('17205', 'diseases'), ('17205', 'admissions');
CREATE TEMP TABLE del_before AS
SELECT k.patient_id, k.tbl, j FROM del_kept k, sim_truth(k.tbl, 'patient_id=' || k.patient_id) j;
SELECT patient_id, tbl, count(j) AS orca_rows FROM del_kept LEFT JOIN del_before USING (patient_id, tbl)
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT sim_reset();
DELETE FROM reg_patients WHERE patient_id = '17309';
DELETE FROM reg_patients WHERE patient_id = '17205';
SELECT sim_calls('patientmodv2') AS patientmodv2;
SELECT * FROM compare_rows(
  $$SELECT k.patient_id, k.tbl, j FROM del_kept k, sim_truth(k.tbl, 'patient_id=' || k.patient_id) j$$,
  'SELECT * FROM del_before');
DROP TABLE del_kept, del_before;

-- ===================================================================
-- registration_mode 'on_commit': queued, sent at COMMIT
-- ===================================================================
ALTER FOREIGN TABLE reg_patients OPTIONS (ADD registration_mode 'on_commit');
-- a rolled-back transaction registers nothing: not a single call
SELECT sim_reset();
BEGIN;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('取消　太郎', 'トリケシ　タロウ', '1970-07-07', '1');
SELECT sim_calls('patientmodv2');
ROLLBACK;
SELECT sim_calls('patientmodv2');
-- RETURNING cannot know ORCA's answer before COMMIT
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('取消　太郎', 'トリケシ　タロウ', '1970-07-07', '1') RETURNING patient_id;
-- a rolled-back savepoint drops its rows; the rest is sent at COMMIT
BEGIN;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('登録　甲', 'トウロク　コウ', '1970-01-01', '1');
SAVEPOINT s1;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('登録　乙', 'トウロク　オツ', '1970-01-01', '1');
ROLLBACK TO s1;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('登録　丙', 'トウロク　ヘイ', '1970-01-01', '1');
SELECT sim_calls('patientmodv2');
COMMIT;
SELECT sim_calls('patientmodv2');
SELECT patient_id, whole_name FROM orca.patients WHERE whole_name LIKE '登録　%' ORDER BY patient_id;
-- a failure at COMMIT aborts the transaction; the error says what ORCA
-- registered already and what was not sent
SELECT sim_reset();
BEGIN;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('登録　丁', 'トウロク　テイ', '1970-01-01', '1');
INSERT INTO reg_patients (patient_id, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('00001', '登録　戊', 'トウロク　ボ', '1970-01-01', '1');
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('登録　己', 'トウロク　キ', '1970-01-01', '1');
COMMIT;
SELECT sim_calls('patientmodv2');
SELECT patient_id, whole_name FROM orca.patients WHERE whole_name LIKE '登録　%' ORDER BY patient_id;
ALTER FOREIGN TABLE reg_patients OPTIONS (DROP registration_mode);

-- ===================================================================
-- immediate mode: faults never lose or double a registration
-- ===================================================================
-- an Api_Result error injected on the 2nd of 3 rows: exactly one registered
SELECT sim_reset();
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex, comment1)
SELECT v.name, v.kana, '1990-05-05', '1',
       CASE WHEN v.n = 2 THEN nullif(sim('fault api_error count=1 path=/orca12/patientmodv2 api_result=90'), '') END
FROM (VALUES (1, '障害　一', 'ショウガイ　イチ'), (2, '障害　二', 'ショウガイ　ニ'),
             (3, '障害　三', 'ショウガイ　サン')) AS v(n, name, kana);
SELECT sim_calls('patientmodv2');
SELECT patient_id, whole_name FROM orca.patients WHERE whole_name LIKE '障害　%' ORDER BY patient_id;
-- no answer (HTTP 500): the outcome is unknown and the request is not resent
SELECT sim_reset();
SELECT sim('fault http500 count=1 path=/orca12/patientmodv2');
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('障害　四', 'ショウガイ　ヨン', '1990-05-05', '1');
SELECT sim_calls('patientmodv2');
-- the answer is lost after ORCA registered the patient: unknown, not resent,
-- and the patient does exist (terse: the transport detail varies with libcurl)
SELECT sim_reset();
SELECT sim('fault truncated count=1 path=/orca12/patientmodv2');
\set VERBOSITY terse
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('障害　六', 'ショウガイ　ロク', '1990-05-05', '1');
\set VERBOSITY default
SELECT sim_calls('patientmodv2');
SELECT patient_id, whole_name FROM orca.patients WHERE whole_name LIKE '障害　%' ORDER BY patient_id;
-- ROLLBACK cannot undo immediate registrations: a warning names them
BEGIN;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('障害　五', 'ショウガイ　ゴ', '1990-05-05', '1');
ROLLBACK;

-- ===================================================================
-- admissions: INSERT → hsptinfmodv2 01, UPDATE discharge_date → 02 / 07
-- ===================================================================
SELECT sim_reset();
INSERT INTO orca.admissions (patient_id, admission_date, ward_number, room_number, department_code, doctor)
VALUES ('00100', '2026-11-20', '01', '301', '01', '["10001"]')
RETURNING patient_id, admission_date, discharge_date, ward_number, ward_name, room_number, department_code,
          department_name;
SELECT patient_id, admission_date, discharge_date, ward_number, room_number, department_code
FROM orca.admissions WHERE patient_id = '00100';
SELECT sim_stats();
-- required columns
INSERT INTO orca.admissions (patient_id, admission_date, ward_number, room_number)
VALUES ('00101', '2026-11-20', '01', '301');
-- ORCA may answer several codes at once
INSERT INTO orca.admissions (patient_id, admission_date, ward_number, room_number, department_code)
VALUES ('00101', '2026-11-20', '09', '901', '01');
-- discharge
UPDATE orca.admissions SET discharge_date = '2026-11-24'
WHERE patient_id = '00100' AND admission_date = '2026-11-20';
SELECT patient_id, admission_date, discharge_date FROM orca.admissions WHERE patient_id = '00100';
-- a discharge date is changed by cancelling the discharge first
UPDATE orca.admissions SET discharge_date = '2026-11-25'
WHERE patient_id = '00100' AND admission_date = '2026-11-20';
UPDATE orca.admissions SET discharge_date = NULL
WHERE patient_id = '00100' AND admission_date = '2026-11-20';
SELECT patient_id, admission_date, discharge_date FROM orca.admissions WHERE patient_id = '00100';
-- other changes are not supported
UPDATE orca.admissions SET hospital_charge_code = '190077410' WHERE patient_id = '00100';
DELETE FROM orca.admissions WHERE patient_id = '00100';

-- ===================================================================
-- meals: INSERT → hsacctmodv2 4, rows merged per patient, admission, month
-- ===================================================================
ALTER FOREIGN TABLE orca.meals OPTIONS (ADD batch_size '100');
EXPLAIN (COSTS OFF) INSERT INTO orca.meals (patient_id, perform_date, morning_meal, lunch_meal, evening_meal)
VALUES ('00100', '2026-11-21', '00', '02', '02');
SELECT sim_reset();
INSERT INTO orca.meals (patient_id, perform_date, morning_meal, lunch_meal, evening_meal)
VALUES ('00100', '2026-11-21', '00', '02', '02'),
       ('00100', '2026-11-22', '00', '02', '02'),
       ('00100', '2026-11-23', '03', '03', NULL);
-- one admission lookup; two calls, as breakfast has two codes (a call sends each meal time once)
SELECT sim_stats();
-- the next SELECT sees the new codes (one hsmealv2 call for the month)
SELECT sim_reset();
SELECT perform_date, morning_meal, lunch_meal, evening_meal
FROM orca.meals WHERE patient_id = '00100' AND perform_date BETWEEN '2026-11-20' AND '2026-11-23'
ORDER BY perform_date;
SELECT sim_calls('hsmealv2');
-- codes are 00–03
INSERT INTO orca.meals (patient_id, perform_date, morning_meal) VALUES ('00100', '2026-11-24', '04');
-- days outside every admission
INSERT INTO orca.meals (patient_id, perform_date, morning_meal) VALUES ('00100', '2026-11-10', '01');
-- meals cannot be updated or deleted: a new row overwrites the day
UPDATE orca.meals SET lunch_meal = '01' WHERE patient_id = '00100' AND perform_date = '2026-11-21';
ALTER FOREIGN TABLE orca.meals OPTIONS (DROP batch_size);
-- read-only resources
INSERT INTO orca.wards (ward_number) VALUES ('09');

-- ===================================================================
-- UPDATE ... FROM / DELETE ... USING: a join that produces one target row
-- twice registers it once, and the command tag counts target rows, as
-- PostgreSQL does for a local table (a second update of a row is skipped)
-- ===================================================================
SELECT sim_reset();
WITH u AS (
  UPDATE reg_patients p SET comment1 = 'ジョイン' FROM (VALUES ('20001'), ('20001'), ('20002')) AS v(id)
  WHERE p.patient_id = v.id RETURNING p.patient_id, p.comment1)
SELECT * FROM u ORDER BY patient_id;
SELECT sim_calls('patientmodv2');
SELECT patient_id, comment1 FROM reg_patients WHERE patient_id IN ('20001', '20002') ORDER BY patient_id;
SELECT sim_reset();
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('削除　二重', 'サクジョ　ニジュウ', '1975-05-05', '2') RETURNING patient_id AS dup_id \gset
SELECT sim_reset();
-- (a DO block shows the command's row count, which psql -q does not)
SELECT set_config('reg.dup_id', :'dup_id', false);
DO $$
DECLARE n bigint;
BEGIN
  DELETE FROM reg_patients p USING (VALUES (current_setting('reg.dup_id')), (current_setting('reg.dup_id')),
                                           (current_setting('reg.dup_id'))) AS v(id)
  WHERE p.patient_id = v.id;
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'DELETE %', n;
END $$;
SELECT sim_calls('patientmodv2');
SELECT count(*) FROM reg_patients WHERE patient_id = :'dup_id';
-- admissions: a stay is identified by patient_id and admission_date
SELECT sim_reset();
DO $$
DECLARE n bigint;
BEGIN
  UPDATE orca.admissions a SET discharge_date = '2026-11-24' FROM (VALUES ('00100'), ('00100')) AS v(id)
  WHERE a.patient_id = v.id AND a.admission_date = '2026-11-20';
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'UPDATE %', n;
  UPDATE orca.admissions a SET discharge_date = NULL FROM (VALUES ('00100'), ('00100'), ('00100')) AS v(id)
  WHERE a.patient_id = v.id AND a.admission_date = '2026-11-20';
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'UPDATE %', n;
END $$;
-- one discharge, one discharge cancel
SELECT sim_calls('hsptinfmodv2');
SELECT patient_id, admission_date, discharge_date FROM orca.admissions WHERE patient_id = '00100';

-- ===================================================================
-- characters no registration may carry: refused before any call,
-- naming the column (never echoing the value)
-- ===================================================================
SELECT sim_reset();
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex, comment1)
VALUES ('制御　文字', 'セイギョ　モジ', '1990-01-01', '1', E'一行目\n二行目');
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex, allergy1)
VALUES ('制御　文字', 'セイギョ　モジ', '1990-01-01', '1', E'卵\x01');
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex, workplace_information)
VALUES ('制御　文字', 'セイギョ　モジ', '1990-01-01', '1', '{"WholeName": "会社\u0085名"}');
INSERT INTO orca.patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES (E'制御\t文字', 'セイギョ　モジ', '1990-01-01', '1');
UPDATE reg_patients SET comment1 = E'タブ\t入り' WHERE patient_id = '20001';
INSERT INTO orca.admissions (patient_id, admission_date, ward_number, room_number, department_code)
VALUES ('00101', '2026-11-20', E'01\r', '301', '01');
-- nothing was registered (the UPDATE read the patient first)
SELECT sim_stats();

-- ===================================================================
-- ORCA's answer names a Patient_ID that is not a patient number: the
-- patient may have been registered, so the outcome is unknown
-- ===================================================================
SELECT sim_reset();
SELECT sim('fault bad_patient_id count=1 path=/orca12/patientmodv2');
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('番号　不正', 'バンゴウ　フセイ', '1990-01-01', '1') RETURNING patient_id;
SELECT sim_calls('patientmodv2');
-- ORCA did register someone
SELECT patient_id, whole_name FROM orca.patients WHERE whole_name = '番号　不正';

-- ===================================================================
-- on_commit and transactions
-- ===================================================================
ALTER FOREIGN TABLE reg_patients OPTIONS (ADD registration_mode 'on_commit');
-- SERIALIZABLE may fail after COMMIT sent the queue: refused at the first row
SELECT sim_reset();
BEGIN ISOLATION LEVEL SERIALIZABLE;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('直列　太郎', 'チョクレツ　タロウ', '1970-01-01', '1');
ROLLBACK;
-- REPEATABLE READ is fine
BEGIN ISOLATION LEVEL REPEATABLE READ;
INSERT INTO reg_patients (patient_id, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('00001', '反復　太郎', 'ハンプク　タロウ', '1970-01-01', '1');
COMMIT;
SELECT sim_calls('patientmodv2');
-- COMMIT honours the statement_timeout of the COMMIT: the call in flight
-- when it elapses is "unknown", the rest is not sent (the slow call is for
-- an existing id, so ORCA refuses it whenever it gets to it)
SELECT sim_reset();
BEGIN;
INSERT INTO reg_patients (patient_id, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('00001', '期限　一', 'キゲン　イチ', '1970-01-01', '1');
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('期限　二', 'キゲン　ニ', '1970-01-01', '1');
SELECT sim('fault slow count=1 delay_ms=5000 path=/orca12/patientmodv2');
SET LOCAL statement_timeout = '1s';
COMMIT;
SELECT sim_calls('patientmodv2');
SELECT count(*) FROM orca.patients WHERE whole_name = '期限　二';
ALTER FOREIGN TABLE reg_patients OPTIONS (DROP registration_mode);
-- PREPARE TRANSACTION: earlier immediate registrations are named at once
-- (ROLLBACK PREPARED does not undo them, and may run in another session)
SELECT sim_reset();
BEGIN;
INSERT INTO reg_patients (whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('準備　一', 'ジュンビ　イチ', '1970-01-01', '1');
PREPARE TRANSACTION 'orca_fdw_reg';
ROLLBACK PREPARED 'orca_fdw_reg';
SELECT sim_calls('patientmodv2');
SELECT count(*) FROM orca.patients WHERE whole_name = '準備　一';

-- ===================================================================
-- the audit log: every attempt, before ("sent") and after ("result")
-- ===================================================================
SELECT event, mode, kind, patient_id, admission_date, discharge_date, meal_month, meal_dates, outcome,
       api_result, message, error
FROM orca_fdw_audit() WHERE seq > :audit_start ORDER BY seq;
-- every attempt has its outcome
SELECT count(*) FILTER (WHERE event = 'sent') AS sent, count(*) FILTER (WHERE event = 'result') AS results
FROM orca_fdw_audit() WHERE seq > :audit_start;
-- superuser-only unless granted
CREATE ROLE reg_auditor;
SET ROLE reg_auditor;
SELECT count(*) FROM orca_fdw_audit();
RESET ROLE;
GRANT EXECUTE ON FUNCTION orca_fdw_audit() TO reg_auditor;
SELECT count(*) AS audit_records FROM orca_fdw_audit() \gset
SET ROLE reg_auditor;
SELECT count(*) = :audit_records AS reads_every_record FROM orca_fdw_audit();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION orca_fdw_audit() FROM reg_auditor;
DROP ROLE reg_auditor;
DROP FOREIGN TABLE reg_patients;
