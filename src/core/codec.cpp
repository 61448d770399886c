/*
 * codec.cpp — the format-neutral half of the response decoder.
 *
 * Owns Decoder::Create (with the Auto format sniffer), the TreeAssembler that
 * both wire formats feed (row detection, path building, empty-item dropping,
 * limits), the leading-blank skipper and the shared error helpers.  The
 * tokenisers live in codec_xml.cpp (libxml2 push parser) and codec_json.cpp.
 */
#include "core/codec.hpp"

#include "core/codec_internal.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "core/cpp_only.hpp"

namespace orca_fdw::core {

namespace codec_detail {

namespace {

constexpr size_t kMaxNameInDetail = 64;
constexpr size_t kMaxRowReserve = 256;
constexpr std::string_view kChildSuffix = "_child";

/* Is `child` the item name of an array called `parent` ("X" → "X_child")? */
bool
IsChildName(std::string_view parent, std::string_view child)
{
	return child.size() == parent.size() + kChildSuffix.size() && child.compare(0, parent.size(), parent) == 0 &&
	       child.compare(parent.size(), kChildSuffix.size(), kChildSuffix) == 0;
}

/* An empty record: the {} items old servers pad JSON arrays with (and an
 * empty xml2 `_child` record, treated alike). */
bool
IsPadding(const Node &node)
{
	return node.type == Node::Type::Record && node.children.empty();
}

} // namespace

void
ThrowProtocol(const char *message, std::string detail)
{
	throw Error(ErrorKind::Protocol, message, std::move(detail));
}

std::string
QuoteName(std::string_view name)
{
	size_t cut = name.size();
	if (cut > kMaxNameInDetail) {
		cut = kMaxNameInDetail;
		/* back up to the start of a UTF-8 sequence */
		while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80)
			--cut;
	}
	std::string out = "\"";
	for (char c : name.substr(0, cut))
		out.push_back(static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\' ? '?' : c);
	if (cut < name.size())
		out.append("...");
	out.push_back('"');
	return out;
}

/* ---------------------------------------------------------------- TreeAssembler */

TreeAssembler::TreeAssembler(std::string row_element, RowSink &sink, const DecoderLimits &limits,
                             const PositionSource &position)
	: row_element_(std::move(row_element)), sink_(sink), max_depth_(limits.max_depth),
	  max_value_bytes_(limits.max_value_bytes), max_elements_(limits.max_elements),
	  max_text_bytes_(limits.max_text_bytes), position_(position)
{
	frames_.reserve(16);
	names_.reserve(256);
	path_.reserve(128);
}

void
TreeAssembler::Fail(const char *message, std::string detail) const
{
	/* detail arrives as a sentence without its final period */
	detail.append(" (at ");
	detail.append(position_.Where());
	detail.append(").");
	ThrowProtocol(message, std::move(detail));
}

void
TreeAssembler::Keep(size_t bytes)
{
	if (++elements_ > max_elements_)
		Fail(kTooMany, "The response has more than " + std::to_string(max_elements_) +
		                   " elements (values, records and array items), the limit on what one response may "
		                   "hold in memory");
	KeepText(bytes);
}

void
TreeAssembler::KeepText(size_t bytes)
{
	text_bytes_ += bytes;
	if (text_bytes_ > max_text_bytes_)
		Fail(kTooMuchText, "The response's names, paths and values exceed " + std::to_string(max_text_bytes_ >> 20) +
		                       " MB, the limit on what one response may hold in memory");
}

void
TreeAssembler::InitNode(Node &node, Kind kind)
{
	switch (kind) {
	case Kind::Record:
		node.type = Node::Type::Record;
		break;
	case Kind::Array:
		node.type = Node::Type::Array;
		break;
	case Kind::String:
	case Kind::Unknown:
		/* an untyped element collects its text as a string until a child
		 * element shows it is a record or an array */
		node.type = Node::Type::String;
		break;
	}
}

void
TreeAssembler::StartRow(Frame &frame, Kind kind)
{
	Keep(0);
	row_ = Node();
	InitNode(row_, kind);
	/* rows of one response look alike: size the new one like the last */
	if (kind == Kind::Record || kind == Kind::Array)
		row_.children.reserve(last_row_width_);
	frame.role = Role::Row;
	frame.row_root = true;
	frame.node = &row_;
}

/* The first child element of an untyped element decides what it is: an array
 * when the child is named `<parent>_child`, else a record. */
void
TreeAssembler::ResolveUnknown(Frame &parent, std::string_view child_name)
{
	std::string_view parent_name = std::string_view(names_).substr(parent.name_begin);
	bool is_array = IsChildName(parent_name, child_name);
	parent.kind = is_array ? Kind::Array : Kind::Record;

	switch (parent.role) {
	case Role::Field:
		text_.clear();
		break;
	case Role::Row:
		/* text seen so far was blanks between elements: no longer kept */
		text_bytes_ -= parent.node->value.size();
		if (parent.pending_row) {
			parent.pending_row = false;
			if (is_array) {
				/* row_element turned out to be the array of rows */
				parent.role = Role::RowContainer;
				parent.row_root = false;
				parent.node = nullptr;
				row_ = Node();
				--elements_;
				break;
			}
		}
		parent.node->type = is_array ? Node::Type::Array : Node::Type::Record;
		parent.node->value.clear();
		break;
	case Role::Root:
	case Role::Record:
	case Role::RowContainer:
		break;
	}
}

void
TreeAssembler::Begin(std::string_view name, Kind kind)
{
	if (frames_.size() >= max_depth_)
		Fail(kTooDeep, "Elements nest deeper than the limit of " + std::to_string(max_depth_) + " levels");

	Frame frame{};
	frame.kind = kind;
	frame.name_begin = static_cast<uint32_t>(names_.size());
	frame.path_len = static_cast<uint32_t>(path_.size());

	if (frames_.empty()) {
		/* the root: <xmlio2> or the top-level JSON object */
		frame.kind = Kind::Record;
		frame.role = Role::Root;
		names_.append(name);
		frames_.push_back(frame);
		return;
	}

	Frame &parent = frames_.back();
	if (parent.kind == Kind::Unknown)
		ResolveUnknown(parent, name);
	else if (parent.kind == Kind::String)
		Fail(kBadShape, "Element " + QuoteName(std::string_view(names_).substr(parent.name_begin)) +
		                    " is declared as a string but contains elements");
	frame.item = parent.kind == Kind::Array;

	switch (parent.role) {
	case Role::Root:
		if (has_record_)
			Fail(kTwoRecords, "Element " + QuoteName(name) + " follows the record " + QuoteName(record_name_));
		if (kind == Kind::String || kind == Kind::Array)
			Fail(kBadShape, "The top-level element " + QuoteName(name) + " is not a record");
		has_record_ = true;
		record_name_.assign(name);
		frame.kind = Kind::Record;
		frame.role = Role::Record;
		break;

	case Role::Record:
		if (!row_element_.empty() && name == row_element_) {
			if (kind == Kind::Array) {
				frame.role = Role::RowContainer;
			} else {
				StartRow(frame, kind);
				frame.pending_row = kind == Kind::Unknown;
			}
		} else {
			frame.role = Role::Field;
			path_.append(name);
		}
		break;

	case Role::Field:
		frame.role = Role::Field;
		if (!frame.item) {
			path_.push_back('/');
			path_.append(name);
		}
		break;

	case Role::RowContainer:
		StartRow(frame, kind);
		break;

	case Role::Row: {
		Keep(frame.item ? 0 : name.size());
		Node *parent_node = parent.node;
		if (frame.item)
			parent_node->children.emplace_back(std::string(), Node());
		else
			parent_node->children.emplace_back(std::string(name), Node());
		Node &node = parent_node->children.back().second;
		InitNode(node, kind);
		frame.role = Role::Row;
		frame.node = &node;
		break;
	}
	}

	names_.append(name);
	frames_.push_back(frame);
}

void
TreeAssembler::Text(const char *data, size_t len)
{
	if (frames_.empty() || len == 0)
		return;
	Frame &frame = frames_.back();
	if (frame.kind != Kind::String && frame.kind != Kind::Unknown)
		return; /* whitespace (or stray text) between elements */

	std::string &target = frame.role == Role::Row ? frame.node->value : text_;
	if (len > max_value_bytes_ - target.size())
		Fail(kTooLong, "A value is longer than the limit of " + std::to_string(max_value_bytes_) + " bytes");
	if (frame.role == Role::Row)
		KeepText(len);
	target.append(data, len);
}

void
TreeAssembler::End()
{
	if (frames_.empty())
		return;
	Frame frame = frames_.back();
	frames_.pop_back();
	names_.resize(frame.name_begin);

	switch (frame.role) {
	case Role::Root:
		complete_ = true;
		break;
	case Role::Record:
	case Role::RowContainer:
		break;
	case Role::Field:
		if (frame.kind == Kind::String || frame.kind == Kind::Unknown) {
			Keep(path_.size() + text_.size());
			sink_.OnField(path_, text_);
			text_.clear();
		}
		path_.resize(frame.path_len);
		break;
	case Role::Row:
		if (frame.row_root) {
			last_row_width_ = std::min(row_.children.size(), kMaxRowReserve);
			if (!IsPadding(row_))
				sink_.OnRow(std::move(row_));
			else
				--elements_; /* dropped, not kept */
			row_ = Node();
		} else if (frame.item && IsPadding(*frame.node)) {
			frames_.back().node->children.pop_back();
			--elements_;
		}
		break;
	}
}

/* ---------------------------------------------------------------- LeadingBlankSkipper */

size_t
LeadingBlankSkipper::Skip(const char *data, size_t len)
{
	static constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};
	size_t i = 0;
	while (!done_ && i < len) {
		unsigned char c = static_cast<unsigned char>(data[i]);
		/* a byte order mark counts only at the very start of the body */
		if (bom_len_ < 3 && offset_ == bom_len_ && c == kBom[bom_len_]) {
			++bom_len_;
			++offset_;
			++i;
			continue;
		}
		if (bom_len_ > 0 && bom_len_ < 3)
			ThrowProtocol(malformed_message_, "The body starts with an incomplete byte order mark.");
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			++offset_;
			++i;
			continue;
		}
		done_ = true;
	}
	return i;
}

/* ---------------------------------------------------------------- AutoDecoder */

namespace {

/* Sniffs the first significant byte, then hands everything to the real decoder. */
class AutoDecoder final : public Decoder {
public:
	AutoDecoder(std::string row_element, RowSink &sink, const DecoderLimits &limits)
		: row_element_(std::move(row_element)), sink_(sink), limits_(limits), skipper_(kMalformedBody)
	{
	}

	void Feed(const char *data, size_t len) override
	{
		if (inner_) {
			inner_->Feed(data, len);
			return;
		}
		if (failure_)
			std::rethrow_exception(failure_);
		size_t skip = 0;
		try {
			skip = skipper_.Skip(data, len);
			if (!skipper_.SawContent())
				return;
			char first = data[skip];
			if (first == '<')
				inner_ = MakeXmlDecoder(std::move(row_element_), sink_, limits_);
			else if (first == '{' || first == '[')
				inner_ = MakeJsonDecoder(std::move(row_element_), sink_, limits_);
			else
				ThrowProtocol(kMalformedBody, "The body starts with neither \"<\" (xml2) nor \"{\" (JSON).");
		} catch (...) {
			failure_ = std::current_exception();
			throw;
		}
		inner_->Feed(data + skip, len - skip);
	}

	void Finish() override
	{
		if (inner_) {
			inner_->Finish();
			return;
		}
		if (failure_)
			std::rethrow_exception(failure_);
		failure_ = std::make_exception_ptr(Error(ErrorKind::Protocol, kEmptyBody));
		std::rethrow_exception(failure_);
	}

	const std::string &RecordName() const override { return inner_ ? inner_->RecordName() : empty_; }

private:
	std::string row_element_;
	RowSink &sink_;
	DecoderLimits limits_;
	LeadingBlankSkipper skipper_;
	std::unique_ptr<Decoder> inner_;
	std::exception_ptr failure_;
	std::string empty_;
};

} // namespace

} // namespace codec_detail

std::unique_ptr<Decoder>
Decoder::Create(WireFormat format, std::string row_element, RowSink &sink, DecoderLimits limits)
{
	switch (format) {
	case WireFormat::Xml:
		return codec_detail::MakeXmlDecoder(std::move(row_element), sink, limits);
	case WireFormat::Json:
		return codec_detail::MakeJsonDecoder(std::move(row_element), sink, limits);
	case WireFormat::Auto:
		break;
	}
	return std::make_unique<codec_detail::AutoDecoder>(std::move(row_element), sink, limits);
}

} // namespace orca_fdw::core
