// json.hpp — a small, strict JSON parser (RFC 8259) used for JSON request
// bodies and the /__sim control endpoints. Numbers keep their source text.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orca_sim {

class JsonValue {
public:
	enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

	Type type = Type::kNull;
	bool bool_value = false;
	std::string text; // string value, or the number's source text
	std::vector<JsonValue> items;
	std::vector<std::pair<std::string, JsonValue>> members;

	const JsonValue* Member(std::string_view key) const;
	// String or number member as text; "" when absent or of another type.
	std::string MemberText(std::string_view key) const;
	bool IsObject() const { return type == Type::kObject; }
};

// Parses a complete document; on failure returns false and sets `error`.
bool ParseJson(std::string_view input, JsonValue& out, std::string& error);

} // namespace orca_sim
