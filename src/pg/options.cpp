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

#include "core/registry.hpp"
#include "core/option_rules.hpp"
#include "pg/entry.h"
#include "pg/guard.hpp"

#include <cstring>
#include <string>

namespace orca_fdw::pg {

namespace {

enum class Kind { Url, Bool, Format, PosSeconds, PosInt, NonNegInt, NonNegReal, Path, Text, Resource, Field, Bytes, RegMode, Proxy };

struct OptionDef {
	const char *name;
	Oid context;
	Kind kind;
	/* Only a superuser may set it: it names a file the backend reads (a
	 * non-superuser would use the server's own key as their TLS identity, or
	 * probe which files exist) or routes the backend's traffic (proxy). */
	bool superuser_only = false;
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
	{"sslrootcert", ForeignServerRelationId, Kind::Path, true},
	{"sslcert", ForeignServerRelationId, Kind::Path, true},
	{"sslkey", ForeignServerRelationId, Kind::Path, true},
	{"proxy", ForeignServerRelationId, Kind::Proxy, true},
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
	{"trim_values", ForeignTableRelationId, Kind::Bool},
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

/* Apply the core's value rule for one option (throws inside the guard). */
void
CheckRule(const OptionDef &o, const std::string &value)
{
	switch (o.kind) {
	case Kind::Url: core::CheckUrl(value); break;
	case Kind::Bool: core::ParseBool(o.name, value); break;
	case Kind::Format: core::ParseFormatIsJson(value); break;
	case Kind::PosSeconds: core::ParseSeconds(o.name, value); break;
	case Kind::PosInt: core::ParseInteger(o.name, value, 1, 1000); break;
	case Kind::NonNegInt: core::ParseInteger(o.name, value, 0, 100); break;
	case Kind::NonNegReal: core::ParseNonNegative(o.name, value); break;
	case Kind::Bytes: core::ParseBytes(o.name, value); break;
	case Kind::RegMode: core::ParseRegistrationMode(value); break;
	case Kind::Proxy: core::CheckProxyUrl(value); break;
	case Kind::Path:
		if (value.empty())
			throw core::Error(core::ErrorKind::InvalidValue, std::string("invalid value for option \"") + o.name + "\": \"\"",
			                  "Use the path of a PEM file readable by the PostgreSQL server.");
		break;
	case Kind::Field:
		if (value.empty())
			throw core::Error(core::ErrorKind::InvalidValue, "invalid value for option \"field\": \"\"",
			                  "Name an ORCA element, e.g. WholeName_inKana.");
		break;
	case Kind::Resource:
		if (!core::FindResource(value))
			throw core::Error(core::ErrorKind::InvalidValue, "invalid value for option \"resource\": \"" + value + "\"", "",
			                  "Valid resources are: " + core::ResourceNames() + ".");
		break;
	case Kind::Text: break;
	}
}

void
CheckValue(const OptionDef &o, const char *value)
{
	RunGuarded([&] { CheckRule(o, value); });
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
	/* Values were checked at CREATE/ALTER time; parse them with the same rules. */
	const char *weborca = Lookup(opts, "weborca"), *format = Lookup(opts, "format");
	const char *connect = Lookup(opts, "connect_timeout"), *request = Lookup(opts, "request_timeout");
	const char *concurrent = Lookup(opts, "max_concurrent_requests"), *rps = Lookup(opts, "max_requests_per_second");
	const char *retries = Lookup(opts, "retries"), *size = Lookup(opts, "max_response_size");
	const char *failures = Lookup(opts, "circuit_breaker_failures"), *cooldown = Lookup(opts, "circuit_breaker_cooldown");
	const char *mode = Lookup(opts, "registration_mode"), *batch = Lookup(opts, "batch_size");
	RunGuarded([&] {
		o->weborca = weborca ? core::ParseBool("weborca", weborca) : false;
		o->json = format ? core::ParseFormatIsJson(format) : false;
		o->connect_timeout = connect ? core::ParseSeconds("connect_timeout", connect) : 5;
		o->request_timeout = request ? core::ParseSeconds("request_timeout", request) : 60;
		o->max_concurrent = concurrent ? core::ParseInteger("max_concurrent_requests", concurrent, 1, 1000) : 4;
		o->max_requests_per_second = rps ? core::ParseNonNegative("max_requests_per_second", rps) : 0;
		o->retries = retries ? core::ParseInteger("retries", retries, 0, 100) : 2;
		o->max_response_size = size ? core::ParseBytes("max_response_size", size) : INT64CONST(64) << 20;
		o->breaker_failures = failures ? core::ParseInteger("circuit_breaker_failures", failures, 0, 100) : 5;
		o->breaker_cooldown = cooldown ? core::ParseSeconds("circuit_breaker_cooldown", cooldown) : 30;
		o->registration_mode = mode ? core::ParseRegistrationMode(mode) : kRegistrationImmediate;
		o->batch_size = batch ? core::ParseInteger("batch_size", batch, 1, 1000) : 1;
	});
	o->sslrootcert = Lookup(opts, "sslrootcert");
	o->sslcert = Lookup(opts, "sslcert");
	o->sslkey = Lookup(opts, "sslkey");
	o->proxy = Lookup(opts, "proxy");
	if (mapping) {
		/* Connection time: the superuser-only options are used only on a
		 * server a superuser owns.  The validator refuses them to anyone
		 * else, but a catalog may hold values set before that rule (or a
		 * superuser may have handed the server to another owner). */
		const char *privileged = o->sslrootcert ? "sslrootcert"
		                         : o->sslcert   ? "sslcert"
		                         : o->sslkey    ? "sslkey"
		                         : o->proxy     ? "proxy"
		                                        : NULL;
		if (privileged && !superuser_arg(server->owner))
			ereport(ERROR,
			        (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			         errmsg("server \"%s\" uses option \"%s\" but is not owned by a superuser", server->servername,
			                privileged),
			         errdetail("sslrootcert, sslcert, sslkey and proxy make the PostgreSQL server read its own files "
			                   "or route its traffic; orca_fdw uses them only on servers owned by a superuser."),
			         errhint("A superuser can take the server over (ALTER SERVER %s OWNER TO ...), or drop the "
			                 "options.",
			                 quote_identifier(server->servername))));
		o->user = Lookup(mapping->options, "user");
		o->password = Lookup(mapping->options, "password");
	}
}

void
GetTableOptions(Oid relid, OrcaTableOptions *o)
{
	ForeignTable *table = GetForeignTable(relid);
	memset(o, 0, sizeof(*o));
	o->resource = Lookup(table->options, "resource");
	if (!o->resource)
		o->resource = get_rel_name(relid); /* a table named like its resource needs no option */
	const char *rows = Lookup(table->options, "estimated_rows");
	const char *mode = Lookup(table->options, "registration_mode"), *batch = Lookup(table->options, "batch_size");
	const char *trim = Lookup(table->options, "trim_values");
	RunGuarded([&] {
		o->trim_values = trim ? core::ParseBool("trim_values", trim) : true;
		o->estimated_rows = rows ? core::ParseNonNegative("estimated_rows", rows) : 0;
		o->registration_mode = mode ? core::ParseRegistrationMode(mode) : -1;
		o->batch_size = batch ? core::ParseInteger("batch_size", batch, 1, 1000) : 0;
	});
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
		if (found->superuser_only && !superuser())
			ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			                errmsg("only superusers can set option \"%s\"", def->defname),
			                errdetail("sslrootcert, sslcert and sslkey name files the PostgreSQL server reads, and "
			                          "proxy routes its traffic."),
			                errhint("Servers with the sslrootcert, sslcert, sslkey or proxy options set may only be "
			                        "created or modified by a superuser.")));
		orca_fdw::pg::CheckValue(*found, defGetString(def));
	}
}
