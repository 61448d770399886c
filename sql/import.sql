-- ===================================================================
-- IMPORT FOREIGN SCHEMA and hand-written foreign tables
-- ===================================================================
\d orca.patients
-- every imported table and column has a comment with a Japanese part
SELECT count(*) > 0 AS imported,
       count(*) FILTER (WHERE col_description(a.attrelid, a.attnum) !~ '^[^ ]*[^ -~][^ ]* / .+ \(.+\)$') AS without_comment
  FROM pg_attribute a JOIN pg_foreign_table f ON f.ftrelid = a.attrelid
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'orca' AND a.attnum > 0 AND NOT a.attisdropped;
SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'orca' AND c.relname IN ('patients', 'admissions', 'rooms') ORDER BY 1;
IMPORT FOREIGN SCHEMA public FROM SERVER orca INTO public;
CREATE SCHEMA imp;
IMPORT FOREIGN SCHEMA orca LIMIT TO (patients) FROM SERVER orca INTO imp;
SELECT foreign_table_name FROM information_schema.foreign_tables WHERE foreign_table_schema = 'imp';
-- IMPORT comments each table and column (BI tools show them): the meaning in
-- Japanese and English, and the ORCA APIs and elements the value comes from
SELECT obj_description('imp.patients'::regclass, 'pg_class');
SELECT attname, col_description(attrelid, attnum) FROM pg_attribute
 WHERE attrelid = 'imp.patients'::regclass AND attnum > 0 ORDER BY attnum LIMIT 4;
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
