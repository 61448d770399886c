// response_writer.cpp — see response_writer.hpp.
#include "response_writer.hpp"

#include "util.hpp"

namespace orca_sim {

namespace {

void
Indent(int depth, std::string& out)
{
	out.append(static_cast<size_t>(depth) * 2, ' ');
}

const char*
TypeName(const Node& node)
{
	switch (node.GetKind()) {
	case Node::Kind::kString:
		return "string";
	case Node::Kind::kRecord:
		return "record";
	case Node::Kind::kArray:
		return "array";
	}
	return "string";
}

void
WriteXmlElement(std::string_view name, const Node& node, int depth, std::string& out)
{
	if (node.IsBlank())
		return;
	Indent(depth, out);
	out += '<';
	out += name;
	out += " type=\"";
	out += TypeName(node);
	out += "\">";
	if (node.IsString()) {
		AppendXmlEscaped(out, node.Value());
	} else {
		out += '\n';
		const std::string_view child_name =
		    node.IsArray() ? InternName(std::string(name) + "_child") : std::string_view();
		for (const auto& child : node.Children())
			WriteXmlElement(node.IsArray() ? child_name : child->Name(), *child, depth + 1, out);
		Indent(depth, out);
	}
	out += "</";
	out += name;
	out += ">\n";
}

void WriteJsonValue(const Node& node, bool pad_arrays, std::string& out);

void
WriteJsonObject(const Node& node, bool pad_arrays, std::string& out)
{
	out += '{';
	bool first = true;
	for (const auto& child : node.Children()) {
		if (child->IsBlank() && !(pad_arrays && child->IsArray() && child->MaxItems() > 0))
			continue;
		if (!first)
			out += ',';
		first = false;
		out += '"';
		AppendJsonEscaped(out, child->Name());
		out += "\":";
		WriteJsonValue(*child, pad_arrays, out);
	}
	out += '}';
}

void
WriteJsonValue(const Node& node, bool pad_arrays, std::string& out)
{
	switch (node.GetKind()) {
	case Node::Kind::kString:
		out += '"';
		AppendJsonEscaped(out, node.Value());
		out += '"';
		return;
	case Node::Kind::kRecord:
		WriteJsonObject(node, pad_arrays, out);
		return;
	case Node::Kind::kArray: {
		out += '[';
		int written = 0;
		for (const auto& item : node.Children()) {
			if (item->IsBlank())
				continue;
			if (written > 0)
				out += ',';
			WriteJsonValue(*item, pad_arrays, out);
			written++;
		}
		if (pad_arrays) {
			for (; written < node.MaxItems(); written++)
				out += written > 0 ? ",{}" : "{}";
		}
		out += ']';
		return;
	}
	}
}

} // namespace

void
WriteXml2(const std::string& root_name, const Node& record, std::string& out)
{
	out.reserve(out.size() + 16 * 1024);
	out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xmlio2>\n";
	Indent(1, out);
	out += '<';
	out += root_name;
	out += " type=\"record\">\n";
	for (const auto& child : record.Children())
		WriteXmlElement(child->Name(), *child, 2, out);
	Indent(1, out);
	out += "</";
	out += root_name;
	out += ">\n</xmlio2>\n";
}

void
WriteJsonNode(const Node& node, std::string& out)
{
	WriteJsonValue(node, false, out);
}

void
WriteJson(const std::string& root_name, const Node& record, bool pad_arrays, std::string& out)
{
	out.reserve(out.size() + 16 * 1024);
	out += "{\"";
	AppendJsonEscaped(out, root_name);
	out += "\":";
	WriteJsonObject(record, pad_arrays, out);
	out += "}\n";
}

} // namespace orca_sim
