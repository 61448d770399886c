-- Run at package build time by dh_pgxs_test (debian/rules) in a scratch cluster that loads the
-- extension from debian/postgresql-PGVERSION-orca-fdw (pg_virtualenv -p); psql stops at the
-- first error.
-- the current version: created, and its module loaded by a view that calls it
CREATE EXTENSION orca_fdw;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'orca_fdw') AS current
FROM pg_extension WHERE extname = 'orca_fdw';
CREATE SERVER smoke FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:9', max_concurrent_requests '3');
SELECT server, max_concurrent_requests FROM orca_fdw_limits;
DROP EXTENSION orca_fdw CASCADE;
-- each earlier version shipped: created, then updated to the current one
SELECT format('CREATE EXTENSION orca_fdw VERSION %L', version),
       'ALTER EXTENSION orca_fdw UPDATE',
       'DROP EXTENSION orca_fdw'
FROM pg_available_extension_versions
WHERE name = 'orca_fdw' AND version <> (SELECT default_version FROM pg_available_extensions WHERE name = 'orca_fdw')
ORDER BY version \gexec
