/*
 * import_comments.cpp — the COMMENT ON texts of IMPORT FOREIGN SCHEMA
 * (import_comments.hpp).
 */
#include "core/import_comments.hpp"

#include <vector>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

std::string
EnglishPart(const std::string &comment)
{
	/* "患者番号 / patient number": the part before " / " holds a non-ASCII byte */
	size_t sep = comment.find(" / ");
	if (sep == std::string::npos)
		return comment;
	for (size_t i = 0; i < sep; i++)
		if (static_cast<unsigned char>(comment[i]) >= 0x80)
			return comment.substr(sep + 3);
	return comment;
}

std::string
TableComment(const ResourceDef &r, bool japanese)
{
	std::string out = japanese ? r.comment : EnglishPart(r.comment);
	std::string apis;
	for (int a = 0; a < kApiCount; a++) {
		Api api = static_cast<Api>(a);
		if (!(r.Calls() & ApiBit(api)))
			continue;
		std::string name = ApiName(api);
		if (apis.find(name) != std::string::npos) /* hsconfwardv2 holds wards and rooms */
			continue;
		apis += (apis.empty() ? "" : ", ") + name;
	}
	if (!apis.empty())
		out += " (ORCA API " + apis + ")";
	return out;
}

std::string
ColumnComment(const ColumnDef &c, bool japanese)
{
	std::string out = japanese ? c.comment : EnglishPart(c.comment);
	/* the sources, grouped by element path, in declaration order:
	 * "(hsfindv3: Patient_ID; hsptinfv2: Patient_Information/Patient_ID)" */
	std::vector<std::pair<std::string, std::string>> groups; /* path, APIs */
	for (const SourcePath_ &p : c.paths) {
		std::string name = ApiName(p.source);
		bool found = false;
		for (auto &g : groups) {
			if (g.first != p.path)
				continue;
			found = true;
			if (g.second.find(name) == std::string::npos)
				g.second += ", " + name;
		}
		if (!found)
			groups.emplace_back(p.path, name);
	}
	std::string sources;
	for (const auto &g : groups)
		sources += (sources.empty() ? "" : "; ") + g.second + (g.first.empty() ? "" : ": " + g.first);
	if (!sources.empty())
		out += " (" + sources + ")";
	return out;
}

} // namespace orca_fdw::core
