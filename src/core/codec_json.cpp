/*
 * codec_json.cpp — the JSON front end of the response decoder.
 *
 * A hand-written incremental tokeniser: a byte-driven state machine whose
 * state survives between Feed calls, so a chunk may end anywhere (inside a
 * UTF-8 sequence, a \uXXXX escape, a literal or a number) without buffering
 * the body.  Values go to the TreeAssembler as they are read; only the
 * current key and number token are held here.
 *
 * Wire shape: {"RECORD": {...}}.  All ORCA values are strings, but numbers,
 * true and false are accepted as their text and null as an absent value.
 * Strings are checked to be valid UTF-8; \u escapes (surrogate pairs
 * included) become UTF-8; \u0000 and lone surrogates are refused, as they
 * cannot become PostgreSQL text.
 */
#include "core/codec_internal.hpp"

#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "core/cpp_only.hpp"

namespace orca_fdw::core::codec_detail {

namespace {

bool
IsBlank(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool
IsNumberChar(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

int
HexValue(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
bool
IsJsonNumber(std::string_view s)
{
	size_t i = 0;
	auto digits = [&]() {
		size_t start = i;
		while (i < s.size() && s[i] >= '0' && s[i] <= '9')
			++i;
		return i - start;
	};
	if (i < s.size() && s[i] == '-')
		++i;
	if (i < s.size() && s[i] == '0')
		++i;
	else if (digits() == 0)
		return false;
	if (i < s.size() && s[i] == '.') {
		++i;
		if (digits() == 0)
			return false;
	}
	if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
		++i;
		if (i < s.size() && (s[i] == '+' || s[i] == '-'))
			++i;
		if (digits() == 0)
			return false;
	}
	return i == s.size();
}

/* Encodes a code point (not a surrogate, at most U+10FFFF); returns the length. */
size_t
EncodeUtf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = static_cast<char>(cp);
		return 1;
	}
	if (cp < 0x800) {
		out[0] = static_cast<char>(0xC0 | (cp >> 6));
		out[1] = static_cast<char>(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = static_cast<char>(0xE0 | (cp >> 12));
		out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out[2] = static_cast<char>(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = static_cast<char>(0xF0 | (cp >> 18));
	out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
	out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
	out[3] = static_cast<char>(0x80 | (cp & 0x3F));
	return 4;
}

class JsonDecoder final : public Decoder, private PositionSource {
public:
	JsonDecoder(std::string row_element, RowSink &sink, const DecoderLimits &limits)
		: assembler_(std::move(row_element), sink, limits, *this), skipper_(kMalformedJson),
		  max_value_bytes_(limits.max_value_bytes)
	{
		stack_.reserve(16);
	}

	void Feed(const char *data, size_t len) override
	{
		if (failure_)
			std::rethrow_exception(failure_);
		if (finished_)
			throw Error(ErrorKind::Internal, "response decoder fed after the end of the body");
		try {
			chunk_begin_ = data;
			cursor_ = data;
			const char *end = data + len;
			const char *p = data + skipper_.Skip(data, len);
			Run(p, end);
			consumed_ += len;
			chunk_begin_ = cursor_ = nullptr;
		} catch (...) {
			failure_ = std::current_exception();
			throw;
		}
	}

	void Finish() override
	{
		if (failure_)
			std::rethrow_exception(failure_);
		if (finished_)
			return;
		finished_ = true;
		try {
			if (!skipper_.SawContent())
				throw Error(ErrorKind::Protocol, kEmptyBody);
			if (state_ != State::Done)
				throw Error(ErrorKind::Protocol, kTruncated,
				            "The body ends after " + std::to_string(consumed_) +
				                " bytes, before the JSON document is complete.");
			if (!assembler_.HasRecord())
				throw Error(ErrorKind::Protocol, kNoRecord, "The top-level JSON object has no record.");
		} catch (...) {
			failure_ = std::current_exception();
			throw;
		}
	}

	const std::string &RecordName() const override { return assembler_.RecordName(); }

private:
	enum class State : unsigned char {
		Start,              /* before the top-level value */
		Value,              /* a value is expected */
		ValueOrArrayEnd,    /* just after '[' */
		KeyOrObjectEnd,     /* just after '{' */
		Key,                /* after ',' in an object */
		Colon,              /* after a key */
		CommaOrEnd,         /* after a value inside a container */
		String,             /* inside "..." (a key or a value) */
		Escape,             /* after '\' */
		Unicode,            /* inside \uXXXX */
		SurrogateBackslash, /* after a high surrogate: '\' must follow */
		SurrogateU,         /* ... then 'u' */
		Number,
		Literal, /* true / false / null */
		Done,    /* after the top-level value */
	};

	std::string Where() const override
	{
		uint64_t offset = consumed_;
		if (chunk_begin_ != nullptr)
			offset += static_cast<uint64_t>(cursor_ - chunk_begin_);
		return "byte offset " + std::to_string(offset);
	}

	[[noreturn]] void Malformed(const char *p, const char *what)
	{
		cursor_ = p;
		ThrowProtocol(kMalformedJson, std::string(what) + " at " + Where() + ".");
	}

	std::string_view CurrentName() const
	{
		/* a value in an object is named by its key; array items and the
		 * top-level value have no name */
		return !stack_.empty() && stack_.back() ? std::string_view(key_) : std::string_view();
	}

	void ValueDone() { state_ = stack_.empty() ? State::Done : State::CommaOrEnd; }

	void CloseContainer(const char *p)
	{
		cursor_ = p;
		stack_.pop_back();
		assembler_.End();
		ValueDone();
	}

	/* A scalar other than a string: number, true, false. */
	void EmitScalar(const char *p, std::string_view text)
	{
		cursor_ = p;
		assembler_.Begin(CurrentName(), Kind::String);
		assembler_.Text(text.data(), text.size());
		assembler_.End();
		ValueDone();
	}

	void FinishNumber(const char *p)
	{
		if (!IsJsonNumber(token_))
			Malformed(p, "Invalid number");
		EmitScalar(p, token_);
	}

	/* Bytes of the current string, already unescaped. */
	void AppendString(const char *p, const char *data, size_t len)
	{
		if (len == 0)
			return;
		if (in_key_) {
			if (len > max_value_bytes_ - key_.size()) {
				cursor_ = p;
				ThrowProtocol(kTooLong, "A key is longer than the limit of " + std::to_string(max_value_bytes_) +
				                            " bytes (at " + Where() + ").");
			}
			key_.append(data, len);
		} else {
			cursor_ = p;
			assembler_.Text(data, len);
		}
	}

	void AppendCodePoint(const char *p, uint32_t cp)
	{
		char buf[4];
		AppendString(p, buf, EncodeUtf8(cp, buf));
	}

	/* Start of a value; p points at its first byte.  Returns the next byte to read. */
	const char *BeginValue(const char *p)
	{
		cursor_ = p;
		switch (*p) {
		case '{':
			assembler_.Begin(CurrentName(), Kind::Record);
			stack_.push_back(true);
			state_ = State::KeyOrObjectEnd;
			return p + 1;
		case '[':
			assembler_.Begin(CurrentName(), Kind::Array);
			stack_.push_back(false);
			state_ = State::ValueOrArrayEnd;
			return p + 1;
		case '"':
			assembler_.Begin(CurrentName(), Kind::String);
			in_key_ = false;
			state_ = State::String;
			return p + 1;
		case 't':
			literal_ = "true";
			break;
		case 'f':
			literal_ = "false";
			break;
		case 'n':
			literal_ = "null";
			break;
		default:
			if (*p == '-' || (*p >= '0' && *p <= '9')) {
				token_.assign(1, *p);
				state_ = State::Number;
				return p + 1;
			}
			Malformed(p, "Unexpected character where a value was expected");
		}
		literal_pos_ = 1;
		state_ = State::Literal;
		return p + 1;
	}

	/* Inside a string: copy runs of plain bytes, validating UTF-8 on the way. */
	const char *ScanString(const char *p, const char *end)
	{
		const char *run = p;
		while (p < end) {
			unsigned char c = static_cast<unsigned char>(*p);
			if (utf8_need_ == 0) {
				if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
					++p;
					continue;
				}
				if (c < 0x80)
					break; /* quote, backslash or control character */
				if (c >= 0xC2 && c <= 0xDF) {
					utf8_need_ = 1;
				} else if (c == 0xE0) {
					utf8_need_ = 2;
					utf8_lower_ = 0xA0;
				} else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
					utf8_need_ = 2;
				} else if (c == 0xED) {
					utf8_need_ = 2;
					utf8_upper_ = 0x9F; /* no UTF-16 surrogates */
				} else if (c == 0xF0) {
					utf8_need_ = 3;
					utf8_lower_ = 0x90;
				} else if (c >= 0xF1 && c <= 0xF3) {
					utf8_need_ = 3;
				} else if (c == 0xF4) {
					utf8_need_ = 3;
					utf8_upper_ = 0x8F;
				} else {
					Malformed(p, "Invalid UTF-8");
				}
				++p;
			} else {
				if (c < utf8_lower_ || c > utf8_upper_)
					Malformed(p, "Invalid UTF-8");
				utf8_lower_ = 0x80;
				utf8_upper_ = 0xBF;
				--utf8_need_;
				++p;
			}
		}
		AppendString(p, run, static_cast<size_t>(p - run));
		if (p == end)
			return p;

		unsigned char c = static_cast<unsigned char>(*p);
		if (c == '"') {
			cursor_ = p;
			if (in_key_) {
				state_ = State::Colon;
			} else {
				assembler_.End();
				ValueDone();
			}
			return p + 1;
		}
		if (c == '\\') {
			state_ = State::Escape;
			return p + 1;
		}
		Malformed(p, "Unescaped control character in a string");
	}

	void Run(const char *p, const char *end)
	{
		while (p < end) {
			switch (state_) {
			case State::Start:
			case State::Value:
			case State::ValueOrArrayEnd:
				while (p < end && IsBlank(static_cast<unsigned char>(*p)))
					++p;
				if (p == end)
					return;
				if (state_ == State::ValueOrArrayEnd && *p == ']') {
					CloseContainer(p);
					++p;
					break;
				}
				if (state_ == State::Start && *p != '{')
					Malformed(p, "The top-level value is not an object");
				p = BeginValue(p);
				break;

			case State::KeyOrObjectEnd:
			case State::Key:
				while (p < end && IsBlank(static_cast<unsigned char>(*p)))
					++p;
				if (p == end)
					return;
				if (state_ == State::KeyOrObjectEnd && *p == '}') {
					CloseContainer(p);
					++p;
					break;
				}
				if (*p != '"')
					Malformed(p, "Expected a key");
				key_.clear();
				in_key_ = true;
				state_ = State::String;
				++p;
				break;

			case State::Colon:
				while (p < end && IsBlank(static_cast<unsigned char>(*p)))
					++p;
				if (p == end)
					return;
				if (*p != ':')
					Malformed(p, "Expected ':' after a key");
				state_ = State::Value;
				++p;
				break;

			case State::CommaOrEnd:
				while (p < end && IsBlank(static_cast<unsigned char>(*p)))
					++p;
				if (p == end)
					return;
				if (*p == ',') {
					state_ = stack_.back() ? State::Key : State::Value;
				} else if (*p == '}' && stack_.back()) {
					CloseContainer(p);
				} else if (*p == ']' && !stack_.back()) {
					CloseContainer(p);
				} else {
					Malformed(p, "Expected ',' or the end of the container");
				}
				++p;
				break;

			case State::String:
				p = ScanString(p, end);
				break;

			case State::Escape: {
				char out;
				switch (*p) {
				case '"':
				case '\\':
				case '/':
					out = *p;
					break;
				case 'b':
					out = '\b';
					break;
				case 'f':
					out = '\f';
					break;
				case 'n':
					out = '\n';
					break;
				case 'r':
					out = '\r';
					break;
				case 't':
					out = '\t';
					break;
				case 'u':
					unicode_ = 0;
					hex_count_ = 0;
					state_ = State::Unicode;
					++p;
					continue;
				default:
					Malformed(p, "Invalid escape sequence");
				}
				AppendString(p, &out, 1);
				state_ = State::String;
				++p;
				break;
			}

			case State::Unicode: {
				int v = HexValue(static_cast<unsigned char>(*p));
				if (v < 0)
					Malformed(p, "Invalid \\u escape");
				unicode_ = (unicode_ << 4) | static_cast<uint32_t>(v);
				++p;
				if (++hex_count_ < 4)
					break;
				HandleUnicode(p);
				break;
			}

			case State::SurrogateBackslash:
				if (*p != '\\')
					Malformed(p, "Unpaired UTF-16 surrogate in a \\u escape");
				state_ = State::SurrogateU;
				++p;
				break;

			case State::SurrogateU:
				if (*p != 'u')
					Malformed(p, "Unpaired UTF-16 surrogate in a \\u escape");
				unicode_ = 0;
				hex_count_ = 0;
				state_ = State::Unicode;
				++p;
				break;

			case State::Number: {
				const char *start = p;
				while (p < end && IsNumberChar(static_cast<unsigned char>(*p)))
					++p;
				size_t n = static_cast<size_t>(p - start);
				if (n > max_value_bytes_ - token_.size()) {
					cursor_ = p;
					ThrowProtocol(kTooLong, "A value is longer than the limit of " +
					                            std::to_string(max_value_bytes_) + " bytes (at " + Where() + ").");
				}
				token_.append(start, n);
				if (p < end)
					FinishNumber(p); /* the delimiter is read in the next state */
				break;
			}

			case State::Literal:
				if (*p != literal_[literal_pos_])
					Malformed(p, "Invalid literal");
				++p;
				if (literal_[++literal_pos_] != '\0')
					break;
				if (literal_[0] == 'n') /* null: an absent value */
					ValueDone();
				else
					EmitScalar(p, literal_);
				break;

			case State::Done:
				while (p < end && IsBlank(static_cast<unsigned char>(*p)))
					++p;
				if (p < end)
					Malformed(p, "Unexpected data after the JSON document");
				break;
			}
		}
		cursor_ = p;
	}

	void HandleUnicode(const char *p)
	{
		uint32_t u = unicode_;
		if (high_surrogate_ != 0) {
			if (u < 0xDC00 || u > 0xDFFF)
				Malformed(p, "Unpaired UTF-16 surrogate in a \\u escape");
			uint32_t cp = 0x10000 + ((high_surrogate_ - 0xD800) << 10) + (u - 0xDC00);
			high_surrogate_ = 0;
			AppendCodePoint(p, cp);
			state_ = State::String;
			return;
		}
		if (u >= 0xD800 && u <= 0xDBFF) {
			high_surrogate_ = u;
			state_ = State::SurrogateBackslash;
			return;
		}
		if (u >= 0xDC00 && u <= 0xDFFF)
			Malformed(p, "Unpaired UTF-16 surrogate in a \\u escape");
		if (u == 0)
			Malformed(p, "A \\u0000 escape (NUL cannot be stored in text)");
		AppendCodePoint(p, u);
		state_ = State::String;
	}

	TreeAssembler assembler_;
	LeadingBlankSkipper skipper_;
	size_t max_value_bytes_;

	State state_ = State::Start;
	std::vector<bool> stack_; /* open containers: true = object, false = array */
	std::string key_;         /* the current (or last) key of the innermost object */
	std::string token_;       /* the number being read */
	bool in_key_ = false;     /* the String state reads a key, not a value */
	const char *literal_ = nullptr;
	unsigned char literal_pos_ = 0;
	uint32_t unicode_ = 0;
	unsigned char hex_count_ = 0;
	uint32_t high_surrogate_ = 0;
	unsigned char utf8_need_ = 0; /* continuation bytes still expected */
	unsigned char utf8_lower_ = 0x80;
	unsigned char utf8_upper_ = 0xBF;

	uint64_t consumed_ = 0; /* bytes in the chunks before this one */
	const char *chunk_begin_ = nullptr;
	const char *cursor_ = nullptr; /* for error positions */
	std::exception_ptr failure_;
	bool finished_ = false;
};

} // namespace

std::unique_ptr<Decoder>
MakeJsonDecoder(std::string row_element, RowSink &sink, const DecoderLimits &limits)
{
	return std::make_unique<JsonDecoder>(std::move(row_element), sink, limits);
}

} // namespace orca_fdw::core::codec_detail
