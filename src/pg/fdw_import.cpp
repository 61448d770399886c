/*
 * fdw_import.cpp — IMPORT FOREIGN SCHEMA orca: one CREATE FOREIGN TABLE per
 * resource of the catalog, with the catalog's column names and types, and
 * COMMENT ON the table and each column (core/import_comments.hpp: meaning in
 * Japanese and English, the ORCA APIs and elements), which BI tools show.
 *
 * PostgreSQL runs only CREATE FOREIGN TABLE commands an FDW returns, and a
 * comment needs the table to exist: so the wrapper runs the commands itself
 * the way PostgreSQL's ImportForeignSchema does (parsed, then ProcessUtility
 * as a subcommand, as the importing user, in the IMPORT's transaction, with
 * the context "importing foreign table ..."), and returns none.
 */
#include "pg/fdw.hpp"

#include "core/import_comments.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
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

/* A comment text from the core, in palloc'd memory: this frame may ereport,
 * so it holds no std::string (the malloc'd copy lives only until pstrdup). */
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
	char *text = pstrdup(out);
	free(out);
	return text;
}

/* Appends "COMMENT ON <what> IS '<text>';" with the comment converted from
 * UTF-8 (the declarations' encoding) to the database's (which may ereport:
 * the text is palloc'd, so nothing leaks). */
void
AppendComment(StringInfo buf, const char *what, const char *text)
{
	char *converted = pg_any_to_server(text, (int) strlen(text), PG_UTF8);
	appendStringInfo(buf, ";\nCOMMENT ON %s IS %s", what, quote_literal_cstr(converted));
}

/* Runs the commands of one table as PostgreSQL runs an FDW's CREATE FOREIGN
 * TABLE commands (commands/foreigncmds.c, ImportForeignSchema). */
void
RunCommands(const char *sql)
{
	List *parsed = pg_parse_query(sql);
	ListCell *lc;
	foreach (lc, parsed) {
		RawStmt *rs = lfirst_node(RawStmt, lc);
		if (!IsA(rs->stmt, CreateForeignTableStmt) && !IsA(rs->stmt, CommentStmt))
			elog(ERROR, "orca_fdw: IMPORT FOREIGN SCHEMA built an unexpected statement (%d)", (int) nodeTag(rs->stmt));
		PlannedStmt *pstmt = makeNode(PlannedStmt);
		pstmt->commandType = CMD_UTILITY;
		pstmt->canSetTag = false;
		pstmt->utilityStmt = rs->stmt;
		pstmt->stmt_location = rs->stmt_location;
		pstmt->stmt_len = rs->stmt_len;
		ProcessUtility(pstmt, sql, false, PROCESS_UTILITY_SUBCOMMAND, NULL, NULL, None_Receiver, NULL);
		CommandCounterIncrement();
	}
}

void
ImportErrorContext(void *arg)
{
	errcontext("importing foreign table \"%s\"", static_cast<const char *>(arg));
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
		ErrorContextCallback callback;
		callback.callback = ImportErrorContext;
		callback.arg = const_cast<char *>(r.name.c_str());
		callback.previous = error_context_stack;
		error_context_stack = &callback;
		RunCommands(buf.data);
		error_context_stack = callback.previous;
		pfree(buf.data);
	}
	return NIL; /* the tables exist: nothing left for PostgreSQL to run */
}

} // namespace orca_fdw::pg
