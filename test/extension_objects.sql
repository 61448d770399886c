-- extension_objects.sql — every object of the orca_fdw extension with what defines it, as text
-- that diff -u can compare (test/upgrade_test.sh compares an updated install with a fresh one).
--
-- One block per object, "== <object>" then its lines, sorted by object: functions (the whole
-- CREATE FUNCTION, owner, ACL), relations (kind, columns, view definition, options, owner, ACL,
-- constraints, indexes, triggers, column comments), the wrapper (handler, validator, options,
-- owner, ACL), types; for every object its comment and its initial privileges (pg_init_privs,
-- what pg_dump treats as the extension's own grants).  The first block is the extension itself.
-- Run with psql -XAtq (unaligned, tuples only).
WITH ext AS (
  SELECT e.oid, e.extversion, e.extrelocatable, e.extnamespace::regnamespace::text AS schema,
         e.extconfig, e.extcondition
  FROM pg_extension e WHERE e.extname = 'orca_fdw'
), members AS (
  SELECT d.classid, d.objid, d.objsubid, pg_describe_object(d.classid, d.objid, d.objsubid) AS object
  FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), blocks AS (
  SELECT '' AS object,
         concat_ws(E'\n', '== extension orca_fdw',
                   'version: ' || extversion,
                   'relocatable: ' || extrelocatable,
                   'schema: ' || schema,
                   'configuration tables: ' || coalesce(extconfig::regclass[]::text, '(none)'),
                   'configuration conditions: ' || coalesce(extcondition::text, '(none)'),
                   'comment: ' || coalesce(obj_description(oid, 'pg_extension'), '(none)')) AS block
  FROM ext
  UNION ALL
  SELECT m.object,
         concat_ws(E'\n', '== ' || m.object,
           CASE m.classid
             WHEN 'pg_proc'::regclass THEN
               (SELECT concat_ws(E'\n',
                  CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid)
                       ELSE format('kind %s (%s) returns %s', p.prokind::text, pg_get_function_arguments(p.oid),
                                   pg_get_function_result(p.oid)) END,
                  'owner: ' || pg_get_userbyid(p.proowner),
                  'acl: ' || coalesce(p.proacl::text, '(default)'))
                FROM pg_proc p WHERE p.oid = m.objid)
             WHEN 'pg_class'::regclass THEN
               (SELECT concat_ws(E'\n',
                  'kind: ' || c.relkind::text,
                  'columns: ' || coalesce((SELECT string_agg(format('%I %s%s%s', a.attname,
                                              format_type(a.atttypid, a.atttypmod),
                                              CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                                              coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')),
                                              ', ' ORDER BY a.attnum)
                                           FROM pg_attribute a
                                           LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                                           WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ''),
                  CASE WHEN c.relkind IN ('v', 'm') THEN 'definition: ' || pg_get_viewdef(c.oid, true) END,
                  'options: ' || coalesce(c.reloptions::text, '(none)'),
                  'owner: ' || pg_get_userbyid(c.relowner),
                  'acl: ' || coalesce(c.relacl::text, '(default)'),
                  (SELECT string_agg(format('constraint %I: %s', con.conname, pg_get_constraintdef(con.oid)), E'\n'
                                     ORDER BY con.conname)
                   FROM pg_constraint con WHERE con.conrelid = c.oid),
                  (SELECT string_agg('index: ' || pg_get_indexdef(i.indexrelid), E'\n' ORDER BY 1)
                   FROM pg_index i WHERE i.indrelid = c.oid),
                  (SELECT string_agg('trigger: ' || pg_get_triggerdef(t.oid), E'\n' ORDER BY t.tgname)
                   FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
                  (SELECT string_agg(format('comment on column %I: %s', a.attname, col_description(c.oid, a.attnum)),
                                     E'\n' ORDER BY a.attnum)
                   FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND col_description(c.oid, a.attnum) IS NOT NULL))
                FROM pg_class c WHERE c.oid = m.objid)
             WHEN 'pg_foreign_data_wrapper'::regclass THEN
               (SELECT concat_ws(E'\n',
                  'handler: ' || w.fdwhandler::regprocedure,
                  'validator: ' || w.fdwvalidator::regprocedure,
                  'options: ' || coalesce(w.fdwoptions::text, '(none)'),
                  'owner: ' || pg_get_userbyid(w.fdwowner),
                  'acl: ' || coalesce(w.fdwacl::text, '(default)'))
                FROM pg_foreign_data_wrapper w WHERE w.oid = m.objid)
             WHEN 'pg_type'::regclass THEN
               (SELECT concat_ws(E'\n',
                  format('type %s, kind %s, input %s, output %s', format_type(t.oid, NULL), t.typtype::text,
                         t.typinput::regproc, t.typoutput::regproc),
                  'owner: ' || pg_get_userbyid(t.typowner),
                  'acl: ' || coalesce(t.typacl::text, '(default)'))
                FROM pg_type t WHERE t.oid = m.objid)
             ELSE
               (SELECT format('address: %s %s %s', a.type, a.object_names, a.object_args)
                FROM pg_identify_object_as_address(m.classid, m.objid, m.objsubid) a)
           END,
           'comment: ' || coalesce(obj_description(m.objid, (SELECT relname FROM pg_class WHERE oid = m.classid)), '(none)'),
           'initial privileges: ' || coalesce((SELECT string_agg(ip.initprivs::text, ' ' ORDER BY ip.objsubid)
                                               FROM pg_init_privs ip
                                               WHERE ip.classoid = m.classid AND ip.objoid = m.objid), '(none)'))
  FROM members m
)
SELECT block FROM blocks ORDER BY object;
