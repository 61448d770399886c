/*
 * fdw_import.cpp — IMPORT FOREIGN SCHEMA orca: one CREATE FOREIGN TABLE per
 * resource of the catalog, with the catalog's column names and types.
 */
#include "pg/fdw.hpp"

#include "pg/guard.hpp"

#include <cstring>
#include <string>

namespace orca_fdw::pg {

namespace {

bool
TableWanted(ImportForeignSchemaStmt *stmt, const char *name)
{
	ListCell *lc;
	if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
		return true;
	bool listed = false;
	foreach (lc, stmt->table_list) {
		RangeVar *rv = (RangeVar *) lfirst(lc);
		if (strcmp(rv->relname, name) == 0)
			listed = true;
	}
	return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ? listed : !listed;
}

const char *
TypeName(core::ColumnType t)
{
	switch (t) {
	case core::ColumnType::Text: return "text";
	case core::ColumnType::Date: return "date";
	case core::ColumnType::Time: return "time";
	case core::ColumnType::Integer: return "integer";
	case core::ColumnType::Jsonb: return "jsonb";
	}
	return "text";
}

} // namespace

List *
orcaImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	if (strcmp(stmt->remote_schema, "orca") != 0)
		ereport(ERROR, (errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
		                errmsg("schema \"%s\" is not available on ORCA server \"%s\"", stmt->remote_schema,
		                       server->servername),
		                errhint("Use IMPORT FOREIGN SCHEMA orca FROM SERVER %s INTO ...;",
		                        quote_identifier(server->servername))));

	/* The catalog is read-only after its first use; touch it under the guard once. */
	const std::vector<core::ResourceDef> *resources = nullptr;
	RunGuarded([&] { resources = &core::Resources(); });
	size_t count = resources->size();

	List *commands = NIL;
	for (size_t i = 0; i < count; i++) {
		const core::ResourceDef &r = (*resources)[i];
		if (!TableWanted(stmt, r.name.c_str()))
			continue;
		StringInfoData buf;
		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (\n", quote_identifier(stmt->local_schema),
		                 quote_identifier(r.name.c_str()));
		for (size_t c = 0; c < r.columns.size(); c++)
			appendStringInfo(&buf, "  %s %s%s\n", quote_identifier(r.columns[c].name.c_str()),
			                 TypeName(r.columns[c].type), c + 1 < r.columns.size() ? "," : "");
		appendStringInfo(&buf, ") SERVER %s OPTIONS (resource %s)", quote_identifier(server->servername),
		                 quote_literal_cstr(r.name.c_str()));
		commands = lappend(commands, buf.data);
	}
	return commands;
}

} // namespace orca_fdw::pg
