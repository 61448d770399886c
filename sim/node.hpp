// node.hpp — the generic ORCA record tree. Requests (xml2 or JSON) are parsed
// into it and responses are built in it before being written as xml2 or JSON.
// A node is a string leaf, a record (ordered named children) or an array
// (unnamed items). Children are heap allocated, so references returned by
// the Add* functions stay valid while more children are added.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orca_sim {

// Returns a view of a process-lifetime copy of `name`. Element names repeat
// endlessly (a few hundred distinct ones), so nodes keep interned views
// instead of allocating a string per node.
std::string_view InternName(std::string_view name);

class Node {
public:
	enum class Kind { kString, kRecord, kArray };

	Node() : kind_(Kind::kRecord) {}
	static Node MakeString(std::string value);
	static Node MakeRecord();
	static Node MakeArray(int max_items);

	Node(Node&&) = default;
	Node& operator=(Node&&) = default;
	Node(const Node&) = delete;
	Node& operator=(const Node&) = delete;

	Kind GetKind() const { return kind_; }
	bool IsString() const { return kind_ == Kind::kString; }
	bool IsRecord() const { return kind_ == Kind::kRecord; }
	bool IsArray() const { return kind_ == Kind::kArray; }
	std::string_view Name() const { return name_; }
	const std::string& Value() const { return value_; }
	int MaxItems() const { return max_items_; }

	// --- building (records) ---
	// Adds a string leaf. Empty values are kept in the tree but never written.
	Node& Add(std::string_view name, std::string value);
	Node& AddRecord(std::string_view name);
	Node& AddArray(std::string_view name, int max_items);
	// A Label/Data/Name triple record, the coded-value idiom of the inpatient APIs.
	Node& AddTriple(std::string_view name, std::string_view label, std::string data, std::string display_name);
	void AddChild(std::string_view name, Node child);

	// --- building (arrays) ---
	Node& AppendRecord();
	void AppendString(std::string value);
	void AppendNode(Node child);

	// --- reading ---
	const std::vector<std::unique_ptr<Node>>& Children() const { return children_; }
	const Node* Find(std::string_view name) const;
	// The trimmed string value of a direct child leaf, or "" when absent.
	std::string Get(std::string_view name) const;
	// Like Get() but keeps surrounding blanks.
	std::string GetRaw(std::string_view name) const;
	bool Has(std::string_view name) const { return Find(name) != nullptr; }
	// True when no string leaf below this node has a non-empty value.
	bool IsBlank() const;

private:
	Kind kind_;
	int max_items_ = 0;
	std::string_view name_; // interned: see InternName()
	std::string value_;
	std::vector<std::unique_ptr<Node>> children_;
};

} // namespace orca_sim
