-- ===================================================================
-- diseases: a patient's disease names (diseasegetv2, one call per patient)
-- ===================================================================
SELECT truth.load('diseases') AS truth_diseases;
SELECT count(DISTINCT patient_id) AS patients_with_names FROM truth.diseases;
-- every inpatient has at least one disease name, and one main disease (PD)
SELECT count(*) AS inpatients_without_names FROM truth.admissions a
WHERE NOT EXISTS (SELECT FROM truth.diseases d WHERE d.patient_id = a.patient_id);
SELECT min(patient_id) AS dpid FROM truth.diseases \gset
-- one patient: one call
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM orca.diseases WHERE patient_id = '00042';
SELECT sim_reset();
SELECT * FROM compare_rows(format($$SELECT * FROM orca.diseases WHERE patient_id = %L$$, :'dpid'),
                           format($$SELECT * FROM truth.diseases WHERE patient_id = %L$$, :'dpid'));
SELECT sim_stats();
-- a list: one call per distinct patient ('42' and '00042' are asked once); unknown ids and NULL give no rows
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT * FROM orca.diseases WHERE patient_id IN ('00001', '00002', '00003', '00042', '42', '99999', NULL)$$,
  $$SELECT * FROM truth.diseases WHERE patient_id IN ('00001', '00002', '00003', '00042')$$);
SELECT sim_calls('diseasegetv2') AS diseasegetv2_calls;
-- fifty patients with names, ids from a subquery: fifty calls
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT * FROM orca.diseases WHERE patient_id = ANY(ARRAY(SELECT DISTINCT patient_id FROM truth.diseases ORDER BY 1 LIMIT 50))$$,
  $$SELECT * FROM truth.diseases WHERE patient_id IN (SELECT DISTINCT patient_id FROM truth.diseases ORDER BY 1 LIMIT 50)$$);
SELECT sim_stats();
-- unknown patients: zero rows, not an error
SELECT count(*) FROM orca.diseases WHERE patient_id = '99999';
SELECT count(*) FROM orca.diseases WHERE patient_id = 'not an id';
SELECT sim_reset();
SELECT count(*) FROM orca.diseases WHERE patient_id = NULL;
SELECT count(*) FROM orca.diseases WHERE patient_id = repeat('9', 100000);
SELECT sim_calls('diseasegetv2') AS diseasegetv2_calls;
-- a patient_id is required
\set VERBOSITY default
SELECT count(*) FROM orca.diseases;
SELECT count(*) FROM orca.diseases WHERE disease_category = 'PD';
\set VERBOSITY terse
EXPLAIN (COSTS OFF) SELECT count(*) FROM orca.diseases;
-- a join: a local table's ids drive one call per row (parameterized path)
CREATE TABLE local_ids (patient_id text);
INSERT INTO local_ids VALUES ('00001'), ('00002'), ('00003'), ('00004'), ('00005'), ('99999'), (NULL);
ANALYZE local_ids;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT l.patient_id, d.disease_name FROM local_ids l JOIN orca.diseases d ON d.patient_id = l.patient_id;
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT l.patient_id, d.disease_code, d.start_date FROM local_ids l JOIN orca.diseases d ON d.patient_id = l.patient_id$$,
  $$SELECT l.patient_id, d.disease_code, d.start_date FROM local_ids l JOIN truth.diseases d ON d.patient_id = l.patient_id$$);
-- one call per distinct non-NULL id (99999 included: ORCA answers 10, no rows)
SELECT sim_calls('diseasegetv2') AS diseasegetv2_calls;
DROP TABLE local_ids;
-- the analysts' question: inpatients with their main disease (admissions JOIN diseases)
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT a.patient_id, a.ward_number, d.disease_name, d.start_date
    FROM orca.admissions a JOIN orca.diseases d ON d.patient_id = a.patient_id AND d.disease_category = 'PD'
    WHERE a.discharge_date IS NULL$$,
  $$SELECT a.patient_id, a.ward_number, d.disease_name, d.start_date
    FROM truth.admissions a JOIN truth.diseases d ON d.patient_id = a.patient_id AND d.disease_category = 'PD'
    WHERE a.discharge_date IS NULL$$);
SELECT sim_calls('diseasegetv2') = (SELECT count(DISTINCT patient_id) FROM truth.admissions WHERE discharge_date IS NULL)
  AS one_call_per_inpatient;
-- every current inpatient has a main disease
SELECT count(*) AS inpatients_without_main_disease FROM orca.admissions a
WHERE a.discharge_date IS NULL
  AND NOT EXISTS (SELECT FROM orca.diseases d WHERE d.patient_id = a.patient_id AND d.disease_category = 'PD');
