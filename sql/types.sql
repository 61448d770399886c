-- ===================================================================
-- values: Japanese text, dates, jsonb detail columns
-- ===================================================================
-- full-width names round-trip and can be searched with the value read back
CREATE TEMP TABLE one AS SELECT patient_id, whole_name, whole_name_in_kana FROM orca.patients WHERE patient_id = '00123';
SELECT whole_name ~ '^[^ -~]+　[^ -~]+$' AS fullwidth_space, length(whole_name) > 2 AS has_text FROM one;
SELECT p.patient_id FROM orca.patients p, one WHERE p.whole_name = one.whole_name AND p.patient_id = one.patient_id;
-- the family name read back finds the same patients as in the simulator's ground truth
SELECT split_part(whole_name, '　', 1) || '%' AS family_prefix FROM one \gset
SELECT * FROM compare_rows(
  format($$SELECT patient_id, whole_name FROM orca.patients WHERE whole_name LIKE %L$$, :'family_prefix'),
  format($$SELECT patient_id, whole_name FROM truth.patients WHERE whole_name LIKE %L$$, :'family_prefix'));
SELECT count(*) AS includes_the_patient FROM cmp_got, one WHERE cmp_got.patient_id = one.patient_id;
-- detail columns: address text and jsonb arrays
SELECT address_zip_code ~ '^[0-9]{7}$' AS zip7, jsonb_typeof(health_insurance_information) AS insurances,
       health_insurance_information -> 0 ? 'InsuranceProvider_Class' AS has_class
FROM orca.patients WHERE patient_id = '00123';
-- patientgetv2-only columns
SELECT jsonb_typeof(insurance_combinations) AS combinations,
       insurance_combinations -> 0 ->> 'Insurance_Combination_Number' ~ '^[0-9]{4}$' AS combination_number
FROM orca.patients WHERE patient_id = '00123';
-- dates are dates; update_time is a time
SELECT pg_typeof(birth_date), pg_typeof(create_date), pg_typeof(update_time)
FROM orca.patients WHERE create_date = '2020-01-06' LIMIT 1;
