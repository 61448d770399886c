// request_parser.hpp — turns an ORCA request body into a Node record.
//
// The format is sniffed from the first non-blank byte: '<' is xml2
// (<data><NAME type="record">...</NAME></data>), '{' is JSON
// ({"NAME": {...}}). The XML reader is a small non-validating parser
// (elements, attributes, text, entities, CDATA, comments, PIs; DOCTYPE is
// refused). Elements without a type attribute are typed by shape: children
// all named <parent>_child make an array, other children a record, none a
// string.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node.hpp"

namespace orca_sim {

struct XmlElement {
	std::string name;
	std::vector<std::pair<std::string, std::string>> attributes;
	std::string text;
	std::vector<XmlElement> children;

	const std::string* Attribute(std::string_view key) const;
};

bool ParseXml(std::string_view input, XmlElement& root, std::string& error);

enum class BodyStatus {
	kOk,
	kMalformed,   // not parseable at all (ORCA 97 family)
	kWrongRecord, // parseable but no request record of the expected name (98 family)
};

struct RequestBody {
	std::string record_name;
	Node record;
	bool was_json = false;
};

// Parses the body and checks that it holds the record `expected_record`.
BodyStatus ParseRequestBody(std::string_view body, std::string_view expected_record, RequestBody& out,
                            std::string& error);

} // namespace orca_sim
