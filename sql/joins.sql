-- ===================================================================
-- joins: a local table drives batched id lookups (batch_join.sql), per-id
-- calls (parameterized paths), or a batched = ANY when the ids are known up front
-- ===================================================================
CREATE TABLE visits (patient_id text, visit date);
INSERT INTO visits SELECT lpad((g * 7)::text, 5, '0'), '2026-11-01'::date + g FROM generate_series(1, 5) g;
ANALYZE visits;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT v.patient_id, p.sex FROM visits v JOIN orca.patients p ON p.patient_id = v.patient_id;
SELECT sim_reset();
SELECT v.patient_id, p.sex, p.birth_date FROM visits v JOIN orca.patients p ON p.patient_id = v.patient_id ORDER BY 1;
SELECT sim_stats();
-- without batched joins (sql/batch_join.sql): one call per outer row
SET orca_fdw.enable_batched_join = off;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT v.patient_id, p.sex FROM visits v JOIN orca.patients p ON p.patient_id = v.patient_id;
SELECT sim_reset();
SELECT v.patient_id, p.sex, p.birth_date FROM visits v JOIN orca.patients p ON p.patient_id = v.patient_id ORDER BY 1;
SELECT sim_stats();
RESET orca_fdw.enable_batched_join;
-- ids visible up front: one patientlst2v2 call for all of them
SELECT sim_reset();
SELECT count(*) FROM orca.patients WHERE patient_id = ANY (ARRAY(SELECT patient_id FROM visits));
SELECT sim_stats();
-- a large local table makes the planner prefer one enumeration to thousands of calls
CREATE TABLE many AS SELECT lpad(g::text, 5, '0') AS patient_id FROM generate_series(1, 5000) g;
ANALYZE many;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM many m JOIN orca.patients p ON p.patient_id = m.patient_id;
DROP TABLE many;
-- LATERAL and correlated subqueries use the same per-id path
SELECT v.patient_id, (SELECT sex FROM orca.patients p WHERE p.patient_id = v.patient_id) FROM visits v ORDER BY 1;
DROP TABLE visits;
