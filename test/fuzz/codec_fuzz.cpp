/*
 * codec_fuzz.cpp — libFuzzer target for the streaming response decoder.
 *
 * The first input byte chooses where the rest is split into two Feed calls
 * (and a few options); the body is then decoded as xml2, as JSON and with
 * format sniffing.  Any core::Error is an expected outcome; crashes,
 * sanitizer reports, leaks or other exceptions are findings.
 *
 *   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *     $(pkg-config --cflags libxml-2.0) src/core/node.cpp src/core/codec*.cpp \
 *     test/fuzz/codec_fuzz.cpp -o /tmp/codec_fuzz $(pkg-config --libs libxml-2.0)
 *   /tmp/codec_fuzz -max_total_time=30 CORPUS_DIR
 */
#include "core/codec.hpp"
#include "core/error.hpp"
#include "core/node.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

namespace core = orca_fdw::core;

/* Touches everything the decoder hands out, so the sanitizers see it. */
class FuzzSink : public core::RowSink {
public:
	void OnField(const std::string &path, const std::string &value) override { total_ += path.size() + value.size(); }
	void OnRow(core::Node &&row) override
	{
		total_ += core::NodeToJson(row).size();
		if (const std::string *id = row.StringAt("Patient_ID"))
			total_ += id->size();
		core::Node taken = std::move(row);
		total_ += taken.children.size();
	}

private:
	size_t total_ = 0;
};

void
DecodeOnce(core::WireFormat format, const char *body, size_t size, size_t split, const std::string &row_element,
           const core::DecoderLimits &limits)
{
	FuzzSink sink;
	auto decoder = core::Decoder::Create(format, row_element, sink, limits);
	try {
		decoder->Feed(body, split);
		decoder->Feed(body + split, size - split);
		decoder->Finish();
	} catch (const core::Error &) {
		/* refused: fine */
	}
	(void)decoder->RecordName();
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t control = data[0];
	const char *body = reinterpret_cast<const char *>(data + 1);
	size_t body_size = size - 1;
	size_t split = body_size * control / 255;

	/* the row element is usually the one ORCA samples use; sometimes none */
	static const std::string kRowElements[] = {"Patient_Information", "", "Hospital_Stay_Infomation", "a"};
	const std::string &row_element = kRowElements[(control >> 5) & 3];

	core::DecoderLimits limits;
	if (control & 0x80) {
		limits.max_depth = 8;
		limits.max_value_bytes = 64;
	}

	DecodeOnce(core::WireFormat::Xml, body, body_size, split, row_element, limits);
	DecodeOnce(core::WireFormat::Json, body, body_size, split, row_element, limits);
	DecodeOnce(core::WireFormat::Auto, body, body_size, split, row_element, limits);
	return 0;
}
