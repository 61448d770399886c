-- ===================================================================
-- visits: outpatient receptions (acceptlstv2 class=03, one call per day)
-- ===================================================================
-- the ground truth of November 2026 (the simulator's receptions are on past weekdays)
SELECT truth.load('visits', 'from=2026-11-01 to=2026-11-30') AS truth_visits;
SELECT count(DISTINCT visit_date) AS days_with_visits, bool_and(extract(isodow FROM visit_date) < 6) AS weekdays_only
FROM truth.visits;
-- one day: one call, every column as the truth has it
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM orca.visits WHERE visit_date = '2026-11-20';
SELECT sim_reset();
SELECT * FROM compare_rows($$SELECT * FROM orca.visits WHERE visit_date = '2026-11-20'$$,
                           $$SELECT * FROM truth.visits WHERE visit_date = '2026-11-20'$$);
SELECT sim_stats();
-- a month: one call per day (30), each reception once
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.visits WHERE visit_date BETWEEN '2026-11-01' AND '2026-11-30';
SELECT sim_reset();
SELECT * FROM compare_rows($$SELECT * FROM orca.visits WHERE visit_date BETWEEN '2026-11-01' AND '2026-11-30'$$,
                           $$SELECT * FROM truth.visits$$);
SELECT sim_calls('acceptlstv2') AS acceptlstv2_calls;
-- open and closed ends: > and < count as the days inside
SELECT sim_reset();
SELECT * FROM compare_rows($$SELECT visit_date, acceptance_id FROM orca.visits
                             WHERE visit_date > '2026-11-09' AND visit_date < '2026-11-14'$$,
                           $$SELECT visit_date, acceptance_id FROM truth.visits
                             WHERE visit_date > '2026-11-09' AND visit_date < '2026-11-14'$$);
SELECT sim_calls('acceptlstv2') AS acceptlstv2_calls;
-- department_code and physician_code narrow each call
SELECT department_code AS dep, physician_code AS doc FROM truth.visits
WHERE visit_date = '2026-11-20' ORDER BY acceptance_id LIMIT 1 \gset
EXPLAIN (VERBOSE, COSTS OFF)
SELECT patient_id FROM orca.visits
WHERE visit_date BETWEEN '2026-11-16' AND '2026-11-20' AND department_code = '01' AND physician_code = '10001';
SELECT sim_reset();
SELECT * FROM compare_rows(
  format($$SELECT * FROM orca.visits WHERE visit_date BETWEEN '2026-11-16' AND '2026-11-20' AND department_code = %L$$, :'dep'),
  format($$SELECT * FROM truth.visits WHERE visit_date BETWEEN '2026-11-16' AND '2026-11-20' AND department_code = %L$$, :'dep'));
SELECT * FROM compare_rows(
  format($$SELECT * FROM orca.visits WHERE visit_date = '2026-11-20' AND physician_code = %L$$, :'doc'),
  format($$SELECT * FROM truth.visits WHERE visit_date = '2026-11-20' AND physician_code = %L$$, :'doc'));
SELECT sim_calls('acceptlstv2') AS acceptlstv2_calls;
-- a department ORCA does not know: the departments' list says so, no acceptlstv2 call
SELECT sim_reset();
SELECT count(*) FROM orca.visits WHERE visit_date BETWEEN '2026-11-16' AND '2026-11-20' AND department_code = '99';
SELECT sim_stats();
-- a doctor ORCA does not know (13) and a day without receptions (21): no rows
SELECT count(*) FROM orca.visits WHERE visit_date = '2026-11-20' AND physician_code = '99999';
SELECT count(*) FROM orca.visits WHERE visit_date = '2026-11-21';
-- a code ORCA cannot be asked for is not sent: the day is read, PostgreSQL filters
SELECT sim_reset();
SELECT count(*) FROM orca.visits WHERE visit_date = '2026-11-20' AND department_code = repeat('x', 100000);
SELECT sim_calls('acceptlstv2') AS acceptlstv2_calls;
-- NULL and contradictions make no call
SELECT sim_reset();
SELECT count(*) FROM orca.visits WHERE visit_date = NULL;
SELECT count(*) FROM orca.visits WHERE visit_date = '2026-11-20' AND visit_date = '2026-11-19';
SELECT count(*) FROM orca.visits WHERE visit_date BETWEEN '2026-11-20' AND '2026-11-01';
SELECT sim_calls('acceptlstv2') AS acceptlstv2_calls;
-- a year: 365 calls, shown in EXPLAIN
EXPLAIN (COSTS OFF) SELECT count(*) FROM orca.visits WHERE visit_date >= '2025-01-01' AND visit_date < '2026-01-01';
-- the range must be bounded at both ends
\set VERBOSITY default
SELECT count(*) FROM orca.visits;
SELECT count(*) FROM orca.visits WHERE visit_date >= '2026-11-01';
SELECT count(*) FROM orca.visits WHERE visit_date <= '2026-11-01';
SELECT count(*) FROM orca.visits WHERE visit_date >= '-infinity' AND visit_date <= '2026-11-01';
SELECT count(*) FROM orca.visits WHERE patient_id = '00042';
SELECT count(*) FROM orca.visits WHERE visit_date BETWEEN '2000-01-01' AND '2026-11-01';
\set VERBOSITY terse
EXPLAIN (COSTS OFF) SELECT count(*) FROM orca.visits WHERE visit_date >= '2026-11-01';
-- parameters: the range is known at execution
PREPARE v(date, date) AS SELECT count(*) FROM orca.visits WHERE visit_date BETWEEN $1 AND $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE v('2026-11-16', '2026-11-20');
SELECT sim_reset();
EXECUTE v('2026-11-16', '2026-11-20');
SELECT count(*) FROM truth.visits WHERE visit_date BETWEEN '2026-11-16' AND '2026-11-20';
SELECT sim_calls('acceptlstv2') AS acceptlstv2_calls;
RESET plan_cache_mode;
DEALLOCATE v;
-- the analysts' question: visits per department per day
SELECT * FROM compare_rows(
  $$SELECT visit_date, department_name, count(*) FROM orca.visits
    WHERE visit_date BETWEEN '2026-11-01' AND '2026-11-30' GROUP BY 1, 2$$,
  $$SELECT visit_date, department_name, count(*) FROM truth.visits GROUP BY 1, 2$$);
-- a patient's visits of the month, joined with patients
SELECT patient_id AS vpid FROM truth.visits ORDER BY visit_date, acceptance_id LIMIT 1 \gset
SELECT v.visit_date, v.patient_id, p.sex IS NOT NULL AS has_patient
FROM orca.visits v JOIN orca.patients p USING (patient_id)
WHERE v.visit_date BETWEEN '2026-11-01' AND '2026-11-30' AND v.patient_id = :'vpid'
ORDER BY 1;
SELECT count(*) FROM truth.visits WHERE patient_id = :'vpid';
