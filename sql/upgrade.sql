-- ===================================================================
-- CREATE EXTENSION orca_fdw VERSION '0.1.0' + ALTER EXTENSION UPDATE gives
-- the same objects as a fresh install of the current version
-- ===================================================================
SELECT current_database() AS regression_db \gset
CREATE DATABASE orca_upgrade;
\c orca_upgrade
CREATE EXTENSION orca_fdw VERSION '0.1.0';
ALTER EXTENSION orca_fdw UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'orca_fdw';
-- each member object with what defines it (function and view definitions, privileges, comments)
CREATE TEMP VIEW ext_members AS
  SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
         coalesce(CASE d.classid
                    WHEN 'pg_proc'::regclass THEN
                      (SELECT md5(pg_get_functiondef(p.oid) || coalesce(p.proacl::text, '')) FROM pg_proc p WHERE p.oid = d.objid)
                    WHEN 'pg_class'::regclass THEN
                      (SELECT md5(coalesce(pg_get_viewdef(c.oid), '') || coalesce(c.relacl::text, '')) FROM pg_class c WHERE c.oid = d.objid)
                    WHEN 'pg_foreign_data_wrapper'::regclass THEN
                      (SELECT md5(w.fdwhandler::regproc::text || w.fdwvalidator::regproc::text) FROM pg_foreign_data_wrapper w WHERE w.oid = d.objid)
                  END, '') || ' ' || coalesce(md5(obj_description(d.objid, d.classid::regclass::name)), '') AS definition
  FROM pg_depend d
  WHERE d.refclassid = 'pg_extension'::regclass
    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'orca_fdw') AND d.deptype = 'e';
SELECT md5(string_agg(object || ' ' || definition, E'\n' ORDER BY object)) AS updated FROM ext_members \gset
-- a fresh install of the current version
DROP EXTENSION orca_fdw;
CREATE EXTENSION orca_fdw;
SELECT extversion FROM pg_extension WHERE extname = 'orca_fdw';
SELECT object FROM ext_members ORDER BY object;
SELECT md5(string_agg(object || ' ' || definition, E'\n' ORDER BY object)) = :'updated' AS same_as_updated FROM ext_members;
\c :regression_db
DROP DATABASE orca_upgrade;
