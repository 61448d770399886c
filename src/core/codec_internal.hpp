/*
 * codec_internal.hpp — private parts shared by the xml2 and JSON decoders.
 *
 * Both wire formats reduce to the same stream of element events:
 * Begin(name, kind) / Text(bytes) / End().  TreeAssembler turns that stream
 * into RowSink calls: it knows where the RECORD is, which element holds the
 * rows, builds the one row under construction as a Node tree, reports every
 * other leaf with its path, drops empty-record array items and enforces the
 * depth and value-size limits.  The front ends (codec_xml.cpp,
 * codec_json.cpp) only tokenise.
 *
 * Not part of the public interface: include only from src/core/codec*.cpp.
 */
#pragma once

#include "core/codec.hpp"
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orca_fdw::core::codec_detail {

/* Primary messages (lowercase, no final period). */
inline constexpr const char *kMalformedXml = "malformed XML in ORCA response";
inline constexpr const char *kMalformedJson = "malformed JSON in ORCA response";
inline constexpr const char *kMalformedBody = "malformed ORCA response";
inline constexpr const char *kTruncated = "truncated ORCA response";
inline constexpr const char *kEmptyBody = "empty response body from ORCA";
inline constexpr const char *kNoRecord = "no record in ORCA response";
inline constexpr const char *kDoctype = "response from ORCA contains a DOCTYPE declaration";
inline constexpr const char *kTooDeep = "nesting too deep in ORCA response";
inline constexpr const char *kTooLong = "value too long in ORCA response";
inline constexpr const char *kTooMany = "too many elements in ORCA response";
inline constexpr const char *kTooMuchText = "too much text in ORCA response";
inline constexpr const char *kBadRoot = "unexpected root element in ORCA response";
inline constexpr const char *kTwoRecords = "more than one record in ORCA response";
inline constexpr const char *kBadShape = "unexpected structure in ORCA response";

/* Element kind as announced by the wire: xml2's type attribute, or the JSON
 * value type.  Unknown = xml2 element without (a known) type attribute: it
 * becomes a record or array at its first child element, else a string. */
enum class Kind : unsigned char { Unknown, String, Record, Array };

/* Where the parser is, for error details ("line 3, column 7", "byte offset 120").
 * Only called on error paths. */
class PositionSource {
public:
	virtual ~PositionSource() = default;
	virtual std::string Where() const = 0;
};

/* Throws Error(Protocol, message, detail). */
[[noreturn]] void ThrowProtocol(const char *message, std::string detail);

/* An element name or key for an error detail: quoted, cut to a sane length
 * on a UTF-8 boundary.  Names are schema, never values, so they may appear. */
std::string QuoteName(std::string_view name);

class TreeAssembler {
public:
	TreeAssembler(std::string row_element, RowSink &sink, const DecoderLimits &limits,
	              const PositionSource &position);

	TreeAssembler(const TreeAssembler &) = delete;
	TreeAssembler &operator=(const TreeAssembler &) = delete;

	/* An element (xml2) or a value (JSON) starts.  Items of an array pass
	 * any name (xml2 `X_child`, JSON ""); the name of an item is not kept. */
	void Begin(std::string_view name, Kind kind);
	/* Character data of the innermost element; ignored unless it is a leaf. */
	void Text(const char *data, size_t len);
	/* The innermost element ends. */
	void End();

	size_t Depth() const { return frames_.size(); }
	/* The root element / top-level object has been closed. */
	bool Complete() const { return complete_; }
	bool HasRecord() const { return has_record_; }
	const std::string &RecordName() const { return record_name_; }

private:
	enum class Role : unsigned char {
		Root,         /* <xmlio2> / the top-level JSON object */
		Record,       /* the RECORD */
		Field,        /* outside rows: leaves go to OnField */
		RowContainer, /* the row_element array: each item is a row */
		Row,          /* inside the row under construction (incl. its root) */
	};
	struct Frame {
		Kind kind;
		Role role;
		bool item;        /* an item of an array */
		bool row_root;    /* the root of the row under construction */
		bool pending_row; /* row_element without a type: row or row container? */
		uint32_t name_begin; /* offset of this element's name in names_ */
		uint32_t path_len;   /* path_ length before this element */
		Node *node;          /* Row: the node being built */
	};

	void ResolveUnknown(Frame &parent, std::string_view child_name);
	/* One more element kept (a node in a row, or a field) holding `bytes` of
	 * text; fails beyond the limits. */
	void Keep(size_t bytes);
	void KeepText(size_t bytes);
	void StartRow(Frame &frame, Kind kind);
	static void InitNode(Node &node, Kind kind);
	[[noreturn]] void Fail(const char *message, std::string detail) const;

	std::string row_element_;
	RowSink &sink_;
	size_t max_depth_;
	size_t max_value_bytes_;
	size_t max_elements_;
	size_t max_text_bytes_;
	const PositionSource &position_;
	size_t elements_ = 0;   /* kept so far in this response */
	size_t text_bytes_ = 0;

	std::vector<Frame> frames_;
	std::string names_; /* names of the open elements, concatenated */
	std::string path_;  /* path of the innermost Field element, relative to RECORD */
	std::string text_;  /* text of the innermost Field leaf */
	Node row_;          /* the row under construction */
	size_t last_row_width_ = 0; /* children of the previous row, to reserve */
	std::string record_name_;
	bool has_record_ = false;
	bool complete_ = false;
};

/* Drops blanks (space, tab, CR, LF) and a UTF-8 byte order mark before the
 * first significant byte of a body. */
class LeadingBlankSkipper {
public:
	explicit LeadingBlankSkipper(const char *malformed_message) : malformed_message_(malformed_message) {}
	/* How many bytes at the start of this chunk to drop; 0 once content started. */
	size_t Skip(const char *data, size_t len);
	/* A significant byte has been seen. */
	bool SawContent() const { return done_; }

private:
	const char *malformed_message_;
	uint64_t offset_ = 0;   /* bytes dropped so far */
	unsigned char bom_len_ = 0; /* bytes of the byte order mark seen */
	bool done_ = false;
};

std::unique_ptr<Decoder> MakeXmlDecoder(std::string row_element, RowSink &sink, const DecoderLimits &limits);
std::unique_ptr<Decoder> MakeJsonDecoder(std::string row_element, RowSink &sink, const DecoderLimits &limits);

} // namespace orca_fdw::core::codec_detail
