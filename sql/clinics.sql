-- ===================================================================
-- clinics: one partitioned table over several ORCA servers (a group of
-- clinics), the clinic column, pruning, asynchronous Append, writes
-- routed through partitions, orca_fdw_add_clinic / orca_fdw_drop_clinic
-- ===================================================================
\getenv sim_url ORCA_SIM_URL
-- two clinics on the test's simulator (the same data under two clinic values)
SELECT orca_fdw_add_clinic('north', :'sim_url', 'ormaster', 'ormaster') AS partitions;
SELECT orca_fdw_add_clinic('south', :'sim_url', 'ormaster', 'ormaster') AS partitions;
-- what it made: a server per clinic, and a partition per resource under orca_all.<resource>
SELECT srvname, array_replace(srvoptions, 'url=' || :'sim_url', 'url=(the simulator)') AS options,
       (SELECT count(*) FROM pg_user_mappings m WHERE m.srvid = s.oid AND m.usename = current_user) AS mappings
FROM pg_foreign_server s WHERE srvname LIKE 'clinic\_%' ORDER BY 1;
SELECT p.relname AS parent, c.relname AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound,
       s.srvname AS server
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
JOIN pg_namespace n ON n.oid = p.relnamespace JOIN pg_foreign_table f ON f.ftrelid = c.oid
JOIN pg_foreign_server s ON s.oid = f.ftserver
WHERE n.nspname = 'orca_all' ORDER BY 1, 2;
-- the parent's first column is clinic; the others are the resource's
SELECT attname FROM pg_attribute WHERE attrelid = 'orca_all.wards'::regclass AND attnum > 0 ORDER BY attnum LIMIT 3;
-- a second add of the same clinic is refused
SELECT orca_fdw_add_clinic('north', :'sim_url', 'ormaster', 'ormaster');

-- rows: every clinic's wards, each tagged with its clinic, against the simulator's truth
SELECT truth.load('wards') > 0 AS wards_loaded;
SELECT * FROM compare_rows('SELECT * FROM orca_all.wards',
  'SELECT c.clinic, w.* FROM (VALUES (''north''), (''south'')) c(clinic), truth.wards w');
-- three patients by id, in each clinic
SELECT string_agg(quote_literal(patient_id), ', ') AS ids
FROM (SELECT patient_id FROM truth.patients ORDER BY patient_id LIMIT 3) p \gset
SELECT * FROM compare_rows(
  'SELECT clinic, patient_id, whole_name, birth_date FROM orca_all.patients WHERE patient_id IN (' || :'ids' || ')',
  'SELECT c.clinic, p.patient_id, p.whole_name, p.birth_date FROM (VALUES (''north''), (''south'')) c(clinic),
     truth.patients p WHERE p.patient_id IN (' || :'ids' || ')');
SELECT clinic, count(*) FROM orca_all.patients WHERE patient_id IN (:ids) GROUP BY 1 ORDER BY 1;

-- the scans of the clinics run asynchronously under the Append
EXPLAIN (COSTS OFF) SELECT count(*) FROM orca_all.wards;
-- async_capable off (server or table): a plain Foreign Scan
ALTER SERVER clinic_south OPTIONS (ADD async_capable 'false');
EXPLAIN (COSTS OFF) SELECT count(*) FROM orca_all.wards;
ALTER FOREIGN TABLE orca_all.wards_north OPTIONS (ADD async_capable 'false');
ALTER SERVER clinic_south OPTIONS (DROP async_capable);
EXPLAIN (COSTS OFF) SELECT count(*) FROM orca_all.wards;
ALTER FOREIGN TABLE orca_all.wards_north OPTIONS (DROP async_capable);
-- the same rows synchronously and asynchronously
ALTER SERVER clinic_north OPTIONS (ADD async_capable 'false');
ALTER SERVER clinic_south OPTIONS (ADD async_capable 'false');
SELECT * FROM compare_rows('SELECT * FROM orca_all.wards',
  'SELECT c.clinic, w.* FROM (VALUES (''north''), (''south'')) c(clinic), truth.wards w');
ALTER SERVER clinic_north OPTIONS (DROP async_capable);
ALTER SERVER clinic_south OPTIONS (DROP async_capable);
ALTER SERVER clinic_north OPTIONS (ADD async_capable 'maybe');

-- pruning: WHERE clinic = .. scans one clinic (one hsconfwardv2 call, not two)
SELECT sim_reset();
SELECT count(*) > 0 AS rows FROM orca_all.wards;
SELECT sim_calls('hsconfwardv2') AS calls_all_clinics;
SELECT sim_reset();
EXPLAIN (COSTS OFF) SELECT * FROM orca_all.wards WHERE clinic = 'north';
SELECT * FROM compare_rows('SELECT * FROM orca_all.wards WHERE clinic = ''north''',
  'SELECT ''north''::text, w.* FROM truth.wards w');
SELECT sim_calls('hsconfwardv2') AS calls_one_clinic;
-- a clinic that is not in the group: no partition, no call
SELECT sim_reset();
SELECT count(*) FROM orca_all.wards WHERE clinic = 'west';
SELECT sim_calls('hsconfwardv2') AS calls_no_clinic;

-- a partition on its own: a condition on clinic that contradicts the server's clinic makes no call
SELECT sim_reset();
EXPLAIN (COSTS OFF) SELECT * FROM orca_all.wards_north WHERE clinic = 'south';
SELECT count(*) FROM orca_all.wards_north WHERE clinic = 'south';
SELECT count(*) FROM orca_all.wards_north WHERE clinic IN ('east', 'west');
SELECT count(*) FROM orca_all.wards_north WHERE clinic IS NULL;
SELECT count(*) FROM orca_all.patients_north WHERE clinic <> 'north' AND patient_id IN (:ids);
SELECT sim_calls('hsconfwardv2') + sim_calls('patientgetv2') AS calls_contradiction;
-- one that matches is not an ORCA argument (the call is the same as without it)
SELECT sim_reset();
SELECT * FROM compare_rows('SELECT * FROM orca_all.wards_north WHERE clinic = ''north''',
  'SELECT ''north''::text, w.* FROM truth.wards w');
SELECT sim_calls('hsconfwardv2') AS calls_match;

-- the clinic column of any orca_fdw table: named clinic, or field '@clinic'; NULL when the
-- server has no clinic option
CREATE FOREIGN TABLE cl_wards (site text OPTIONS (field '@clinic'), clinic text, ward_number text)
  SERVER orca OPTIONS (resource 'wards');
CREATE FOREIGN TABLE cl_wards_north (site text OPTIONS (field '@clinic'), ward_number text)
  SERVER clinic_north OPTIONS (resource 'wards');
SELECT count(*) AS rows, count(site) AS sites, count(clinic) AS clinics FROM cl_wards;
SELECT DISTINCT site FROM cl_wards_north;
SELECT sim_reset();
SELECT count(*) FROM cl_wards WHERE clinic = 'north';
SELECT count(*) FROM cl_wards_north WHERE site = 'south';
SELECT sim_calls('hsconfwardv2') AS calls_null_clinic;
SELECT count(*) > 0 AS rows FROM cl_wards WHERE clinic IS NULL;

-- writes through the parent: INSERT is routed by clinic to that clinic's server.  A third clinic
-- whose server cannot be reached shows where a row went: north's registration reaches the
-- simulator, east's fails to connect and registers nothing.
SELECT orca_fdw_add_clinic('east', 'http://127.0.0.1:1', 'ormaster', 'ormaster') AS partitions;
ALTER SERVER clinic_east OPTIONS (ADD retries '0', ADD connect_timeout '1');
-- a clinic that cannot be reached fails the query over the group: an error, never the other
-- clinics' rows alone
\set VERBOSITY terse
SELECT count(*) FROM orca_all.wards;
SELECT clinic, count(*) FROM orca_all.wards WHERE clinic IN ('north', 'south') GROUP BY 1 ORDER BY 1;
\set VERBOSITY default
SELECT sim_reset();
INSERT INTO orca_all.patients (clinic, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('north', '北野　一郎', 'キタノ　イチロウ', '1970-04-01', '1')
RETURNING clinic, patient_id AS north_id \gset
SELECT :'clinic' AS clinic, :'north_id' <> '' AS registered;
SELECT sim('registrations') ~ 'patientmodv2' AS north_registered, sim_calls('patientmodv2') AS calls;
SELECT sim_reset();
\set VERBOSITY terse
INSERT INTO orca_all.patients (clinic, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('east', '東野　一郎', 'ヒガシノ　イチロウ', '1970-04-01', '1');
\set VERBOSITY default
SELECT sim_calls('patientmodv2') AS calls_for_east;
-- a row whose clinic has no partition is refused by PostgreSQL before any call
INSERT INTO orca_all.patients (clinic, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('west', '西野　一郎', 'ニシノ　イチロウ', '1970-04-01', '1');
SELECT sim_calls('patientmodv2') AS calls_for_west;
-- the registered patient reads back through the parent, in its clinic only
SELECT clinic, whole_name FROM orca_all.patients WHERE patient_id = :'north_id' AND clinic = 'north';
-- UPDATE and DELETE through the parent register in the row's clinic (pruned to north: one scan)
SELECT sim_reset();
UPDATE orca_all.patients SET whole_name = '北野　一太' WHERE clinic = 'north' AND patient_id = :'north_id';
SELECT sim_calls('patientmodv2') AS update_calls;
SELECT clinic, whole_name FROM orca_all.patients WHERE patient_id = :'north_id' AND clinic = 'north';
SELECT sim_reset();
DELETE FROM orca_all.patients WHERE clinic = 'north' AND patient_id = :'north_id';
SELECT sim_calls('patientmodv2') AS delete_calls;
SELECT count(*) AS after_delete FROM orca_all.patients WHERE patient_id = :'north_id' AND clinic = 'north';
-- a row never moves between clinics: the clinic column is the server's, not ORCA's
UPDATE orca_all.patients SET clinic = 'south' WHERE patient_id = :'north_id' AND clinic = 'north';
UPDATE orca_all.patients_north SET clinic = 'south' WHERE patient_id = :'north_id';
-- a direct INSERT into one clinic's table with another clinic's value is refused before any call
SELECT sim_reset();
INSERT INTO orca_all.patients_north (clinic, whole_name, whole_name_in_kana, birth_date, sex)
VALUES ('south', '北野　二郎', 'キタノ　ジロウ', '1970-04-01', '1');
SELECT sim_calls('patientmodv2') AS calls_wrong_clinic;

-- the inverse: drop east (its server, user mapping and partitions); the parents stay
SELECT orca_fdw_drop_clinic('east') AS partitions_dropped;
SELECT count(*) AS east_objects FROM pg_foreign_server WHERE srvname = 'clinic_east';
SELECT count(*) AS east_partitions FROM pg_class WHERE relname LIKE '%\_east';
SELECT orca_fdw_drop_clinic('east');
-- a server with other tables than the group's partitions is left alone
SELECT orca_fdw_drop_clinic('north') AS partitions_dropped;
DROP FOREIGN TABLE cl_wards_north;
SELECT orca_fdw_drop_clinic('north') AS partitions_dropped;
SELECT orca_fdw_drop_clinic('south') AS partitions_dropped;
SELECT count(*) AS partitions_left FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
  JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = 'orca_all';
SELECT count(*) AS rows_without_clinics FROM orca_all.wards;
SELECT count(*) AS clinic_servers FROM pg_foreign_server WHERE srvname LIKE 'clinic\_%';
-- add again after drop: the parents are reused
SELECT orca_fdw_add_clinic('north', :'sim_url', 'ormaster', 'ormaster') AS partitions;
SELECT count(*) AS partitions_after_readd FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
  JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = 'orca_all';
SELECT orca_fdw_drop_clinic('north') AS partitions_dropped;
DROP FOREIGN TABLE cl_wards;
SET client_min_messages = warning;
DROP SCHEMA orca_all CASCADE;
RESET client_min_messages;
