// request_parser.cpp — see request_parser.hpp.
#include "request_parser.hpp"

#include "json.hpp"
#include "util.hpp"

namespace orca_sim {

namespace {

constexpr int kMaxXmlDepth = 64;

bool
IsNameStart(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
	       static_cast<unsigned char>(c) >= 0x80;
}

bool
IsNameChar(char c)
{
	return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

class XmlParser {
public:
	explicit XmlParser(std::string_view input) : input_(input) {}

	bool ParseDocument(XmlElement& root, std::string& error)
	{
		if (StartsWith(input_, "\xEF\xBB\xBF"))
			pos_ = 3;
		if (!SkipMisc())
			return Report(error);
		if (pos_ >= input_.size() || input_[pos_] != '<')
			return Report(error, "no root element");
		if (!ParseElement(root, 0))
			return Report(error);
		if (!SkipMisc())
			return Report(error);
		if (pos_ != input_.size())
			return Report(error, "content after the root element");
		return true;
	}

private:
	bool Report(std::string& error, const char* message = nullptr)
	{
		if (message != nullptr && error_.empty())
			error_ = message;
		error = (error_.empty() ? std::string("malformed XML") : error_) + " at offset " + std::to_string(pos_);
		return false;
	}

	bool Fail(const char* message)
	{
		if (error_.empty())
			error_ = message;
		return false;
	}

	void SkipBlanks()
	{
		while (pos_ < input_.size() &&
		       (input_[pos_] == ' ' || input_[pos_] == '\t' || input_[pos_] == '\n' || input_[pos_] == '\r'))
			pos_++;
	}

	bool Lookahead(std::string_view token) const { return input_.substr(pos_, token.size()) == token; }

	// Skips blanks, comments and processing instructions (incl. <?xml ...?>).
	bool SkipMisc()
	{
		while (true) {
			SkipBlanks();
			if (Lookahead("<?")) {
				const size_t end = input_.find("?>", pos_ + 2);
				if (end == std::string_view::npos)
					return Fail("unterminated processing instruction");
				pos_ = end + 2;
			} else if (Lookahead("<!--")) {
				const size_t end = input_.find("-->", pos_ + 4);
				if (end == std::string_view::npos)
					return Fail("unterminated comment");
				pos_ = end + 3;
			} else if (Lookahead("<!")) {
				return Fail("DOCTYPE and other declarations are not accepted");
			} else {
				return true;
			}
		}
	}

	bool ParseName(std::string& name)
	{
		if (pos_ >= input_.size() || !IsNameStart(input_[pos_]))
			return Fail("bad name");
		const size_t start = pos_;
		while (pos_ < input_.size() && IsNameChar(input_[pos_]))
			pos_++;
		name = std::string(input_.substr(start, pos_ - start));
		return true;
	}

	bool DecodeEntity(std::string& out)
	{
		const size_t end = input_.find(';', pos_);
		if (end == std::string_view::npos || end - pos_ > 12)
			return Fail("bad entity reference");
		const std::string_view entity = input_.substr(pos_ + 1, end - pos_ - 1);
		pos_ = end + 1;
		if (entity == "lt")
			out += '<';
		else if (entity == "gt")
			out += '>';
		else if (entity == "amp")
			out += '&';
		else if (entity == "quot")
			out += '"';
		else if (entity == "apos")
			out += '\'';
		else if (entity.size() > 1 && entity[0] == '#') {
			unsigned long code = 0;
			const bool hex = entity[1] == 'x' || entity[1] == 'X';
			const std::string_view digits = entity.substr(hex ? 2 : 1);
			if (digits.empty())
				return Fail("bad character reference");
			for (char c : digits) {
				int v;
				if (c >= '0' && c <= '9')
					v = c - '0';
				else if (hex && c >= 'a' && c <= 'f')
					v = c - 'a' + 10;
				else if (hex && c >= 'A' && c <= 'F')
					v = c - 'A' + 10;
				else
					return Fail("bad character reference");
				code = code * (hex ? 16 : 10) + static_cast<unsigned long>(v);
				if (code > 0x10FFFF)
					return Fail("character reference out of range");
			}
			if (code == 0 || (code >= 0xD800 && code <= 0xDFFF))
				return Fail("bad character reference");
			AppendUtf8(static_cast<char32_t>(code), out);
		} else {
			return Fail("unknown entity");
		}
		return true;
	}

	bool ParseAttributes(XmlElement& element, bool& self_closing)
	{
		while (true) {
			SkipBlanks();
			if (pos_ >= input_.size())
				return Fail("unterminated start tag");
			if (input_[pos_] == '>') {
				pos_++;
				self_closing = false;
				return true;
			}
			if (Lookahead("/>")) {
				pos_ += 2;
				self_closing = true;
				return true;
			}
			std::string key;
			if (!ParseName(key))
				return false;
			SkipBlanks();
			if (pos_ >= input_.size() || input_[pos_] != '=')
				return Fail("expected '=' in attribute");
			pos_++;
			SkipBlanks();
			if (pos_ >= input_.size() || (input_[pos_] != '"' && input_[pos_] != '\''))
				return Fail("expected quoted attribute value");
			const char quote = input_[pos_++];
			std::string value;
			while (pos_ < input_.size() && input_[pos_] != quote) {
				if (input_[pos_] == '<')
					return Fail("'<' in attribute value");
				if (input_[pos_] == '&') {
					if (!DecodeEntity(value))
						return false;
				} else {
					value += input_[pos_++];
				}
			}
			if (pos_ >= input_.size())
				return Fail("unterminated attribute value");
			pos_++;
			element.attributes.emplace_back(std::move(key), std::move(value));
		}
	}

	bool ParseElement(XmlElement& element, int depth)
	{
		if (depth > kMaxXmlDepth)
			return Fail("nesting too deep");
		pos_++; // '<'
		if (!ParseName(element.name))
			return false;
		bool self_closing = false;
		if (!ParseAttributes(element, self_closing))
			return false;
		if (self_closing)
			return true;
		while (true) {
			if (pos_ >= input_.size())
				return Fail("unterminated element");
			const char c = input_[pos_];
			if (c != '<') {
				if (c == '&') {
					if (!DecodeEntity(element.text))
						return false;
				} else {
					element.text += c;
					pos_++;
				}
				continue;
			}
			if (Lookahead("</")) {
				pos_ += 2;
				std::string closing;
				if (!ParseName(closing))
					return false;
				if (closing != element.name)
					return Fail("mismatched end tag");
				SkipBlanks();
				if (pos_ >= input_.size() || input_[pos_] != '>')
					return Fail("bad end tag");
				pos_++;
				return true;
			}
			if (Lookahead("<!--")) {
				const size_t end = input_.find("-->", pos_ + 4);
				if (end == std::string_view::npos)
					return Fail("unterminated comment");
				pos_ = end + 3;
				continue;
			}
			if (Lookahead("<![CDATA[")) {
				const size_t end = input_.find("]]>", pos_ + 9);
				if (end == std::string_view::npos)
					return Fail("unterminated CDATA section");
				element.text.append(input_.substr(pos_ + 9, end - pos_ - 9));
				pos_ = end + 3;
				continue;
			}
			if (Lookahead("<?")) {
				const size_t end = input_.find("?>", pos_ + 2);
				if (end == std::string_view::npos)
					return Fail("unterminated processing instruction");
				pos_ = end + 2;
				continue;
			}
			if (Lookahead("<!"))
				return Fail("declaration inside an element");
			element.children.emplace_back();
			if (!ParseElement(element.children.back(), depth + 1))
				return false;
		}
	}

	std::string_view input_;
	size_t pos_ = 0;
	std::string error_;
};

Node
ElementToNode(const XmlElement& element)
{
	const std::string* type = element.Attribute("type");
	bool is_array = false;
	bool is_record = false;
	if (type != nullptr) {
		is_array = *type == "array";
		is_record = *type == "record";
	} else if (!element.children.empty()) {
		const std::string child_name = element.name + "_child";
		is_array = true;
		for (const XmlElement& child : element.children)
			if (child.name != child_name)
				is_array = false;
		is_record = !is_array;
	}
	if (is_array) {
		Node array = Node::MakeArray(0);
		for (const XmlElement& child : element.children)
			array.AppendNode(ElementToNode(child));
		return array;
	}
	if (is_record) {
		Node record = Node::MakeRecord();
		for (const XmlElement& child : element.children)
			record.AddChild(child.name, ElementToNode(child));
		return record;
	}
	return Node::MakeString(element.text);
}

Node
JsonToNode(const JsonValue& value)
{
	switch (value.type) {
	case JsonValue::Type::kObject: {
		Node record = Node::MakeRecord();
		for (const auto& member : value.members)
			record.AddChild(member.first, JsonToNode(member.second));
		return record;
	}
	case JsonValue::Type::kArray: {
		Node array = Node::MakeArray(0);
		for (const JsonValue& item : value.items)
			array.AppendNode(JsonToNode(item));
		return array;
	}
	case JsonValue::Type::kString:
	case JsonValue::Type::kNumber:
		return Node::MakeString(value.text);
	case JsonValue::Type::kBool:
		// ORCA spells booleans as True/False strings.
		return Node::MakeString(value.bool_value ? "True" : "False");
	case JsonValue::Type::kNull:
		break;
	}
	return Node::MakeString(std::string());
}

} // namespace

const std::string*
XmlElement::Attribute(std::string_view key) const
{
	for (const auto& attribute : attributes)
		if (attribute.first == key)
			return &attribute.second;
	return nullptr;
}

bool
ParseXml(std::string_view input, XmlElement& root, std::string& error)
{
	XmlParser parser(input);
	return parser.ParseDocument(root, error);
}

BodyStatus
ParseRequestBody(std::string_view body, std::string_view expected_record, RequestBody& out, std::string& error)
{
	size_t first = 0;
	if (StartsWith(body, "\xEF\xBB\xBF"))
		first = 3;
	while (first < body.size() &&
	       (body[first] == ' ' || body[first] == '\t' || body[first] == '\r' || body[first] == '\n'))
		first++;
	if (first >= body.size()) {
		error = "empty request body";
		return BodyStatus::kMalformed;
	}
	if (body[first] == '<') {
		XmlElement root;
		if (!ParseXml(body, root, error))
			return BodyStatus::kMalformed;
		if (root.name != "data") {
			error = "root element is <" + root.name + ">, expected <data>";
			return BodyStatus::kWrongRecord;
		}
		for (const XmlElement& child : root.children) {
			if (child.name == expected_record) {
				out.record_name = child.name;
				out.record = ElementToNode(child);
				if (!out.record.IsRecord())
					out.record = Node::MakeRecord(); // e.g. <patientlst1req/> -> empty record
				return BodyStatus::kOk;
			}
		}
		error = "no <" + std::string(expected_record) + "> record under <data>";
		return BodyStatus::kWrongRecord;
	}
	if (body[first] == '{' || body[first] == '[') {
		JsonValue document;
		if (!ParseJson(body.substr(first), document, error))
			return BodyStatus::kMalformed;
		if (!document.IsObject()) {
			error = "JSON body is not an object";
			return BodyStatus::kWrongRecord;
		}
		const JsonValue* record = document.Member(expected_record);
		// Tolerate an xml2-like {"data": {"NAME": {...}}} wrapper as well.
		if (record == nullptr && document.Member("data") != nullptr && document.Member("data")->IsObject())
			record = document.Member("data")->Member(expected_record);
		if (record == nullptr || !record->IsObject()) {
			error = "no \"" + std::string(expected_record) + "\" object in the JSON body";
			return BodyStatus::kWrongRecord;
		}
		out.record_name = std::string(expected_record);
		out.record = JsonToNode(*record);
		out.was_json = true;
		return BodyStatus::kOk;
	}
	error = "request body is neither XML nor JSON";
	return BodyStatus::kMalformed;
}

} // namespace orca_sim
