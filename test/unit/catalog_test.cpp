/*
 * catalog_test.cpp — the resource declarations and the registry's rules,
 * and the README's tables (the user's contract) against the declarations:
 * the README is parsed, so a column, a type or a "from" list that differs
 * from what the wrapper reads fails here.
 */
#include "core/import_comments.hpp"
#include "core/registration/builders.hpp"
#include "core/registry.hpp"
#include "core/scan.hpp"
#include "test_http_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace orca_fdw::core {
namespace {

/* ------------------------------------------------------------ the registry */

TEST(Registry, EveryDeclarationFollowsTheRules)
{
	ASSERT_NO_THROW(Resources());
	EXPECT_EQ(ResourceNames(), "patients, admissions, meals, wards, rooms, departments, doctors, visits, diseases");
	for (const ResourceDef &r : Resources()) {
		ResourceDef copy = r;
		EXPECT_NO_THROW(CheckDeclaration(copy)) << r.name;
		for (const ColumnDef &c : r.columns) {
			EXPECT_FALSE(c.paths.empty()) << r.name << "." << c.name << " has no source";
			for (const SourcePath_ &p : c.paths)
				EXPECT_TRUE(r.Calls() & SourceBit(p.source))
				    << r.name << "." << c.name << ": no scan of the resource calls " << ApiName(p.source);
		}
		for (const KeyCondition &k : r.read.keys) {
			EXPECT_GE(k.column_index, 0) << r.name << ": key on " << k.column;
			EXPECT_TRUE(r.Calls() & ApiBit(k.api)) << r.name << ": key on " << k.column << " feeds no endpoint";
		}
		EXPECT_TRUE((r.read.plan && r.read.execute) || r.read.list.api != Api::Count_)
		    << r.name << " is read by hooks or by a list";
	}
	EXPECT_EQ(FindResource("receptions"), nullptr) << "an unknown resource is not found (callers make it an error)";
}

ResourceDef
Copy(const char *name)
{
	const ResourceDef *r = FindResource(name);
	EXPECT_NE(r, nullptr) << name;
	return r ? *r : ResourceDef{};
}

std::string
Rejection(ResourceDef r)
{
	try {
		CheckDeclaration(r);
	} catch (const Error &e) {
		EXPECT_EQ(e.kind, ErrorKind::Internal);
		return e.message + " " + e.detail;
	}
	return "accepted";
}

/* IMPORT FOREIGN SCHEMA's COMMENT ON texts (BI tools show them): every table
 * and column says its meaning in Japanese and English and where ORCA keeps it. */
bool
HasJapanesePart(const std::string &comment)
{
	size_t sep = comment.find(" / ");
	return sep != std::string::npos && sep > 0 && EnglishPart(comment) != comment &&
	       EnglishPart(comment).find_first_not_of(' ') != std::string::npos;
}

TEST(ImportComments, EveryTableAndColumnIsDescribedInJapaneseAndEnglish)
{
	for (const ResourceDef &r : Resources()) {
		EXPECT_TRUE(HasJapanesePart(r.comment)) << r.name << ": \"" << r.comment << "\"";
		std::string table = TableComment(r, true);
		EXPECT_NE(table.find(" (ORCA API "), std::string::npos) << table;
		for (const ColumnDef &c : r.columns) {
			EXPECT_TRUE(HasJapanesePart(c.comment)) << r.name << "." << c.name << ": \"" << c.comment << "\"";
			std::string text = ColumnComment(c, true);
			for (const SourcePath_ &p : c.paths) {
				EXPECT_NE(text.find(ApiName(p.source)), std::string::npos) << r.name << "." << c.name << ": " << text;
				EXPECT_NE(text.find(p.path), std::string::npos) << r.name << "." << c.name << ": " << text;
			}
			/* English only: no byte a LATIN1 database could not hold */
			std::string english = ColumnComment(c, false);
			EXPECT_TRUE(std::all_of(english.begin(), english.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; }))
			    << r.name << "." << c.name << ": " << english;
		}
	}
}

TEST(ImportComments, NameTheSourcesGroupedByElement)
{
	const ResourceDef &patients = Resources()[0];
	const ColumnDef &id = patients.columns[patients.FindColumn("patient_id")];
	EXPECT_EQ(ColumnComment(id, true),
	          "患者番号 / patient number, zero-padded as ORCA returns it (patientgetv2, patientlst1v2, patientlst2v2: Patient_ID)");
	EXPECT_EQ(ColumnComment(id, false),
	          "patient number, zero-padded as ORCA returns it (patientgetv2, patientlst1v2, patientlst2v2: Patient_ID)");
	ColumnDef two = Col("x", ColumnType::Text, {{Api::InpatientFind, "A"}, {Api::InpatientInfo, "B/Data"}}, "エックス / x");
	EXPECT_EQ(ColumnComment(two, true), "エックス / x (hsfindv3: A; hsptinfv2: B/Data)");
	EXPECT_EQ(EnglishPart("ward / room"), "ward / room"); /* an ASCII first part is not Japanese */
	EXPECT_EQ(EnglishPart("no separator"), "no separator");
}

TEST(Registry, BrokenDeclarationsAreLoudErrors)
{
	/* a column whose source the scan never calls would read NULL forever */
	ResourceDef r = Copy("wards");
	r.columns.push_back(Col("bed_total", ColumnType::Integer, In({Source::RoomConfig}, "Bed_Total"), ""));
	EXPECT_NE(Rejection(r).find("bed_total comes from hsconfwardv2, which no scan"), std::string::npos) << Rejection(r);

	r = Copy("wards");
	r.columns.push_back(Col("nothing", ColumnType::Text, {}, ""));
	EXPECT_NE(Rejection(r).find("nothing has no source"), std::string::npos);

	/* neither a list nor hooks: once a fall-through to another planner */
	r = Copy("departments");
	r.read.list = ListSpec{};
	EXPECT_NE(Rejection(r).find("by a list or by both"), std::string::npos);
	r = Copy("patients");
	r.read.execute = nullptr;
	EXPECT_NE(Rejection(r).find("by a list or by both"), std::string::npos);

	/* a key condition on a column the resource lacks, or feeding an API it never calls */
	r = Copy("admissions");
	KeyCondition k;
	k.tag = 99;
	k.column = "ward_code";
	k.ops = {QualOp::Eq};
	k.api = Api::InpatientFind;
	r.read.keys.push_back(k);
	EXPECT_NE(Rejection(r).find("names no column"), std::string::npos);
	r.read.keys.back().column = "ward_number";
	r.read.keys.back().api = Api::DepartmentList;
	EXPECT_NE(Rejection(r).find("feeds no API"), std::string::npos);

	/* reading through a registration API */
	r = Copy("departments");
	r.read.list.api = Api::PatientMod;
	EXPECT_NE(Rejection(r).find("read APIs"), std::string::npos);

	/* a batched join hands its keys over as key IN (...): no join key, or one without IN, cannot */
	r = Copy("wards");
	r.read.join_batch = 100;
	EXPECT_NE(Rejection(r).find("batched join needs a join key that takes IN"), std::string::npos) << Rejection(r);
	r = Copy("patients");
	EXPECT_EQ(Rejection(r), "accepted");
	for (KeyCondition &key : r.read.keys)
		if (key.join_key)
			key.ops = {QualOp::Eq};
	EXPECT_NE(Rejection(r).find("batched join needs a join key that takes IN"), std::string::npos) << Rejection(r);
}

class NeverCancel final : public CancelToken {
public:
	bool Cancelled() const noexcept override { return false; }
};

/* A new read resource is a declaration: this one, declared here and
 * nowhere else, is checked, planned, explained and read like the
 * registered ones (a list of the doctors of ORCA's system01lstv2 02, with
 * two columns), with no code of its own. */
TEST(Registry, ADeclarationAloneIsAResource)
{
	ResourceDef r;
	r.name = "physicians";
	r.columns = {Col("code", ColumnType::Text, In({Source::DoctorList}, "Code"), "doctor code"),
	             Col("kana", ColumnType::Text, In({Source::DoctorList}, "WholeName_inKana"), "name in kana")};
	r.read.list.api = Api::DoctorList;
	ASSERT_NO_THROW(CheckDeclaration(r));

	std::vector<std::string> bodies;
	test::TestHttpServer server([&](const test::TestRequest &req) {
		bodies.push_back(req.path + " " + req.body);
		return test::TestResponse::Ok(
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xmlio2><physicianres type=\"record\">"
		    "<Api_Result type=\"string\">00</Api_Result><Physician_Information type=\"array\">"
		    "<Physician_Information_child type=\"record\"><Code type=\"string\">10001</Code>"
		    "<WholeName_inKana type=\"string\">イシ　イチロウ</WholeName_inKana></Physician_Information_child>"
		    "<Physician_Information_child type=\"record\"><Code type=\"string\">10002</Code>"
		    "</Physician_Information_child></Physician_Information></physicianres></xmlio2>");
	});
	ScanSpec spec;
	spec.resource = &r;
	spec.needed_columns = {1, 0};
	EXPECT_EQ(PlanScan(spec).explain,
	          std::vector<std::string>{"POST /api01rv2/system01lstv2 — Request_Number 02"});
	ServerConfig cfg;
	cfg.base_url = server.Url();
	cfg.retries = 0;
	cfg.breaker_failures = 0;
	ScanSession session(std::make_shared<HttpClient>(cfg), spec);
	std::vector<std::string> rows;
	NeverCancel never;
	while (session.Next(never)) {
		const RowValue *v = session.Values();
		rows.push_back(std::string(v[1].data, v[1].len) + "|" + (v[0].isnull ? "∅" : std::string(v[0].data, v[0].len)));
	}
	EXPECT_EQ(rows, (std::vector<std::string>{"10001|イシ　イチロウ", "10002|∅"}));
	ASSERT_EQ(bodies.size(), 1u);
	EXPECT_EQ(bodies[0], "/api01rv2/system01lstv2 <data><system01_managereq type=\"record\"><Request_Number "
	                     "type=\"string\">02</Request_Number></system01_managereq></data>");
	EXPECT_EQ(session.StatsText(), "1 (system01lstv2 1)");
}

/* The write slots are the registration builders. */
TEST(Registry, WriteSlotsBuildTheRegistrations)
{
	const ResourceDef &r = *FindResource("patients");
	ASSERT_EQ(r.write.api, Api::PatientMod);
	ASSERT_TRUE(r.write.insert && r.write.update && r.write.remove);
	RowImage row(r.columns.size());
	for (ColumnValue &v : row)
		v.present = true;
	for (auto [column, text] : {std::pair<const char *, const char *>{"whole_name", "試験　太郎"},
	                            {"whole_name_in_kana", "シケン　タロウ"},
	                            {"birth_date", "1980-01-02"},
	                            {"sex", "1"}}) {
		row[r.FindColumn(column)].isnull = false;
		row[r.FindColumn(column)].text = text;
	}
	WriteInput in;
	in.newrow = &row;
	in.today = "2026-11-25";
	in.table = "patients";
	Registration reg;
	ASSERT_TRUE(r.write.insert(r, in, &reg));
	Registration direct = BuildPatientInsert(r, row, "2026-11-25", "patients");
	EXPECT_EQ(reg.kind, RegKind::RegisterPatient);
	EXPECT_EQ(NodeToJson(reg.record), NodeToJson(direct.record));
	std::map<std::string, std::string> writes;
	for (const ResourceDef &res : Resources())
		if (res.write.api != Api::Count_)
			writes[res.name] = ApiName(res.write.api);
	EXPECT_EQ(writes, (std::map<std::string, std::string>{
	                      {"patients", "patientmodv2"}, {"admissions", "hsptinfmodv2"}, {"meals", "hsacctmodv2"}}));
	for (const ResourceDef &res : Resources())
		if (res.write.api == Api::Count_) {
			EXPECT_FALSE(res.write.insert || res.write.update || res.write.remove) << res.name << " is read-only";
		}
}

/* ------------------------------------------------------------ the README */

std::string
ReadFile(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

std::vector<std::string>
Cells(const std::string &line)
{
	std::vector<std::string> out;
	std::string cell;
	for (size_t i = 1; i < line.size(); i++) {
		if (line[i] == '|') {
			size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
			out.push_back(b == std::string::npos ? std::string() : cell.substr(b, e - b + 1));
			cell.clear();
		} else
			cell += line[i];
	}
	return out;
}

/* A cell's columns: `a`, `b`; `allergy1`/`2` is allergy1 and allergy2;
 * `name1`–`name3` and `department_code1`–`3` are ranges; `doctor` (jsonb)
 * gives the column's type. */
struct Named {
	std::string column, type;
};
std::vector<Named>
ColumnsOf(const std::string &cell)
{
	std::vector<Named> out;
	const std::regex token("`([a-z0-9_]+)`( \\(([a-z]+)\\))?");
	std::string prev_sep;
	size_t last_end = 0;
	for (std::sregex_iterator m(cell.begin(), cell.end(), token), end; m != end; ++m) {
		std::string sep = cell.substr(last_end, m->position() - last_end);
		last_end = m->position() + m->length();
		std::string name = (*m)[1];
		bool digits = std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
		if (!out.empty() && (sep == "/" || sep == "–")) {
			std::string base = out.back().column;
			std::string stem = base.substr(0, base.find_last_not_of("0123456789") + 1);
			int from = std::stoi(base.substr(stem.size()));
			int to = std::stoi(digits ? name : name.substr(stem.size()));
			for (int i = from + 1; i <= to; i++)
				out.push_back({stem + std::to_string(i), (*m)[3]});
			continue;
		}
		out.push_back({name, (*m)[3]});
	}
	return out;
}

const char *
TypeName(ColumnType t)
{
	switch (t) {
	case ColumnType::Text: return "text";
	case ColumnType::Date: return "date";
	case ColumnType::Time: return "time";
	case ColumnType::Integer: return "integer";
	case ColumnType::Jsonb: return "jsonb";
	}
	return "?";
}

std::set<std::string>
ApiNames(unsigned sources)
{
	std::set<std::string> out;
	for (int a = 0; a < kApiCount; a++)
		if (sources & ApiBit(static_cast<Api>(a)))
			out.insert(ApiName(static_cast<Api>(a)));
	return out;
}

std::set<std::string>
List(const std::string &cell)
{
	std::set<std::string> out;
	std::stringstream s(cell);
	std::string item;
	while (std::getline(s, item, ',')) {
		size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
		if (b != std::string::npos)
			out.insert(item.substr(b, e - b + 1));
	}
	return out;
}

/* The "## Tables" section: one "### <resource> ..." table per resource with
 * columns column/type/from/meaning, and "### Reference tables" with a row
 * per list resource (table, from, columns). */
TEST(Readme, TablesMatchTheDeclarations)
{
	const std::string readme = ReadFile(std::string(ORCA_SOURCE_DIR) + "/README.md");
	size_t begin = readme.find("\n## Tables\n");
	ASSERT_NE(begin, std::string::npos);
	size_t end = readme.find("\n## ", begin + 5);
	std::stringstream section(readme.substr(begin, end - begin));

	std::set<std::string> documented;
	std::string line, heading;
	std::vector<std::string> header;
	std::map<std::string, std::set<std::string>> columns_of; /* README's columns per resource */
	while (std::getline(section, line)) {
		if (line.rfind("### ", 0) == 0) {
			heading = line.substr(4, line.find_first_of(" —", 4) - 4);
			header.clear();
			continue;
		}
		if (line.rfind("|", 0) != 0 || line.rfind("|---", 0) == 0)
			continue;
		std::vector<std::string> cells = Cells(line);
		if (header.empty()) {
			header = cells;
			continue;
		}
		auto at = [&](const char *name) -> std::string {
			auto it = std::find(header.begin(), header.end(), name);
			return it == header.end() ? std::string("(none)") : cells[it - header.begin()];
		};
		if (heading == "Reference") {
			std::string table = at("table");
			table = table.substr(1, table.size() - 2);
			const ResourceDef *r = FindResource(table);
			ASSERT_NE(r, nullptr) << "README documents a table that is not a resource: " << table;
			documented.insert(table);
			const ListSpec &list = r->read.list;
			ASSERT_NE(list.api, Api::Count_) << table << " is a list resource";
			const Endpoint &e = EndpointOf(list.api);
			std::string from = at("from");
			EXPECT_EQ(from.rfind(e.name + " (" + e.request_number + ")", 0), 0u) << table << ": " << from;
			EXPECT_EQ(from.find("one call per") != std::string::npos, list.parent != Api::Count_) << table;
			for (const Named &n : ColumnsOf(at("columns"))) {
				columns_of[table].insert(n.column);
				int c = r->FindColumn(n.column);
				ASSERT_GE(c, 0) << table << "." << n.column << " is in the README, not in the declaration";
				if (!n.type.empty()) {
					EXPECT_EQ(TypeName(r->columns[c].type), n.type) << table << "." << n.column;
				}
			}
			continue;
		}
		const ResourceDef *r = FindResource(heading);
		ASSERT_NE(r, nullptr) << "README section \"" << heading << "\" is not a resource";
		documented.insert(r->name);
		unsigned all = 0;
		for (const ColumnDef &c : r->columns)
			all |= c.Sources();
		const std::string type = at("type"), from = at("from");
		for (const Named &n : ColumnsOf(at("column"))) {
			columns_of[r->name].insert(n.column);
			int c = r->FindColumn(n.column);
			ASSERT_GE(c, 0) << r->name << "." << n.column << " is in the README, not in the declaration";
			const ColumnDef &col = r->columns[c];
			std::set<std::string> types = n.type.empty() ? List(std::regex_replace(type, std::regex("/"), ","))
			                                             : std::set<std::string>{n.type};
			EXPECT_TRUE(types.count(TypeName(col.type))) << r->name << "." << col.name << " is " << TypeName(col.type)
			                                             << ", the README says " << type;
			if (from == "(none)")
				continue; /* one source for every column */
			EXPECT_EQ(from == "all" ? ApiNames(all) : List(from), ApiNames(col.Sources()))
			    << r->name << "." << col.name << ": the README's \"from\" is " << from;
		}
	}
	for (const ResourceDef &r : Resources()) {
		EXPECT_TRUE(documented.count(r.name)) << "README's Tables do not document " << r.name;
		std::set<std::string> declared;
		for (const ColumnDef &c : r.columns)
			declared.insert(c.name);
		EXPECT_EQ(columns_of[r.name], declared) << r.name << ": the README's columns differ from the declaration";
	}
}

TEST(Readme, TheParserReadsTheShorthands)
{
	auto names = [](const std::string &cell) {
		std::vector<std::string> out;
		for (const Named &n : ColumnsOf(cell))
			out.push_back(n.column + (n.type.empty() ? "" : ":" + n.type));
		return out;
	};
	EXPECT_EQ(names("`allergy1`/`2`, `death_flag`"), (std::vector<std::string>{"allergy1", "allergy2", "death_flag"}));
	EXPECT_EQ(names("`name1`–`name3`, `receipt_code`"),
	          (std::vector<std::string>{"name1", "name2", "name3", "receipt_code"}));
	EXPECT_EQ(names("`department_code1`–`3`"),
	          (std::vector<std::string>{"department_code1", "department_code2", "department_code3"}));
	EXPECT_EQ(names("`doctor` (jsonb), `room_charge` (integer), `meal_type`"),
	          (std::vector<std::string>{"doctor:jsonb", "room_charge:integer", "meal_type"}));
}

} // namespace
} // namespace orca_fdw::core
