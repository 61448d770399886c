// response_writer.hpp — serialises a response Node as ORCA "xml2" or as the
// JSON the middleware produces for ?format=json.
//
// xml2: <?xml ...?><xmlio2><ROOT type="record">...</ROOT></xmlio2>, every
// element typed (string/record/array), array items named <Name>_child, empty
// leaves and records/arrays without any value omitted.
// JSON: {"ROOT": {...}}, arrays as JSON arrays, every value a string, empty
// values omitted. With pad_arrays, arrays are padded with {} up to their
// declared maximum, as 2017-era servers did.
#pragma once

#include <string>

#include "node.hpp"

namespace orca_sim {

void WriteXml2(const std::string& root_name, const Node& record, std::string& out);
void WriteJson(const std::string& root_name, const Node& record, bool pad_arrays, std::string& out);
// One node as the JSON answers write it (without padding), appended to `out`.
void WriteJsonNode(const Node& node, std::string& out);

} // namespace orca_sim
