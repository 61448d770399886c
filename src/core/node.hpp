/*
 * node.hpp — a small value tree for one decoded ORCA record.
 *
 * ORCA's xml2 and JSON bodies are trees of records, arrays and string leaves
 * (every leaf value is a string on the wire).  The decoder hands each row of
 * a response to the caller as one Node tree and forgets it, so memory stays
 * proportional to one row, not to the body.
 */
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orca_fdw::core {

struct Node {
	enum class Type : unsigned char { String, Record, Array };

	Type type = Type::String;
	std::string value; /* String only */
	/* Record: (element name, child) in document order.
	 * Array: ("", item) per item; `_child` names are not kept. */
	std::vector<std::pair<std::string, Node>> children;

	static Node MakeString(std::string v)
	{
		Node n;
		n.value = std::move(v);
		return n;
	}
	static Node MakeRecord()
	{
		Node n;
		n.type = Type::Record;
		return n;
	}
	static Node MakeArray()
	{
		Node n;
		n.type = Type::Array;
		return n;
	}

	/* First child of a record with this element name, or nullptr. */
	const Node *Find(std::string_view name) const;
	/* Follow a '/'-separated path of record children ("Home_Address_Information/WholeAddress1"). */
	const Node *FindPath(std::string_view path) const;
	/* The string value at path, or nullptr when absent or not a string. */
	const std::string *StringAt(std::string_view path) const;
	/* True for a record or array without children (JSON `{}` padding). */
	bool Empty() const { return type != Type::String && children.empty(); }
};

/* Serialise as JSON text (records → objects, arrays → arrays, leaves → strings),
 * for jsonb columns.  Keys keep ORCA's element names. */
std::string NodeToJson(const Node &node);
/* Append `s` as a JSON string literal (quotes, backslashes and control characters escaped). */
void AppendJsonString(std::string &out, std::string_view s);

} // namespace orca_fdw::core
