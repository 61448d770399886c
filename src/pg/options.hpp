/*
 * options.hpp — the wrapper's options: validation at CREATE/ALTER time and
 * reading them for a scan, both from the option table (core/option_rules.hpp).
 * Plain C structs (palloc'd strings) so frames that ereport hold nothing with
 * a destructor.
 */
#pragma once

#include "pg/pg.hpp"

namespace orca_fdw::pg {

enum RegistrationMode { kRegistrationImmediate = 0, kRegistrationOnCommit = 1 };

struct OrcaServerOptions {
	const char *url;     /* without trailing '/' */
	bool weborca;
	bool json;
	double connect_timeout; /* seconds */
	double request_timeout;
	int max_concurrent;
	double max_requests_per_second;
	int retries;
	const char *sslrootcert, *sslcert, *sslkey;
	const char *proxy;   /* NULL: no proxy (the environment's proxy variables are never used) */
	int64 max_response_size; /* bytes */
	int breaker_failures;
	double breaker_cooldown; /* seconds */
	int registration_mode;
	int batch_size;
	const char *clinic;  /* option clinic, NULL when unset */
	bool async_capable;
	const char *user, *password; /* from the user mapping */
};

/* Server options merged with the user mapping (mapping may be NULL). */
void GetServerOptions(ForeignServer *server, UserMapping *mapping, OrcaServerOptions *out);

struct OrcaTableOptions {
	const char *resource;  /* resource name */
	double estimated_rows; /* for costing: the option, or its default when unset or 0 */
	int registration_mode; /* -1 = server's */
	int batch_size;        /* 0 = server's */
	bool trim_values;      /* blank text is NULL, trailing spaces cut (default true) */
	int async_capable;     /* -1 = server's, else 0/1 */
};
void GetTableOptions(Oid relid, OrcaTableOptions *out);
/* May scans of the foreign table run asynchronously (table option
 * async_capable, else the server's, default true)? */
bool GetAsyncCapable(Oid relid);
/* The server's clinic option (palloc'd), or NULL when it has none. */
const char *GetServerClinic(Oid serverid);
/* attr_column of a column that reads the server's clinic option (a column
 * named clinic, or field '@clinic'): not an ORCA field, never pushed. */
constexpr int kClinicColumn = -2;

/* Does the column read the server's clinic (named clinic without a field
 * option, or field '@clinic')?  `has_column`: the resource has a column of
 * that name, which then wins. */
bool IsClinicColumn(const char *attname, const char *field, bool has_column);
/* The column's field option, or NULL. */
const char *GetColumnField(Oid relid, AttrNumber attnum);

} // namespace orca_fdw::pg
