/*
 * catalog.cpp — the declaration types' helpers (see catalog.hpp); the
 * declarations themselves are in core/resources/.
 */
#include "core/catalog.hpp"

#include "core/error.hpp"

#include <cctype>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

ColumnDef
Col(std::string name, ColumnType type, std::vector<SourcePath_> paths, std::string comment)
{
	return ColumnDef{std::move(name), type, std::move(paths), std::move(comment)};
}

std::vector<SourcePath_>
In(std::initializer_list<Source> sources, const std::string &path)
{
	std::vector<SourcePath_> out;
	for (Source s : sources)
		out.push_back(SourcePath_{s, path});
	return out;
}

const std::string *
ColumnDef::PathIn(Source s) const
{
	for (const auto &p : paths)
		if (p.source == s)
			return &p.path;
	return nullptr;
}

unsigned
ColumnDef::Sources() const
{
	unsigned bits = 0;
	for (const auto &p : paths)
		bits |= SourceBit(p.source);
	return bits;
}

int
ResourceDef::FindColumn(std::string_view column_name) const
{
	for (size_t i = 0; i < columns.size(); i++)
		if (columns[i].name == column_name)
			return static_cast<int>(i);
	return -1;
}

int
ResourceDef::FindField(std::string_view field) const
{
	for (size_t i = 0; i < columns.size(); i++)
		for (const auto &p : columns[i].paths) {
			std::string_view path = p.path;
			size_t slash = path.rfind('/');
			std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
			if (path == field || last == field)
				return static_cast<int>(i);
		}
	return -1;
}

const KeyCondition *
ResourceDef::JoinKey() const noexcept
{
	for (const KeyCondition &k : read.keys)
		if (k.join_key)
			return &k;
	return nullptr;
}

const KeyCondition &
ResourceDef::KeyOf(int tag) const
{
	for (const KeyCondition &k : read.keys)
		if (k.tag == tag)
			return k;
	throw Error(ErrorKind::Internal, "ORCA resource \"" + name + "\" declares no key condition " + std::to_string(tag),
	            "Its planning hook asks for a key condition its declaration lacks.");
}

const HydrateGroup &
ResourceDef::HydrateOf(Api api) const
{
	for (const HydrateGroup &h : read.hydrate)
		if (h.api == api)
			return h;
	throw Error(ErrorKind::Internal, "ORCA resource \"" + name + "\" declares no hydrate group for " + ApiName(api),
	            "Its planning hook asks for a hydrate group its declaration lacks.");
}

unsigned
ResourceDef::Calls() const
{
	if (read.list.api == Api::Count_)
		return read.calls;
	return ApiBit(read.list.api) | (read.list.parent == Api::Count_ ? 0u : ApiBit(read.list.parent));
}

std::string
SnakeCase(std::string_view element)
{
	std::string out;
	for (size_t i = 0; i < element.size(); i++) {
		unsigned char c = static_cast<unsigned char>(element[i]);
		if (std::isupper(c)) {
			unsigned char prev = i > 0 ? static_cast<unsigned char>(element[i - 1]) : 0;
			if (i > 0 && (std::islower(prev) || std::isdigit(prev)) && !out.empty() && out.back() != '_')
				out += '_';
			out += static_cast<char>(std::tolower(c));
		} else if (c == '_') {
			if (!out.empty() && out.back() != '_')
				out += '_';
		} else
			out += static_cast<char>(c);
	}
	return out;
}

} // namespace orca_fdw::core
