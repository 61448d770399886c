-- ===================================================================
-- IMPORT FOREIGN SCHEMA and hand-written foreign tables
-- ===================================================================
\d orca.patients
IMPORT FOREIGN SCHEMA public FROM SERVER orca INTO public;
CREATE SCHEMA imp;
IMPORT FOREIGN SCHEMA orca LIMIT TO (patients) FROM SERVER orca INTO imp;
SELECT foreign_table_name FROM information_schema.foreign_tables WHERE foreign_table_schema = 'imp';
DROP SCHEMA imp CASCADE;
-- a hand-written table: a subset of columns, one renamed through the field option
CREATE FOREIGN TABLE my_patients (
  patient_id text,
  kana text OPTIONS (field 'WholeName_inKana'),
  birth_date date
) SERVER orca OPTIONS (resource 'patients');
SELECT patient_id, kana, birth_date FROM my_patients WHERE patient_id = '00042';
-- a table named like its resource needs no resource option
CREATE FOREIGN TABLE patients (patient_id text, sex text) SERVER orca;
SELECT patient_id, sex FROM patients WHERE patient_id = '00007';
DROP FOREIGN TABLE patients;
