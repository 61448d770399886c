-- ===================================================================
-- option validation at CREATE/ALTER time
-- ===================================================================
\getenv sim_url ORCA_SIM_URL
-- unknown options list the valid ones
CREATE SERVER bad1 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:1', hostname 'x');
CREATE SERVER bad1 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:1', user 'x');
CREATE FOREIGN DATA WRAPPER orca_fdw2 HANDLER orca_fdw_handler VALIDATOR orca_fdw_validator OPTIONS (url 'x');
-- bad values
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'ftp://127.0.0.1:8000');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://ormaster:secret@127.0.0.1:8000');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000?x=1');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', weborca 'maybe');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', format 'yaml');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', connect_timeout '-1');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', request_timeout '0');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', request_timeout 'soon');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', max_concurrent_requests '0');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', max_requests_per_second '-5');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', retries 'two');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', max_response_size '0');
CREATE SERVER bad2 FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:8000', registration_mode 'later');
-- every good value is accepted
CREATE SERVER good FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'https://orca.example:8000/prefix/', weborca 'true',
  format 'json', connect_timeout '0.5', request_timeout '30', max_concurrent_requests '2',
  max_requests_per_second '10', retries '0', sslrootcert '/tmp/ca.pem', sslcert '/tmp/c.pem', sslkey '/tmp/k.pem',
  max_response_size '8MB', circuit_breaker_failures '3', circuit_breaker_cooldown '10',
  registration_mode 'on_commit', batch_size '10');
ALTER SERVER good OPTIONS (SET format 'xml', DROP sslkey);
ALTER SERVER good OPTIONS (SET format 'csv');
-- user mapping and table options
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (user 'ormaster', password 'x', url 'http://x');
CREATE USER MAPPING FOR CURRENT_USER SERVER good OPTIONS (user 'ormaster', password 'owner-secret');
CREATE FOREIGN TABLE t_bad (patient_id text) SERVER good OPTIONS (resource 'invoices');
CREATE FOREIGN TABLE t_bad (patient_id text OPTIONS (field '')) SERVER good OPTIONS (resource 'patients');
CREATE FOREIGN TABLE t_bad (patient_id text OPTIONS (width '5')) SERVER good OPTIONS (resource 'patients');
-- a column whose field does not exist is caught when it is used
CREATE FOREIGN TABLE t_field (id text OPTIONS (field 'NoSuchElement')) SERVER good OPTIONS (resource 'patients');
SELECT * FROM t_field;
CREATE FOREIGN TABLE t_unmapped (patient_id text, favourite_colour text) SERVER good OPTIONS (resource 'patients');
EXPLAIN (COSTS OFF) SELECT favourite_colour FROM t_unmapped;
-- passwords are visible only to the mapping's owner (and superusers): two mappings,
-- the superuser's and orca_reader's; orca_other has none and sees neither password
CREATE ROLE orca_reader;
CREATE ROLE orca_other;
GRANT USAGE ON FOREIGN SERVER good TO orca_reader, orca_other;
CREATE USER MAPPING FOR orca_reader SERVER good OPTIONS (user 'reader', password 'reader-secret');
SET ROLE orca_other;
SELECT usename = session_user AS superuser_mapping, usename = 'orca_reader' AS reader_mapping, umoptions
FROM pg_user_mappings WHERE srvname = 'good' ORDER BY 1, 2;
SELECT count(*) FROM pg_user_mapping;
-- the owner sees its own options, not the superuser's
SET ROLE orca_reader;
SELECT usename = session_user AS superuser_mapping, usename = 'orca_reader' AS reader_mapping, umoptions
FROM pg_user_mappings WHERE srvname = 'good' ORDER BY 1, 2;
RESET ROLE;
DROP USER MAPPING FOR orca_reader SERVER good;
REVOKE USAGE ON FOREIGN SERVER good FROM orca_reader, orca_other;
DROP ROLE orca_reader, orca_other;
DROP SERVER good CASCADE;

-- ===================================================================
-- sslrootcert, sslcert, sslkey and proxy are superuser-only: they make the
-- PostgreSQL server read its own files or route its traffic
-- ===================================================================
CREATE ROLE orca_owner;
GRANT USAGE ON FOREIGN DATA WRAPPER orca_fdw TO orca_owner;
CREATE SCHEMA s_user AUTHORIZATION orca_owner;
SET ROLE orca_owner;
CREATE SERVER s_user FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url', sslkey '/etc/ssl/private/server.key');
CREATE SERVER s_user FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url', sslcert '/etc/ssl/certs/server.pem');
CREATE SERVER s_user FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url', sslrootcert '/etc/passwd');
CREATE SERVER s_user FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url', proxy 'http://127.0.0.1:3128');
CREATE SERVER s_user FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url');
ALTER SERVER s_user OPTIONS (ADD sslrootcert '/etc/passwd');
CREATE USER MAPPING FOR PUBLIC SERVER s_user OPTIONS (user 'ormaster', password 'ormaster');
CREATE FOREIGN TABLE s_user.patients (patient_id text, whole_name text) SERVER s_user OPTIONS (resource 'patients');
SELECT patient_id FROM s_user.patients WHERE patient_id = '00001';
RESET ROLE;
-- a superuser may set them; then the owner cannot change the server ...
ALTER SERVER s_user OPTIONS (ADD proxy 'http://127.0.0.1:1');
SET ROLE orca_owner;
ALTER SERVER s_user OPTIONS (ADD weborca 'false');
-- ... and they are used only on a server a superuser owns
SELECT patient_id FROM s_user.patients WHERE patient_id = '00001';
RESET ROLE;
ALTER SERVER s_user OWNER TO CURRENT_USER;
-- the proxy carries every call (nothing listens there), whatever the
-- environment of the PostgreSQL server says
\set VERBOSITY terse
SELECT patient_id FROM s_user.patients WHERE patient_id = '00001';
\set VERBOSITY default
ALTER SERVER s_user OPTIONS (DROP proxy);
SELECT patient_id FROM s_user.patients WHERE patient_id = '00001';
-- proxy values
ALTER SERVER s_user OPTIONS (ADD proxy 'ftp://127.0.0.1:21');
ALTER SERVER s_user OPTIONS (ADD proxy 'http://user:secret@127.0.0.1:3128');
ALTER SERVER s_user OPTIONS (ADD proxy 'http://127.0.0.1:3128/path');
DROP SERVER s_user CASCADE;
DROP SCHEMA s_user;
REVOKE USAGE ON FOREIGN DATA WRAPPER orca_fdw FROM orca_owner;
DROP ROLE orca_owner;
