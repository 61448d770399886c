/*
 * codec.hpp — streaming decoder for ORCA response bodies (xml2 and JSON).
 *
 * Bytes are fed in chunks of any size as they arrive from the network; rows
 * come out through RowSink::OnRow as soon as each one is complete, and only
 * the row being built is held in memory.
 *
 * Shapes understood (see shared/orca-api/):
 *   xml2:  <xmlio2><RECORD type="record"> ... </RECORD></xmlio2>
 *          arrays: <Name type="array"><Name_child type="record|string">...
 *   JSON:  {"RECORD": { ... }}; arrays are JSON arrays; empty-object padding
 *          items ({}) are dropped.
 * The element named `row_element` directly under RECORD holds the rows: each
 * item when it is an array, the element itself when it is a record.  Every
 * other leaf is reported through OnField with its path relative to RECORD
 * ("Api_Result", "Patient_Information/Patient_ID",
 * "Api_Results/Api_Result" — array levels add no path component).
 *
 * Hostile input is refused with ErrorKind::Protocol: DOCTYPE / entity
 * declarations, nesting deeper than max_depth, a single value longer than
 * max_value_bytes, broken syntax, and (at Finish) a truncated body.
 * libxml2 callbacks never throw: they record the failure and stop the parser;
 * Feed/Finish throw after libxml2 has returned.
 */
#pragma once

#include "core/node.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace orca_fdw::core {

enum class WireFormat { Auto, Xml, Json };

class RowSink {
public:
	virtual ~RowSink() = default;
	/* A leaf outside the rows; repeated paths are reported once per occurrence. */
	virtual void OnField(const std::string &path, const std::string &value) = 0;
	/* One complete row; the sink may move from it. */
	virtual void OnRow(Node &&row) = 0;
};

/* Bounds on one response, so that a broken or hostile server cannot make the
 * decoded form of a body many times larger than the body (an 8 MB body of
 * empty elements would otherwise take some 200 MB as nodes).
 *
 * max_elements counts what a response leaves in memory: every record, array,
 * array item and value inside the rows, and every field outside them.  The
 * largest real ORCA answers, at every array's declared maximum (notes in
 * shared/orca-api/), need:
 *   hsconfwardv2 wards  50 wards × 773 (200 rooms, 30 add-ons each)   38 650
 *   hsconfwardv2 rooms  200 rooms × 93                                 18 600
 *   hsptinfv2           100 stays × 141 (+ 5 patient fields)           14 105
 *   hsfindv3            200 stays × 60 (insurance, 4 public expenses)  12 000
 *   patientlst1v2       1000 patients × 10                             10 000
 *   patientlst2v2/3v2   100 patients × 82 (3 insurances, 4 public)      8 200
 *   hsmealv2            31 days × 180 (+ 250 fields)                    5 830
 *   patientgetv2        everything (30 combinations, care, drugs)       3 853
 * so 100 000 leaves a margin of 2.5 over the largest; decoded, 100 000
 * elements take some 20 MB at most.
 * max_text_bytes counts the text kept: element names and values in rows,
 * paths and values of fields (a field's path repeats its ancestors' names, so
 * deep long names would otherwise multiply).  Real answers keep well under
 * 2 MB. */
struct DecoderLimits {
	size_t max_depth = 64;
	size_t max_value_bytes = 1 << 20;
	size_t max_elements = 100000;
	size_t max_text_bytes = size_t(16) << 20;
};

class Decoder {
public:
	virtual ~Decoder() = default;

	/* Auto sniffs the first non-blank byte: '<' → xml2, '{' → JSON. */
	static std::unique_ptr<Decoder> Create(WireFormat format, std::string row_element, RowSink &sink,
	                                       DecoderLimits limits = {});

	/* Throws Error(Protocol) on malformed input; may call the sink. */
	virtual void Feed(const char *data, size_t len) = 0;
	/* End of body: throws Error(Protocol) when the document is incomplete. */
	virtual void Finish() = 0;
	/* The response record's name (e.g. "patientlst2res"); empty until seen. */
	virtual const std::string &RecordName() const = 0;
};

} // namespace orca_fdw::core
