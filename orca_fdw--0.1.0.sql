/* orca_fdw--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION orca_fdw" to load this file. \quit

CREATE FUNCTION orca_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION orca_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER orca_fdw
  HANDLER orca_fdw_handler
  VALIDATOR orca_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER orca_fdw IS 'ORCA (日医標準レセプトソフト) web API';
