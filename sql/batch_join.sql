-- ===================================================================
-- batch_join: a local table joined with an ORCA resource by patient_id
-- probes ORCA with the distinct ids of the outer rows, 100 a batch
-- (patients: one patientlst2v2 call a batch) — not one call per outer row,
-- not a full enumeration.  Rows are compared with the simulator's truth
-- joined locally.
-- ===================================================================
CREATE TABLE local_ids (patient_id text, n int);
-- 1000 ids: every 20th patient number of the 20000
INSERT INTO local_ids SELECT lpad((g * 20)::text, 5, '0'), g FROM generate_series(1, 1000) g;
ANALYZE local_ids;
EXPLAIN (COSTS OFF)
SELECT l.n, p.sex FROM local_ids l JOIN orca.patients p USING (patient_id);
SELECT sim_reset();
SELECT * FROM compare_rows(
  'SELECT l.n, p.patient_id, p.sex, p.birth_date, p.whole_name FROM local_ids l JOIN orca.patients p USING (patient_id)',
  'SELECT l.n, p.patient_id, p.sex, p.birth_date, p.whole_name FROM local_ids l JOIN truth.patients p USING (patient_id)');
-- ceil(1000 / 100) = 10 calls (the brief: at most 12)
SELECT sim_stats();
SELECT sim_calls('total') BETWEEN 1 AND 12 AS batched;
-- EXPLAIN ANALYZE shows the batches and the calls made
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT l.n, p.sex FROM local_ids l JOIN orca.patients p USING (patient_id);

-- every outer row repeated: still one probe per 100 distinct ids
CREATE TABLE twice AS SELECT patient_id, n FROM local_ids UNION ALL SELECT patient_id, n + 1000 FROM local_ids;
ANALYZE twice;
SELECT sim_reset();
SELECT * FROM compare_rows(
  'SELECT t.n, p.patient_id, p.sex FROM twice t JOIN orca.patients p USING (patient_id)',
  'SELECT t.n, p.patient_id, p.sex FROM twice t JOIN truth.patients p USING (patient_id)');
SELECT sim_stats();

-- duplicates, NULL, unknown, impossible and two spellings of one id:
-- the rows are those of the whole table held locally ('42' is not '00042')
CREATE TABLE odd_ids (patient_id text, tag text);
INSERT INTO odd_ids VALUES ('00042', 'a'), ('00042', 'b'), (NULL, 'null'), ('99999', 'unknown'),
  ('42', 'short spelling'), ('０００４２', 'full width'), ('', 'empty'), ('00043', 'c'), ('00043', 'd');
ANALYZE odd_ids;
EXPLAIN (COSTS OFF)
SELECT o.tag, p.sex FROM odd_ids o JOIN orca.patients p ON p.patient_id = o.patient_id;
SELECT sim_reset();
SELECT o.tag, p.patient_id, p.sex FROM odd_ids o JOIN orca.patients p ON p.patient_id = o.patient_id ORDER BY 1;
SELECT sim_stats();
SELECT * FROM compare_rows(
  'SELECT o.tag, p.patient_id, p.sex FROM odd_ids o JOIN orca.patients p ON p.patient_id = o.patient_id',
  'SELECT o.tag, p.patient_id, p.sex FROM odd_ids o JOIN truth.patients p ON p.patient_id = o.patient_id');
-- LEFT JOIN: every outer row once, unmatched ones with NULLs
EXPLAIN (COSTS OFF)
SELECT o.tag, p.sex FROM odd_ids o LEFT JOIN orca.patients p ON p.patient_id = o.patient_id;
SELECT sim_reset();
SELECT o.tag, p.patient_id, p.sex FROM odd_ids o LEFT JOIN orca.patients p ON p.patient_id = o.patient_id ORDER BY 1;
SELECT sim_stats();
SELECT * FROM compare_rows(
  'SELECT o.tag, p.patient_id, p.sex FROM odd_ids o LEFT JOIN orca.patients p ON p.patient_id = o.patient_id',
  'SELECT o.tag, p.patient_id, p.sex FROM odd_ids o LEFT JOIN truth.patients p ON p.patient_id = o.patient_id');
-- a LEFT JOIN condition on the foreign side, and a filter above the join
SELECT * FROM compare_rows(
  $$SELECT o.tag, p.patient_id FROM odd_ids o LEFT JOIN orca.patients p ON p.patient_id = o.patient_id AND p.sex = '1'$$,
  $$SELECT o.tag, p.patient_id FROM odd_ids o LEFT JOIN truth.patients p ON p.patient_id = o.patient_id AND p.sex = '1'$$);
SELECT * FROM compare_rows(
  'SELECT o.tag FROM odd_ids o LEFT JOIN orca.patients p ON p.patient_id = o.patient_id WHERE p.patient_id IS NULL',
  'SELECT o.tag FROM odd_ids o LEFT JOIN truth.patients p ON p.patient_id = o.patient_id WHERE p.patient_id IS NULL');
-- EXISTS, NOT EXISTS and IN (SELECT ...)
EXPLAIN (COSTS OFF)
SELECT o.tag FROM odd_ids o WHERE NOT EXISTS (SELECT 1 FROM orca.patients p WHERE p.patient_id = o.patient_id);
SELECT * FROM compare_rows(
  'SELECT o.tag FROM odd_ids o WHERE EXISTS (SELECT 1 FROM orca.patients p WHERE p.patient_id = o.patient_id)',
  'SELECT o.tag FROM odd_ids o WHERE EXISTS (SELECT 1 FROM truth.patients p WHERE p.patient_id = o.patient_id)');
SELECT * FROM compare_rows(
  'SELECT o.tag FROM odd_ids o WHERE NOT EXISTS (SELECT 1 FROM orca.patients p WHERE p.patient_id = o.patient_id)',
  'SELECT o.tag FROM odd_ids o WHERE NOT EXISTS (SELECT 1 FROM truth.patients p WHERE p.patient_id = o.patient_id)');
EXPLAIN (COSTS OFF)
SELECT p.patient_id FROM orca.patients p WHERE p.patient_id IN (SELECT patient_id FROM odd_ids);
SELECT * FROM compare_rows(
  'SELECT p.patient_id, p.sex FROM orca.patients p WHERE p.patient_id IN (SELECT patient_id FROM odd_ids)',
  'SELECT p.patient_id, p.sex FROM truth.patients p WHERE p.patient_id IN (SELECT patient_id FROM odd_ids)');

-- LATERAL: a flattened one is a join like any other; one that cannot be
-- flattened (LIMIT) stays a per-row parameterized scan, with the same rows
SELECT * FROM compare_rows(
  'SELECT o.tag, s.sex FROM odd_ids o, LATERAL (SELECT p.sex FROM orca.patients p WHERE p.patient_id = o.patient_id) s',
  'SELECT o.tag, s.sex FROM odd_ids o, LATERAL (SELECT p.sex FROM truth.patients p WHERE p.patient_id = o.patient_id) s');
SELECT * FROM compare_rows(
  'SELECT o.tag, s.sex FROM odd_ids o LEFT JOIN LATERAL (SELECT p.sex FROM orca.patients p WHERE p.patient_id = o.patient_id LIMIT 1) s ON true',
  'SELECT o.tag, s.sex FROM odd_ids o LEFT JOIN LATERAL (SELECT p.sex FROM truth.patients p WHERE p.patient_id = o.patient_id LIMIT 1) s ON true');

-- rescans: the join inside a correlated subquery runs once per group
-- (300, 600 and 900 ids); the rows of ids already probed are kept, so the
-- three runs cost 9 calls, not 18
CREATE TABLE grp AS SELECT g FROM generate_series(1, 3) g;
ANALYZE grp;
EXPLAIN (COSTS OFF)
SELECT g, (SELECT count(*) FROM local_ids l JOIN orca.patients p USING (patient_id) WHERE l.n <= grp.g * 300 AND p.sex = '1') FROM grp;
SELECT sim_reset();
SELECT g, (SELECT count(*) FROM local_ids l JOIN orca.patients p USING (patient_id) WHERE l.n <= grp.g * 300 AND p.sex = '1') AS got,
       (SELECT count(*) FROM local_ids l JOIN truth.patients p USING (patient_id) WHERE l.n <= grp.g * 300 AND p.sex = '1') AS want
FROM grp ORDER BY g;
SELECT sim_stats();
-- a rescan that changes a condition of the foreign side drops the kept rows: 10 calls per run
CREATE TABLE sexes AS SELECT s FROM (VALUES ('1'), ('2')) v(s);
ANALYZE sexes;
SELECT sim_reset();
SELECT s, (SELECT count(*) FROM local_ids l JOIN orca.patients p USING (patient_id) WHERE p.sex = sexes.s) AS got,
       (SELECT count(*) FROM local_ids l JOIN truth.patients p USING (patient_id) WHERE p.sex = sexes.s) AS want
FROM sexes ORDER BY s;
SELECT sim_stats();
DROP TABLE sexes;
-- a SCROLL cursor reads forwards and backwards (the rows materialized above the join)
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT o.tag, p.patient_id FROM odd_ids o JOIN orca.patients p ON p.patient_id = o.patient_id ORDER BY 1;
FETCH 3 FROM c;
FETCH BACKWARD 2 FROM c;
FETCH ALL FROM c;
COMMIT;

-- other resources: admissions by patient_id — one hsptinfv2 call per
-- distinct possible id, made together, instead of the hsfindv3 search of
-- every stay (which wins, honestly costed, once the ids are many)
CREATE TABLE inpatient_ids AS SELECT DISTINCT patient_id FROM truth.admissions ORDER BY 1 LIMIT 2;
INSERT INTO inpatient_ids SELECT patient_id FROM inpatient_ids LIMIT 1;
INSERT INTO inpatient_ids VALUES (NULL), ('99999');
ANALYZE inpatient_ids;
EXPLAIN (COSTS OFF)
SELECT i.patient_id, a.admission_date FROM inpatient_ids i LEFT JOIN orca.admissions a USING (patient_id);
SELECT sim_reset();
SELECT * FROM compare_rows(
  'SELECT i.patient_id, a.admission_date, a.ward_number FROM inpatient_ids i LEFT JOIN orca.admissions a USING (patient_id)',
  'SELECT i.patient_id, a.admission_date, a.ward_number FROM inpatient_ids i LEFT JOIN truth.admissions a USING (patient_id)');
SELECT sim_stats();
-- meals of those patients for a month: their hsmealv2 calls, one batch
SELECT truth.load('meals', 'from=2026-11-01 to=2026-11-30') > 0 AS truth_loaded;
EXPLAIN (COSTS OFF)
SELECT i.patient_id, m.perform_date FROM inpatient_ids i JOIN orca.meals m USING (patient_id)
WHERE m.perform_date BETWEEN '2026-11-01' AND '2026-11-30';
SELECT sim_reset();
SELECT * FROM compare_rows(
  $$SELECT i.patient_id, m.perform_date, m.morning_meal FROM inpatient_ids i JOIN orca.meals m USING (patient_id) WHERE m.perform_date BETWEEN '2026-11-01' AND '2026-11-30'$$,
  $$SELECT i.patient_id, m.perform_date, m.morning_meal FROM inpatient_ids i JOIN truth.meals m USING (patient_id) WHERE m.perform_date BETWEEN '2026-11-01' AND '2026-11-30'$$);
SELECT sim_stats();
INSERT INTO inpatient_ids SELECT DISTINCT patient_id FROM truth.admissions ORDER BY 1 LIMIT 200 OFFSET 2;
ANALYZE inpatient_ids;
EXPLAIN (COSTS OFF)
SELECT i.patient_id, a.admission_date FROM inpatient_ids i JOIN orca.admissions a USING (patient_id);

-- a full scan wins when the outer side holds more ids than ORCA has patients
CREATE TABLE many_ids AS SELECT lpad(g::text, 5, '0') AS patient_id FROM generate_series(1, 50000) g;
ANALYZE many_ids;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM many_ids m JOIN orca.patients p USING (patient_id);
DROP TABLE many_ids;
-- the GUC turns it off
SET orca_fdw.enable_batched_join = off;
EXPLAIN (COSTS OFF)
SELECT l.n, p.sex FROM local_ids l JOIN orca.patients p USING (patient_id);
RESET orca_fdw.enable_batched_join;

-- statement_timeout cancels a batch whose call is slow; the backend keeps working
SELECT sim('fault slow count=1 delay_ms=10000');
SET statement_timeout = '1s';
SELECT count(*) FROM local_ids l JOIN orca.patients p USING (patient_id);
RESET statement_timeout;
SELECT sim_reset();
SELECT count(*) FROM local_ids l JOIN orca.patients p USING (patient_id);
SELECT sim_stats();

DROP TABLE local_ids, twice, odd_ids, grp, inpatient_ids;
