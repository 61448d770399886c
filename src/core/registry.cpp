/*
 * registry.cpp — the resources and the rules their declarations follow
 * (see registry.hpp).
 */
#include "core/registry.hpp"

#include "core/error.hpp"
#include "core/resources/resource.hpp"

#include <algorithm>
#include <set>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

[[noreturn]] void
Invalid(const ResourceDef &r, const std::string &rule)
{
	throw Error(ErrorKind::Internal, "declaration of ORCA resource \"" + r.name + "\" is invalid", rule + ".");
}

bool
IsRead(Api api)
{
	return api != Api::Count_ && !EndpointOf(api).registration;
}

std::vector<ResourceDef>
BuildResources()
{
	std::vector<ResourceDef> all;
#define ORCA_RESOURCE(name) all.push_back(resources::name());
#include "core/resources/all.hpp"
#undef ORCA_RESOURCE
	std::set<std::string> names;
	for (ResourceDef &r : all) {
		CheckDeclaration(r);
		if (!names.insert(r.name).second)
			Invalid(r, "Another resource has the same name");
	}
	return all;
}

} // namespace

void
CheckDeclaration(ResourceDef &r)
{
	if (r.name.empty() || r.columns.empty())
		Invalid(r, "A resource has a name and columns");
	const ReadSpec &read = r.read;
	const bool list = read.list.api != Api::Count_;
	if (list && (read.plan || read.execute))
		Invalid(r, "A list resource has no hooks");
	if (!list && (!read.plan || !read.execute))
		Invalid(r, "A resource is read by a list or by both a planning and an execution hook");
	if (list && (!IsRead(read.list.api) || (read.list.parent != Api::Count_ && !IsRead(read.list.parent))))
		Invalid(r, "A list reads read APIs");
	if (list && read.list.parent != Api::Count_ && (read.list.parent_value.empty() || read.list.parameter.empty()))
		Invalid(r, "A list with a parent names the parent's value and the parameter it feeds");
	const unsigned calls = r.Calls();
	for (int a = 0; a < kApiCount; a++)
		if ((calls & ApiBit(static_cast<Api>(a))) && !IsRead(static_cast<Api>(a)))
			Invalid(r, std::string("A scan calls read APIs, not ") + ApiName(static_cast<Api>(a)));

	std::set<std::string> columns;
	for (const ColumnDef &c : r.columns) {
		if (!columns.insert(c.name).second)
			Invalid(r, "Column " + c.name + " is declared twice");
		if (c.paths.empty())
			Invalid(r, "Column " + c.name + " has no source");
		for (const SourcePath_ &p : c.paths) {
			if (p.path.empty())
				Invalid(r, "Column " + c.name + " has an empty path");
			if (!(calls & SourceBit(p.source)))
				Invalid(r, "Column " + c.name + " comes from " + ApiName(p.source) +
				               ", which no scan of the resource calls");
		}
	}

	int join_keys = 0;
	std::set<int> tags;
	for (KeyCondition &k : r.read.keys) {
		k.column_index = r.FindColumn(k.column);
		if (k.column_index < 0)
			Invalid(r, "Key condition " + std::to_string(k.tag) + " names no column of the resource (" + k.column + ")");
		if (k.ops.empty())
			Invalid(r, "Key condition on " + k.column + " has no operator");
		if (!IsRead(k.api) || !(calls & ApiBit(k.api)))
			Invalid(r, "Key condition on " + k.column + " feeds no API the scan calls");
		if (!tags.insert(k.tag).second)
			Invalid(r, "Two key conditions share tag " + std::to_string(k.tag));
		if (k.join_key) {
			join_keys++;
			if (std::find(k.ops.begin(), k.ops.end(), QualOp::Eq) == k.ops.end())
				Invalid(r, "The join key on " + k.column + " takes equality");
		}
		if (k.required && r.read.missing.message.empty())
			Invalid(r, "Required key conditions come with the error text for a query without one");
	}
	if (join_keys > 1)
		Invalid(r, "A resource has at most one join key");
	/* a batched join hands its keys to the scan as join_key IN (...) */
	const KeyCondition *join_key = r.JoinKey();
	bool join_key_takes_in = join_key && std::find(join_key->ops.begin(), join_key->ops.end(), QualOp::In) !=
	                                         join_key->ops.end();
	if (r.read.join_batch < 0 || (r.read.join_batch > 0 && !join_key_takes_in))
		Invalid(r, "A batched join needs a join key that takes IN");
	for (const HydrateGroup &h : r.read.hydrate)
		if (!IsRead(h.api) || !(calls & ApiBit(h.api)) || h.batch < 1)
			Invalid(r, "A hydrate group calls an API of the scan, at least one row a call");
	const WriteSpec &w = r.write;
	if (w.api != Api::Count_ && !EndpointOf(w.api).registration)
		Invalid(r, "A resource registers through a registration API");
	if ((w.insert || w.update || w.remove || w.merges_rows) != (w.api != Api::Count_))
		Invalid(r, "A resource with a registration API builds at least one statement with it, and only then");
}

const std::vector<ResourceDef> &
Resources()
{
	static const std::vector<ResourceDef> resources = BuildResources();
	return resources;
}

const ResourceDef *
FindResource(std::string_view name)
{
	for (const auto &r : Resources())
		if (r.name == name)
			return &r;
	return nullptr;
}

std::string
ResourceNames()
{
	std::string out;
	for (const auto &r : Resources()) {
		if (!out.empty())
			out += ", ";
		out += r.name;
	}
	return out;
}

} // namespace orca_fdw::core
