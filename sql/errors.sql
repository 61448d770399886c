-- ===================================================================
-- errors: HTTP, transport, broken bodies, Api_Result, timeouts
-- ===================================================================
\getenv sim_url ORCA_SIM_URL
-- wrong password: 401
CREATE SERVER orca_badauth FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca_badauth OPTIONS (user 'ormaster', password 'wrong');
CREATE FOREIGN TABLE badauth_patients (patient_id text) SERVER orca_badauth OPTIONS (resource 'patients');
SELECT * FROM badauth_patients WHERE patient_id = '00001';
-- WebORCA expected but the server is classic: 404 with a hint
CREATE SERVER orca_web FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url', weborca 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca_web OPTIONS (user 'ormaster', password 'ormaster');
CREATE FOREIGN TABLE web_patients (patient_id text) SERVER orca_web OPTIONS (resource 'patients');
SELECT * FROM web_patients WHERE patient_id = '00001';
-- nothing listens: connection error (terse: curl's wording carries timings)
CREATE SERVER orca_down FOREIGN DATA WRAPPER orca_fdw OPTIONS (url 'http://127.0.0.1:9', retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca_down OPTIONS (user 'ormaster', password 'ormaster');
CREATE FOREIGN TABLE down_patients (patient_id text) SERVER orca_down OPTIONS (resource 'patients');
\set VERBOSITY terse
SELECT * FROM down_patients WHERE patient_id = '00001';
\set VERBOSITY default
-- a server without retries reports each fault (only libcurl itself resends a read once when a
-- kept-alive connection turns out closed before any answer)
CREATE SERVER orca_noretry FOREIGN DATA WRAPPER orca_fdw OPTIONS (url :'sim_url', retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER orca_noretry OPTIONS (user 'ormaster', password 'ormaster');
CREATE FOREIGN TABLE nr_patients (patient_id text, whole_name text) SERVER orca_noretry OPTIONS (resource 'patients');
SELECT sim('fault http500 count=1');
SELECT patient_id FROM nr_patients WHERE patient_id = '00001';
SELECT sim('fault http503 count=1');
SELECT patient_id FROM nr_patients WHERE patient_id = '00001';
SELECT sim('fault malformed count=1');
SELECT patient_id FROM nr_patients WHERE patient_id = '00001';
SELECT sim('fault truncated count=1');
\set VERBOSITY terse
SELECT patient_id FROM nr_patients WHERE patient_id = '00001';
SELECT sim('fault reset count=1');
SELECT patient_id FROM nr_patients WHERE patient_id = '00001';
\set VERBOSITY default
-- Api_Result errors carry the code and message in DETAIL, with a hint where one helps
SELECT sim('fault api_error count=1 api_result=90');
SELECT patient_id FROM orca.patients WHERE patient_id = '00001';
SELECT sim('fault api_error count=1 api_result=91 path=/api01rv2/patientlst2v2');
SELECT patient_id FROM orca.patients WHERE patient_id IN ('00001', '00002');
-- reads are retried (default retries 2): transient faults do not reach the user
SELECT sim_reset();
SELECT sim('fault http503 count=2');
SELECT patient_id FROM orca.patients WHERE patient_id = '00001';
SELECT sim_stats();
SELECT sim('fault truncated count=1');
SELECT patient_id FROM orca.patients WHERE patient_id = '00001';
-- statement_timeout interrupts a slow call, and the backend keeps working
SELECT sim('fault slow count=1 delay_ms=10000');
SET statement_timeout = '1s';
SELECT patient_id FROM orca.patients WHERE patient_id = '00001';
RESET statement_timeout;
SELECT patient_id FROM orca.patients WHERE patient_id = '00002';
-- request_timeout bounds one call
ALTER SERVER orca_noretry OPTIONS (ADD request_timeout '0.5');
SELECT sim('fault slow count=1 delay_ms=3000');
\set VERBOSITY terse
SELECT patient_id FROM nr_patients WHERE patient_id = '00001';
\set VERBOSITY default
SELECT pg_sleep(3);
SELECT patient_id FROM nr_patients WHERE patient_id = '00001';
-- personal data never appears in error contexts: a conversion error names the column only
CREATE FOREIGN TABLE typed_wrong (patient_id text, whole_name date) SERVER orca OPTIONS (resource 'patients');
SELECT * FROM typed_wrong WHERE patient_id = '00001';
DROP FOREIGN TABLE typed_wrong;
DROP SERVER orca_badauth, orca_web, orca_down, orca_noretry CASCADE;
