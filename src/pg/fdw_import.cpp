/*
 * fdw_import.cpp — IMPORT FOREIGN SCHEMA orca: one CREATE FOREIGN TABLE per
 * resource of the catalog, with the catalog's column names and types, and
 * COMMENT ON the table and each column (core/import_comments.hpp: meaning in
 * Japanese and English, the ORCA APIs and elements), which BI tools show.
 *
 * PostgreSQL runs only CREATE FOREIGN TABLE commands an FDW returns, and a
 * comment needs the table to exist: so the wrapper runs the commands itself,
 * through SPI as the importing user (the same privilege checks), in the
 * IMPORT's transaction, and returns none.
 */
#include "pg/fdw.hpp"

#include "core/import_comments.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "executor/spi.h"
#include "mb/pg_wchar.h"
}

#include <cstdlib>
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

/* A comment text from the core, in malloc'd memory (free()d by the caller):
 * this frame may ereport, so it holds no std::string. */
template <typename Fn>
char *
CommentText(Fn &&fn)
{
	char *out = nullptr;
	RunGuarded([&] {
		std::string s = fn();
		out = strdup(s.c_str());
		if (out == nullptr)
			throw std::bad_alloc();
	});
	return out;
}

/* Appends "COMMENT ON <what> IS '<text>';" with the comment converted from
 * UTF-8 (the declarations' encoding) to the database's, and frees text. */
void
AppendComment(StringInfo buf, const char *what, char *text)
{
	char *converted = pg_any_to_server(text, (int) strlen(text), PG_UTF8);
	appendStringInfo(buf, ";\nCOMMENT ON %s IS %s", what, quote_literal_cstr(converted));
	free(text);
}

void
RunCommand(const char *sql)
{
	int rc = SPI_execute(sql, false, 0);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "orca_fdw: IMPORT FOREIGN SCHEMA: SPI_execute returned %d", rc);
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

	/* The Japanese part of a comment where the database can hold it (UTF8,
	 * EUC_JP, ...; SQL_ASCII stores the bytes as they are); English only elsewhere. */
	int encoding = GetDatabaseEncoding();
	bool japanese = encoding == PG_UTF8 || encoding == PG_SQL_ASCII || encoding == PG_EUC_JP ||
	                encoding == PG_EUC_JIS_2004;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orca_fdw: IMPORT FOREIGN SCHEMA: SPI_connect failed");
	for (size_t i = 0; i < count; i++) {
		const core::ResourceDef &r = (*resources)[i];
		if (!TableWanted(stmt, r.name.c_str()))
			continue;
		const char *table = quote_qualified_identifier(stmt->local_schema, r.name.c_str());
		StringInfoData buf;
		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n", table);
		for (size_t c = 0; c < r.columns.size(); c++)
			appendStringInfo(&buf, "  %s %s%s\n", quote_identifier(r.columns[c].name.c_str()),
			                 TypeName(r.columns[c].type), c + 1 < r.columns.size() ? "," : "");
		appendStringInfo(&buf, ") SERVER %s OPTIONS (resource %s)", quote_identifier(server->servername),
		                 quote_literal_cstr(r.name.c_str()));
		AppendComment(&buf, psprintf("FOREIGN TABLE %s", table),
		              CommentText([&] { return core::TableComment(r, japanese); }));
		for (size_t c = 0; c < r.columns.size(); c++) {
			const core::ColumnDef &col = r.columns[c];
			AppendComment(&buf, psprintf("COLUMN %s.%s", table, quote_identifier(col.name.c_str())),
			              CommentText([&] { return core::ColumnComment(col, japanese); }));
		}
		RunCommand(buf.data);
		pfree(buf.data);
	}
	SPI_finish();
	return NIL; /* the tables exist: nothing left for PostgreSQL to run */
}

} // namespace orca_fdw::pg
