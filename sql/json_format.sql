-- ===================================================================
-- format 'json': the same answers as xml2
-- ===================================================================
\getenv sim_url ORCA_SIM_URL
CREATE SERVER orca_json FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url', format 'json');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca_json OPTIONS (user 'ormaster', password 'ormaster');
CREATE SCHEMA orca_json;
IMPORT FOREIGN SCHEMA orca FROM SERVER orca_json INTO orca_json;
-- by id (patientgetv2), by list (patientlst2v2), by name (patientlst3v2), by date (patientlst1v2):
-- the rows of both formats, and the rows each lacks (EXCEPT ALL both ways)
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_name, birth_date, insurance_combinations::text, care_information::text
    FROM orca_json.patients WHERE patient_id = '00042'$$,
  $$SELECT patient_id, whole_name, birth_date, insurance_combinations::text, care_information::text
    FROM orca.patients WHERE patient_id = '00042'$$);
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_name, health_insurance_information::text, public_insurance_information::text
    FROM orca_json.patients WHERE patient_id IN ('00010', '00011', '00012')$$,
  $$SELECT patient_id, whole_name, health_insurance_information::text, public_insurance_information::text
    FROM orca.patients WHERE patient_id IN ('00010', '00011', '00012')$$);
SELECT * FROM compare_rows(
  $$SELECT patient_id, whole_name, whole_name_in_kana, birth_date, sex FROM orca_json.patients WHERE whole_name LIKE '鰐淵%'$$,
  $$SELECT patient_id, whole_name, whole_name_in_kana, birth_date, sex FROM orca.patients WHERE whole_name LIKE '鰐淵%'$$);
SELECT * FROM compare_rows(
  $$SELECT patient_id, create_date, update_date, update_time FROM orca_json.patients
    WHERE create_date BETWEEN '2019-01-01' AND '2019-12-31'$$,
  $$SELECT patient_id, create_date, update_date, update_time FROM orca.patients
    WHERE create_date BETWEEN '2019-01-01' AND '2019-12-31'$$);
SELECT count(*) FROM orca_json.patients;
DROP SCHEMA orca_json CASCADE;
DROP SERVER orca_json CASCADE;
