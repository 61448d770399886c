// json.cpp — see json.hpp.
#include "json.hpp"

#include "util.hpp"

namespace orca_sim {

namespace {

constexpr int kMaxDepth = 64;

class JsonParser {
public:
	explicit JsonParser(std::string_view input) : input_(input) {}

	bool ParseDocument(JsonValue& out, std::string& error)
	{
		SkipBlanks();
		if (!ParseValue(out, 0)) {
			error = error_.empty() ? "invalid JSON" : error_;
			return false;
		}
		SkipBlanks();
		if (pos_ != input_.size()) {
			error = "trailing characters after JSON value";
			return false;
		}
		return true;
	}

private:
	bool Fail(const char* message)
	{
		if (error_.empty())
			error_ = std::string(message) + " at offset " + std::to_string(pos_);
		return false;
	}

	void SkipBlanks()
	{
		while (pos_ < input_.size() &&
		       (input_[pos_] == ' ' || input_[pos_] == '\t' || input_[pos_] == '\n' || input_[pos_] == '\r'))
			pos_++;
	}

	bool Consume(std::string_view literal)
	{
		if (input_.substr(pos_, literal.size()) != literal)
			return false;
		pos_ += literal.size();
		return true;
	}

	bool ParseValue(JsonValue& out, int depth)
	{
		if (depth > kMaxDepth)
			return Fail("nesting too deep");
		if (pos_ >= input_.size())
			return Fail("unexpected end of input");
		const char c = input_[pos_];
		if (c == '{')
			return ParseObject(out, depth);
		if (c == '[')
			return ParseArray(out, depth);
		if (c == '"') {
			out.type = JsonValue::Type::kString;
			return ParseString(out.text);
		}
		if (c == 't' && Consume("true")) {
			out.type = JsonValue::Type::kBool;
			out.bool_value = true;
			return true;
		}
		if (c == 'f' && Consume("false")) {
			out.type = JsonValue::Type::kBool;
			out.bool_value = false;
			return true;
		}
		if (c == 'n' && Consume("null")) {
			out.type = JsonValue::Type::kNull;
			return true;
		}
		if (c == '-' || (c >= '0' && c <= '9'))
			return ParseNumber(out);
		return Fail("unexpected character");
	}

	bool ParseObject(JsonValue& out, int depth)
	{
		out.type = JsonValue::Type::kObject;
		pos_++;
		SkipBlanks();
		if (pos_ < input_.size() && input_[pos_] == '}') {
			pos_++;
			return true;
		}
		while (true) {
			SkipBlanks();
			if (pos_ >= input_.size() || input_[pos_] != '"')
				return Fail("expected object key");
			std::string key;
			if (!ParseString(key))
				return false;
			SkipBlanks();
			if (pos_ >= input_.size() || input_[pos_] != ':')
				return Fail("expected ':'");
			pos_++;
			SkipBlanks();
			JsonValue value;
			if (!ParseValue(value, depth + 1))
				return false;
			out.members.emplace_back(std::move(key), std::move(value));
			SkipBlanks();
			if (pos_ < input_.size() && input_[pos_] == ',') {
				pos_++;
				continue;
			}
			if (pos_ < input_.size() && input_[pos_] == '}') {
				pos_++;
				return true;
			}
			return Fail("expected ',' or '}'");
		}
	}

	bool ParseArray(JsonValue& out, int depth)
	{
		out.type = JsonValue::Type::kArray;
		pos_++;
		SkipBlanks();
		if (pos_ < input_.size() && input_[pos_] == ']') {
			pos_++;
			return true;
		}
		while (true) {
			SkipBlanks();
			JsonValue value;
			if (!ParseValue(value, depth + 1))
				return false;
			out.items.push_back(std::move(value));
			SkipBlanks();
			if (pos_ < input_.size() && input_[pos_] == ',') {
				pos_++;
				continue;
			}
			if (pos_ < input_.size() && input_[pos_] == ']') {
				pos_++;
				return true;
			}
			return Fail("expected ',' or ']'");
		}
	}

	bool ParseHex4(unsigned& value)
	{
		if (pos_ + 4 > input_.size())
			return Fail("short \\u escape");
		value = 0;
		for (int i = 0; i < 4; i++) {
			const char c = input_[pos_++];
			value <<= 4;
			if (c >= '0' && c <= '9')
				value |= static_cast<unsigned>(c - '0');
			else if (c >= 'a' && c <= 'f')
				value |= static_cast<unsigned>(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				value |= static_cast<unsigned>(c - 'A' + 10);
			else
				return Fail("bad \\u escape");
		}
		return true;
	}

	bool ParseString(std::string& out)
	{
		pos_++; // opening quote
		while (pos_ < input_.size()) {
			const char c = input_[pos_++];
			if (c == '"')
				return true;
			if (static_cast<unsigned char>(c) < 0x20)
				return Fail("control character in string");
			if (c != '\\') {
				out += c;
				continue;
			}
			if (pos_ >= input_.size())
				return Fail("unterminated escape");
			const char e = input_[pos_++];
			switch (e) {
			case '"':
				out += '"';
				break;
			case '\\':
				out += '\\';
				break;
			case '/':
				out += '/';
				break;
			case 'b':
				out += '\b';
				break;
			case 'f':
				out += '\f';
				break;
			case 'n':
				out += '\n';
				break;
			case 'r':
				out += '\r';
				break;
			case 't':
				out += '\t';
				break;
			case 'u': {
				unsigned cp = 0;
				if (!ParseHex4(cp))
					return false;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					unsigned low = 0;
					if (!Consume("\\u") || !ParseHex4(low) || low < 0xDC00 || low > 0xDFFF)
						return Fail("bad surrogate pair");
					cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
				} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
					return Fail("lone low surrogate");
				}
				AppendUtf8(cp, out);
				break;
			}
			default:
				return Fail("unknown escape");
			}
		}
		return Fail("unterminated string");
	}

	bool ParseNumber(JsonValue& out)
	{
		const size_t start = pos_;
		if (input_[pos_] == '-')
			pos_++;
		if (pos_ >= input_.size())
			return Fail("bad number");
		if (input_[pos_] == '0') {
			pos_++;
		} else if (input_[pos_] >= '1' && input_[pos_] <= '9') {
			while (pos_ < input_.size() && input_[pos_] >= '0' && input_[pos_] <= '9')
				pos_++;
		} else {
			return Fail("bad number");
		}
		if (pos_ < input_.size() && input_[pos_] == '.') {
			pos_++;
			if (pos_ >= input_.size() || input_[pos_] < '0' || input_[pos_] > '9')
				return Fail("bad fraction");
			while (pos_ < input_.size() && input_[pos_] >= '0' && input_[pos_] <= '9')
				pos_++;
		}
		if (pos_ < input_.size() && (input_[pos_] == 'e' || input_[pos_] == 'E')) {
			pos_++;
			if (pos_ < input_.size() && (input_[pos_] == '+' || input_[pos_] == '-'))
				pos_++;
			if (pos_ >= input_.size() || input_[pos_] < '0' || input_[pos_] > '9')
				return Fail("bad exponent");
			while (pos_ < input_.size() && input_[pos_] >= '0' && input_[pos_] <= '9')
				pos_++;
		}
		out.type = JsonValue::Type::kNumber;
		out.text = std::string(input_.substr(start, pos_ - start));
		return true;
	}

	std::string_view input_;
	size_t pos_ = 0;
	std::string error_;
};

} // namespace

const JsonValue*
JsonValue::Member(std::string_view key) const
{
	for (const auto& member : members)
		if (member.first == key)
			return &member.second;
	return nullptr;
}

std::string
JsonValue::MemberText(std::string_view key) const
{
	const JsonValue* value = Member(key);
	if (value == nullptr)
		return std::string();
	if (value->type == Type::kString || value->type == Type::kNumber)
		return value->text;
	return std::string();
}

bool
ParseJson(std::string_view input, JsonValue& out, std::string& error)
{
	JsonParser parser(input);
	return parser.ParseDocument(out, error);
}

} // namespace orca_sim
