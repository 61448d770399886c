// node.cpp — see node.hpp.
#include "node.hpp"

#include <mutex>
#include <set>
#include <unordered_map>

#include "util.hpp"

namespace orca_sim {

std::string_view
InternName(std::string_view name)
{
	// A per-thread cache in front of one shared, mutex-protected set whose
	// node-based storage keeps every interned string at a stable address.
	thread_local std::unordered_map<std::string_view, std::string_view> cache;
	const auto cached = cache.find(name);
	if (cached != cache.end())
		return cached->second;
	static std::mutex mutex;
	static std::set<std::string, std::less<>> names;
	std::string_view stable;
	{
		std::lock_guard<std::mutex> lock(mutex);
		stable = *names.emplace(name).first;
	}
	cache.emplace(stable, stable);
	return stable;
}

Node
Node::MakeString(std::string value)
{
	Node node;
	node.kind_ = Kind::kString;
	node.value_ = std::move(value);
	return node;
}

Node
Node::MakeRecord()
{
	return Node();
}

Node
Node::MakeArray(int max_items)
{
	Node node;
	node.kind_ = Kind::kArray;
	node.max_items_ = max_items;
	return node;
}

Node&
Node::Add(std::string_view name, std::string value)
{
	auto child = std::make_unique<Node>(MakeString(std::move(value)));
	child->name_ = InternName(name);
	children_.push_back(std::move(child));
	return *children_.back();
}

Node&
Node::AddRecord(std::string_view name)
{
	auto child = std::make_unique<Node>();
	child->name_ = InternName(name);
	children_.push_back(std::move(child));
	return *children_.back();
}

Node&
Node::AddArray(std::string_view name, int max_items)
{
	auto child = std::make_unique<Node>(MakeArray(max_items));
	child->name_ = InternName(name);
	children_.push_back(std::move(child));
	return *children_.back();
}

Node&
Node::AddTriple(std::string_view name, std::string_view label, std::string data, std::string display_name)
{
	Node& triple = AddRecord(name);
	triple.Add("Label", std::string(label));
	triple.Add("Data", std::move(data));
	triple.Add("Name", std::move(display_name));
	return triple;
}

void
Node::AddChild(std::string_view name, Node child)
{
	auto owned = std::make_unique<Node>(std::move(child));
	owned->name_ = InternName(name);
	children_.push_back(std::move(owned));
}

Node&
Node::AppendRecord()
{
	children_.push_back(std::make_unique<Node>());
	return *children_.back();
}

void
Node::AppendString(std::string value)
{
	children_.push_back(std::make_unique<Node>(MakeString(std::move(value))));
}

void
Node::AppendNode(Node child)
{
	children_.push_back(std::make_unique<Node>(std::move(child)));
}

const Node*
Node::Find(std::string_view name) const
{
	for (const auto& child : children_)
		if (child->name_ == name)
			return child.get();
	return nullptr;
}

std::string
Node::Get(std::string_view name) const
{
	const Node* child = Find(name);
	if (child == nullptr || !child->IsString())
		return std::string();
	return std::string(TrimAscii(child->value_));
}

std::string
Node::GetRaw(std::string_view name) const
{
	const Node* child = Find(name);
	if (child == nullptr || !child->IsString())
		return std::string();
	return child->value_;
}

bool
Node::IsBlank() const
{
	if (kind_ == Kind::kString)
		return value_.empty();
	for (const auto& child : children_)
		if (!child->IsBlank())
			return false;
	return true;
}

} // namespace orca_sim
