/*
 * options.cpp — the validator and the reader of the wrapper's options, both
 * fed by the option table of core/option_rules (name, object, kind,
 * default, range, superuser-only).
 *
 * The validator checks every option in its context (wrapper, server, user
 * mapping, foreign table, column): an unknown name is an error whose hint
 * lists the valid ones; a bad value is an error naming the option and the
 * accepted form.  Checks that need other objects (does the column's field
 * exist in the table's resource?) happen at plan time.
 */
#include "pg/options.hpp"

#include "core/option_rules.hpp"
#include "pg/entry.h"
#include "pg/guard.hpp"

#include <cstring>
#include <string>

namespace orca_fdw::pg {

namespace {

using core::Opt;
using core::OptionObject;

/* The object a validator context (catalog) sets options on; false for the wrapper, which takes none. */
bool
ObjectOf(Oid context, OptionObject *out)
{
	switch (context) {
	case ForeignServerRelationId: *out = OptionObject::Server; return true;
	case UserMappingRelationId: *out = OptionObject::UserMapping; return true;
	case ForeignTableRelationId: *out = OptionObject::Table; return true;
	case AttributeRelationId: *out = OptionObject::Column; return true;
	}
	return false;
}

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

/* Every option of `object` as set in `options` (raw[i], NULL when not set)
 * and parsed by its rule from the option table: the given value, else the
 * default (values[i].present false when there is none).  Values were
 * checked at CREATE/ALTER time; they are parsed with the same rules. */
void
ReadOptions(List *options, OptionObject object, const char *raw[core::kOptCount], core::OptionValue values[core::kOptCount])
{
	const std::vector<core::OptionSpec> *specs = nullptr;
	RunGuarded([&] { specs = &core::OptionSpecs(); }); /* read-only after its first use */
	for (int i = 0; i < core::kOptCount; i++)
		raw[i] = (*specs)[i].object == object ? Lookup(options, (*specs)[i].name) : NULL;
	RunGuarded([&] {
		for (int i = 0; i < core::kOptCount; i++) {
			const core::OptionSpec &o = (*specs)[i];
			if (o.object == object)
				values[i] = raw[i] ? core::ParseOption(o, raw[i]) : core::OptionDefault(o);
		}
	});
}

inline const core::OptionValue &
V(const core::OptionValue values[core::kOptCount], Opt opt)
{
	return values[static_cast<int>(opt)];
}

} // namespace

void
GetServerOptions(ForeignServer *server, UserMapping *mapping, OrcaServerOptions *o)
{
	const char *raw[core::kOptCount];
	core::OptionValue v[core::kOptCount];

	memset(o, 0, sizeof(*o));
	if (!Lookup(server->options, "url"))
		ereport(ERROR, (errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
		                errmsg("server \"%s\" has no url option", server->servername),
		                errhint("ALTER SERVER %s OPTIONS (ADD url 'http://host:8000');", quote_identifier(server->servername))));
	ReadOptions(server->options, OptionObject::Server, raw, v);
	char *url = pstrdup(raw[static_cast<int>(Opt::Url)]);
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	o->url = url;
	o->weborca = V(v, Opt::Weborca).boolean;
	o->json = V(v, Opt::Format).boolean;
	o->connect_timeout = V(v, Opt::ConnectTimeout).number;
	o->request_timeout = V(v, Opt::RequestTimeout).number;
	o->max_concurrent = (int) V(v, Opt::MaxConcurrentRequests).integer;
	o->max_requests_per_second = V(v, Opt::MaxRequestsPerSecond).number;
	o->retries = (int) V(v, Opt::Retries).integer;
	o->max_response_size = V(v, Opt::MaxResponseSize).bytes;
	o->breaker_failures = (int) V(v, Opt::CircuitBreakerFailures).integer;
	o->breaker_cooldown = V(v, Opt::CircuitBreakerCooldown).number;
	o->registration_mode = (int) V(v, Opt::RegistrationMode).integer;
	o->batch_size = (int) V(v, Opt::BatchSize).integer;
	o->clinic = raw[static_cast<int>(Opt::Clinic)];
	o->async_capable = V(v, Opt::AsyncCapable).boolean;
	o->sslrootcert = raw[static_cast<int>(Opt::SslRootCert)];
	o->sslcert = raw[static_cast<int>(Opt::SslCert)];
	o->sslkey = raw[static_cast<int>(Opt::SslKey)];
	o->proxy = raw[static_cast<int>(Opt::Proxy)];
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
		const char *mraw[core::kOptCount];
		core::OptionValue mv[core::kOptCount];
		ReadOptions(mapping->options, OptionObject::UserMapping, mraw, mv);
		o->user = mraw[static_cast<int>(Opt::User)];
		o->password = mraw[static_cast<int>(Opt::Password)];
	}
}

void
GetTableOptions(Oid relid, OrcaTableOptions *o)
{
	ForeignTable *table = GetForeignTable(relid);
	const char *raw[core::kOptCount];
	core::OptionValue v[core::kOptCount];

	memset(o, 0, sizeof(*o));
	ReadOptions(table->options, OptionObject::Table, raw, v);
	o->resource = raw[static_cast<int>(Opt::Resource)];
	if (!o->resource)
		o->resource = get_rel_name(relid); /* a table named like its resource needs no option */
	o->trim_values = V(v, Opt::TrimValues).boolean;
	o->estimated_rows = V(v, Opt::EstimatedRows).number;
	if (o->estimated_rows <= 0) /* 0: not known, as when not set */
		RunGuarded([&] { o->estimated_rows = core::OptionDefault(core::OptionOf(Opt::EstimatedRows)).number; });
	const core::OptionValue &mode = V(v, Opt::TableRegistrationMode), &batch = V(v, Opt::TableBatchSize);
	o->registration_mode = mode.present ? (int) mode.integer : -1;
	o->batch_size = batch.present ? (int) batch.integer : 0;
	const core::OptionValue &async = V(v, Opt::TableAsyncCapable);
	o->async_capable = async.present ? (async.boolean ? 1 : 0) : -1;
}

bool
GetAsyncCapable(Oid relid)
{
	OrcaTableOptions t;
	GetTableOptions(relid, &t);
	if (t.async_capable >= 0)
		return t.async_capable != 0;
	ForeignServer *server = GetForeignServer(GetForeignTable(relid)->serverid);
	const char *raw[core::kOptCount];
	core::OptionValue v[core::kOptCount];
	ReadOptions(server->options, OptionObject::Server, raw, v);
	return V(v, Opt::AsyncCapable).boolean;
}

const char *
GetServerClinic(Oid serverid)
{
	ForeignServer *server = GetForeignServer(serverid);
	const char *clinic = Lookup(server->options, "clinic");
	return clinic ? pstrdup(clinic) : NULL;
}

bool
IsClinicColumn(const char *attname, const char *field, bool has_column)
{
	if (field)
		return strcmp(field, "@clinic") == 0;
	return !has_column && strcmp(attname, "clinic") == 0;
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
	using namespace orca_fdw;
	List *options = untransformRelOptions(options_datum);
	ListCell *lc;
	core::OptionObject object;
	bool takes_options = pg::ObjectOf(catalog, &object);

	foreach (lc, options) {
		DefElem *def = (DefElem *) lfirst(lc);
		const core::OptionSpec *found = NULL;
		char names[1024] = "";
		const char *name = def->defname;
		pg::RunGuarded([&] {
			if (!takes_options)
				return;
			found = core::FindOption(object, name);
			strlcpy(names, core::OptionNames(object).c_str(), sizeof(names));
		});
		if (!found)
			ereport(ERROR, (errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			                errmsg("invalid option \"%s\" for %s", def->defname, pg::ContextName(catalog)),
			                names[0] ? errhint("Valid options in this context are: %s.", names)
			                         : errhint("There are no valid options in this context.")));
		if (found->superuser_only && !superuser())
			ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			                errmsg("only superusers can set option \"%s\"", def->defname),
			                errdetail("sslrootcert, sslcert and sslkey name files the PostgreSQL server reads, and "
			                          "proxy routes its traffic."),
			                errhint("Servers with the sslrootcert, sslcert, sslkey or proxy options set may only be "
			                        "created or modified by a superuser.")));
		const char *value = defGetString(def);
		pg::RunGuarded([&] { core::ParseOption(*found, value); });
	}
}
