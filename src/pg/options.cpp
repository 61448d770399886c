/*
 * options.cpp — option table, validator and option reading.
 *
 * The validator checks every option in its context (wrapper, server, user
 * mapping, foreign table, column): an unknown name is an error whose hint
 * lists the valid ones; a bad value is an error naming the option and the
 * accepted form.  Checks that need other objects (does the column's field
 * exist in the table's resource?) happen at plan time.
 */
#include "pg/options.hpp"

#include "core/catalog.hpp"
#include "pg/entry.h"
#include "pg/guard.hpp"

#include <cstring>

namespace orca_fdw::pg {

namespace {

enum class Kind { Url, Bool, Format, PosSeconds, PosInt, NonNegInt, NonNegReal, Path, Text, Resource, Field, Bytes, RegMode };

struct OptionDef {
	const char *name;
	Oid context;
	Kind kind;
};

const OptionDef kOptions[] = {
	{"url", ForeignServerRelationId, Kind::Url},
	{"weborca", ForeignServerRelationId, Kind::Bool},
	{"format", ForeignServerRelationId, Kind::Format},
	{"connect_timeout", ForeignServerRelationId, Kind::PosSeconds},
	{"request_timeout", ForeignServerRelationId, Kind::PosSeconds},
	{"max_concurrent_requests", ForeignServerRelationId, Kind::PosInt},
	{"max_requests_per_second", ForeignServerRelationId, Kind::NonNegReal},
	{"retries", ForeignServerRelationId, Kind::NonNegInt},
	{"sslrootcert", ForeignServerRelationId, Kind::Path},
	{"sslcert", ForeignServerRelationId, Kind::Path},
	{"sslkey", ForeignServerRelationId, Kind::Path},
	{"max_response_size", ForeignServerRelationId, Kind::Bytes},
	{"circuit_breaker_failures", ForeignServerRelationId, Kind::NonNegInt},
	{"circuit_breaker_cooldown", ForeignServerRelationId, Kind::PosSeconds},
	{"registration_mode", ForeignServerRelationId, Kind::RegMode},
	{"batch_size", ForeignServerRelationId, Kind::PosInt},
	{"user", UserMappingRelationId, Kind::Text},
	{"password", UserMappingRelationId, Kind::Text},
	{"resource", ForeignTableRelationId, Kind::Resource},
	{"estimated_rows", ForeignTableRelationId, Kind::NonNegReal},
	{"registration_mode", ForeignTableRelationId, Kind::RegMode},
	{"batch_size", ForeignTableRelationId, Kind::PosInt},
	{"field", AttributeRelationId, Kind::Field},
};

const char *
ContextName(Oid context)
{
	switch (context) {
	case ForeignDataWrapperRelationId: return "foreign-data wrapper";
	case ForeignServerRelationId: return "server";
	case UserMappingRelationId: return "user mapping";
	case ForeignTableRelationId: return "foreign table";
	case AttributeRelationId: return "column";
	}
	return "object";
}

char *
ValidNames(Oid context)
{
	StringInfoData buf;
	initStringInfo(&buf);
	for (const OptionDef &o : kOptions)
		if (o.context == context)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", o.name);
	return buf.data;
}

[[noreturn]] void
BadValue(const char *name, const char *value, const char *expected)
{
	ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
	                errmsg("invalid value for option \"%s\": \"%s\"", name, value), errdetail("%s", expected)));
	pg_unreachable();
}

double
ParseReal(const char *name, const char *value, bool allow_zero, const char *expected)
{
	char *end;
	errno = 0;
	double v = strtod(value, &end);
	if (end == value || *end != '\0' || errno != 0 || v < 0 || (!allow_zero && v == 0) || v != v || v > 1e9)
		BadValue(name, value, expected);
	return v;
}

long
ParseInt(const char *name, const char *value, long min, long max, const char *expected)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (end == value || *end != '\0' || errno != 0 || v < min || v > max)
		BadValue(name, value, expected);
	return v;
}

bool
ParseBool(const char *name, const char *value)
{
	bool result;
	if (!parse_bool(value, &result))
		BadValue(name, value, "Use true or false.");
	return result;
}

void
CheckUrl(const char *value)
{
	const char *rest;
	if (strncmp(value, "http://", 7) == 0)
		rest = value + 7;
	else if (strncmp(value, "https://", 8) == 0)
		rest = value + 8;
	else
		BadValue("url", value, "The url must start with http:// or https://, e.g. http://127.0.0.1:8000.");
	if (*rest == '\0' || *rest == '/' || *rest == ':')
		BadValue("url", value, "The url must name a host, e.g. http://127.0.0.1:8000.");
	if (strpbrk(value, "?#") != NULL)
		BadValue("url", value, "The url must not contain a query or fragment.");
	const char *slash = strchr(rest, '/');
	const char *at = strchr(rest, '@');
	if (at && (!slash || at < slash))
		ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
		                errmsg("invalid value for option \"url\": credentials are not allowed in the url"),
		                errhint("Put the ORCA user and password in a user mapping.")));
	for (const char *p = value; *p; p++)
		if (static_cast<unsigned char>(*p) <= ' ')
			BadValue("url", value, "The url must not contain spaces or control characters.");
}

int
ParseRegMode(const char *value)
{
	if (strcmp(value, "immediate") == 0)
		return kRegistrationImmediate;
	if (strcmp(value, "on_commit") == 0)
		return kRegistrationOnCommit;
	BadValue("registration_mode", value, "Use immediate or on_commit.");
}

int64
ParseBytes(const char *value)
{
	int v;
	const char *hintmsg = NULL;
	if (!parse_int(value, &v, GUC_UNIT_KB, &hintmsg) || v < 1)
		BadValue("max_response_size", value, "Use a size such as 64MB or 512kB (at least 1kB, at most 2TB).");
	return static_cast<int64>(v) * 1024;
}

void
CheckValue(const OptionDef &o, const char *value)
{
	switch (o.kind) {
	case Kind::Url: CheckUrl(value); break;
	case Kind::Bool: ParseBool(o.name, value); break;
	case Kind::Format:
		if (strcmp(value, "xml") != 0 && strcmp(value, "json") != 0)
			BadValue(o.name, value, "Use xml (ORCA's xml2) or json.");
		break;
	case Kind::PosSeconds: ParseReal(o.name, value, false, "Use a positive number of seconds, e.g. 5 or 0.5."); break;
	case Kind::PosInt: ParseInt(o.name, value, 1, 1000, "Use an integer between 1 and 1000."); break;
	case Kind::NonNegInt: ParseInt(o.name, value, 0, 100, "Use an integer between 0 and 100."); break;
	case Kind::NonNegReal: ParseReal(o.name, value, true, "Use a number, 0 or more."); break;
	case Kind::Path:
		if (value[0] == '\0')
			BadValue(o.name, value, "Use the path of a PEM file readable by the PostgreSQL server.");
		break;
	case Kind::Text: break;
	case Kind::Resource: {
		const core::ResourceDef *r = nullptr;
		const char *name = value;
		RunGuarded([&] { r = core::FindResource(name); });
		if (!r) {
			char *names = nullptr;
			CapturedError *err = GuardBuffer();
			static char list[256];
			if (TryCore([&] { std::string s = core::ResourceNames(); strlcpy(list, s.c_str(), sizeof(list)); }, err))
				names = list;
			ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			                errmsg("invalid value for option \"resource\": \"%s\"", value),
			                names ? errhint("Valid resources are: %s.", names) : 0));
		}
		break;
	}
	case Kind::Field:
		if (value[0] == '\0')
			BadValue(o.name, value, "Name an ORCA element, e.g. WholeName_inKana.");
		break;
	case Kind::Bytes: ParseBytes(value); break;
	case Kind::RegMode: ParseRegMode(value); break;
	}
}

const char *
Lookup(List *options, const char *name)
{
	ListCell *lc;
	foreach (lc, options) {
		DefElem *def = (DefElem *) lfirst(lc);
		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

} // namespace

void
GetServerOptions(ForeignServer *server, UserMapping *mapping, OrcaServerOptions *o)
{
	List *opts = server->options;
	const char *v;

	memset(o, 0, sizeof(*o));
	v = Lookup(opts, "url");
	if (!v)
		ereport(ERROR, (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
		                errmsg("server \"%s\" has no url option", server->servername),
		                errhint("ALTER SERVER %s OPTIONS (ADD url 'http://host:8000');", quote_identifier(server->servername))));
	char *url = pstrdup(v);
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	o->url = url;
	o->weborca = (v = Lookup(opts, "weborca")) ? ParseBool("weborca", v) : false;
	o->json = (v = Lookup(opts, "format")) ? strcmp(v, "json") == 0 : false;
	o->connect_timeout = (v = Lookup(opts, "connect_timeout")) ? ParseReal("connect_timeout", v, false, "") : 5;
	o->request_timeout = (v = Lookup(opts, "request_timeout")) ? ParseReal("request_timeout", v, false, "") : 60;
	o->max_concurrent = (v = Lookup(opts, "max_concurrent_requests")) ? ParseInt("max_concurrent_requests", v, 1, 1000, "") : 4;
	o->max_requests_per_second = (v = Lookup(opts, "max_requests_per_second")) ? ParseReal("max_requests_per_second", v, true, "") : 0;
	o->retries = (v = Lookup(opts, "retries")) ? ParseInt("retries", v, 0, 100, "") : 2;
	o->sslrootcert = Lookup(opts, "sslrootcert");
	o->sslcert = Lookup(opts, "sslcert");
	o->sslkey = Lookup(opts, "sslkey");
	o->max_response_size = (v = Lookup(opts, "max_response_size")) ? ParseBytes(v) : INT64CONST(64) << 20;
	o->breaker_failures = (v = Lookup(opts, "circuit_breaker_failures")) ? ParseInt("circuit_breaker_failures", v, 0, 100, "") : 5;
	o->breaker_cooldown = (v = Lookup(opts, "circuit_breaker_cooldown")) ? ParseReal("circuit_breaker_cooldown", v, false, "") : 30;
	o->registration_mode = (v = Lookup(opts, "registration_mode")) ? ParseRegMode(v) : kRegistrationImmediate;
	o->batch_size = (v = Lookup(opts, "batch_size")) ? ParseInt("batch_size", v, 1, 1000, "") : 1;
	if (mapping) {
		o->user = Lookup(mapping->options, "user");
		o->password = Lookup(mapping->options, "password");
	}
}

void
GetTableOptions(Oid relid, OrcaTableOptions *o)
{
	ForeignTable *table = GetForeignTable(relid);
	const char *v;
	memset(o, 0, sizeof(*o));
	o->resource = Lookup(table->options, "resource");
	if (!o->resource)
		o->resource = get_rel_name(relid); /* a table named like its resource needs no option */
	o->estimated_rows = (v = Lookup(table->options, "estimated_rows")) ? ParseReal("estimated_rows", v, true, "") : 0;
	o->registration_mode = (v = Lookup(table->options, "registration_mode")) ? ParseRegMode(v) : -1;
	o->batch_size = (v = Lookup(table->options, "batch_size")) ? ParseInt("batch_size", v, 1, 1000, "") : 0;
}

const char *
GetColumnField(Oid relid, AttrNumber attnum)
{
	List *options = GetForeignColumnOptions(relid, attnum);
	return Lookup(options, "field");
}

} // namespace orca_fdw::pg



extern "C" void
orcaValidateOptions(Datum options_datum, Oid catalog)
{
	using orca_fdw::pg::OptionDef;
	using orca_fdw::pg::kOptions;
	List *options = untransformRelOptions(options_datum);
	ListCell *lc;

	foreach (lc, options) {
		DefElem *def = (DefElem *) lfirst(lc);
		const OptionDef *found = NULL;
		for (const OptionDef &o : kOptions)
			if (o.context == catalog && strcmp(o.name, def->defname) == 0)
				found = &o;
		if (!found) {
			char *valid = orca_fdw::pg::ValidNames(catalog);
			ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			                errmsg("invalid option \"%s\" for %s", def->defname, orca_fdw::pg::ContextName(catalog)),
			                valid[0] ? errhint("Valid options in this context are: %s.", valid)
			                         : errhint("There are no valid options in this context.")));
		}
		orca_fdw::pg::CheckValue(*found, defGetString(def));
	}
}
