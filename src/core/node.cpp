/*
 * node.cpp — lookups on the decoded value tree and its JSON serialisation
 * (records → objects, arrays → arrays, leaves → strings) for jsonb columns.
 */
#include "core/node.hpp"

#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

} // namespace

/* Appends s as a JSON string literal.  Quotes, backslashes and control
 * characters are escaped; every other byte (UTF-8 included) passes through. */
void
AppendJsonString(std::string &out, std::string_view s)
{
	out.push_back('"');
	size_t run = 0;
	for (size_t i = 0; i < s.size(); ++i) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		out.append(s.data() + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			out.append("\\\"");
			break;
		case '\\':
			out.append("\\\\");
			break;
		case '\b':
			out.append("\\b");
			break;
		case '\f':
			out.append("\\f");
			break;
		case '\n':
			out.append("\\n");
			break;
		case '\r':
			out.append("\\r");
			break;
		case '\t':
			out.append("\\t");
			break;
		default:
			out.append("\\u00");
			out.push_back(kHexDigits[c >> 4]);
			out.push_back(kHexDigits[c & 0xF]);
			break;
		}
	}
	out.append(s.data() + run, s.size() - run);
	out.push_back('"');
}

namespace {

void
AppendJson(std::string &out, const Node &node)
{
	switch (node.type) {
	case Node::Type::String:
		AppendJsonString(out, node.value);
		break;
	case Node::Type::Record: {
		out.push_back('{');
		bool first = true;
		for (const auto &[name, child] : node.children) {
			if (!first)
				out.push_back(',');
			first = false;
			AppendJsonString(out, name);
			out.push_back(':');
			AppendJson(out, child);
		}
		out.push_back('}');
		break;
	}
	case Node::Type::Array: {
		out.push_back('[');
		bool first = true;
		for (const auto &item : node.children) {
			if (!first)
				out.push_back(',');
			first = false;
			AppendJson(out, item.second);
		}
		out.push_back(']');
		break;
	}
	}
}

} // namespace

const Node *
Node::Find(std::string_view name) const
{
	if (type != Type::Record)
		return nullptr;
	for (const auto &child : children)
		if (child.first == name)
			return &child.second;
	return nullptr;
}

const Node *
Node::FindPath(std::string_view path) const
{
	const Node *node = this;
	if (path.empty())
		return node;
	size_t start = 0;
	for (;;) {
		size_t slash = path.find('/', start);
		std::string_view component =
			path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
		if (component.empty())
			return nullptr;
		node = node->Find(component);
		if (node == nullptr || slash == std::string_view::npos)
			return node;
		start = slash + 1;
	}
}

const std::string *
Node::StringAt(std::string_view path) const
{
	const Node *node = FindPath(path);
	if (node == nullptr || node->type != Type::String)
		return nullptr;
	return &node->value;
}

std::string
NodeToJson(const Node &node)
{
	std::string out;
	out.reserve(64);
	AppendJson(out, node);
	return out;
}

} // namespace orca_fdw::core
