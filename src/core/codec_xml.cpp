/*
 * codec_xml.cpp — the xml2 front end of the response decoder (libxml2).
 *
 * Why the push parser with SAX2 callbacks and not xmlTextReader: body bytes
 * arrive in chunks from the network and the scan loop must get control back
 * after each chunk.  The reader pulls its input through a read callback, so it
 * would either block for more data inside libxml2 or need the whole body
 * buffered first; xmlParseChunk takes whatever arrived and returns.  SAX also
 * builds no tree: elements go straight to the TreeAssembler, which keeps only
 * the row under construction.
 *
 * libxml2 is shared with PostgreSQL in the backend, so nothing here touches
 * its global state: errors come through this context's own SAX `serror`
 * handler (which also keeps libxml2 from printing them), options are set per
 * context (XML_PARSE_NONET; no NOENT, DTDLOAD or HUGE), and any DOCTYPE is
 * refused as soon as libxml2 reports it, before an internal subset or entity
 * declaration is even read.
 *
 * SAX callbacks never throw through libxml2: a failure (ours, the limits, or
 * an exception from the sink) is captured as an exception_ptr, the parser is
 * stopped with xmlStopParser, and Feed/Finish rethrow once xmlParseChunk has
 * returned.
 */
#include "core/codec_internal.hpp"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "core/cpp_only.hpp"

namespace orca_fdw::core::codec_detail {

namespace {

#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError *;
#else
using XmlErrorArg = xmlErrorPtr;
#endif

constexpr std::string_view kRootName = "xmlio2";
constexpr size_t kMaxLibxmlMessage = 200;
constexpr int kMaxChunk = INT_MAX / 2;

std::string_view
View(const xmlChar *s)
{
	return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char *>(s));
}

Kind
ParseType(const xmlChar *begin, const xmlChar *end)
{
	std::string_view value(reinterpret_cast<const char *>(begin), static_cast<size_t>(end - begin));
	if (value == "string")
		return Kind::String;
	if (value == "record")
		return Kind::Record;
	if (value == "array")
		return Kind::Array;
	return Kind::Unknown;
}

/* libxml2's message, first line only and without the "Bytes: 0x.." dump of
 * bad input that encoding errors carry: details never show body content. */
std::string
CleanLibxmlMessage(const char *message)
{
	if (message == nullptr)
		return "unknown error";
	std::string_view text(message);
	text = text.substr(0, text.find('\n'));
	size_t bytes = text.find("Bytes:");
	if (bytes != std::string_view::npos)
		text = text.substr(0, bytes);
	while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '.'))
		text.remove_suffix(1);
	if (text.size() > kMaxLibxmlMessage)
		text = text.substr(0, kMaxLibxmlMessage);
	return std::string(text);
}

class XmlDecoder final : public Decoder, private PositionSource {
public:
	XmlDecoder(std::string row_element, RowSink &sink, const DecoderLimits &limits)
		: assembler_(std::move(row_element), sink, limits, *this), skipper_(kMalformedXml)
	{
		xmlSAXHandler sax;
		std::memset(&sax, 0, sizeof(sax));
		sax.initialized = XML_SAX2_MAGIC;
		sax.startElementNs = &XmlDecoder::OnStartElement;
		sax.endElementNs = &XmlDecoder::OnEndElement;
		sax.characters = &XmlDecoder::OnCharacters;
		sax.ignorableWhitespace = &XmlDecoder::OnCharacters; /* keep blanks whatever the globals say */
		sax.cdataBlock = &XmlDecoder::OnCharacters;
		sax.internalSubset = &XmlDecoder::OnDoctype;
		sax.externalSubset = &XmlDecoder::OnDoctype;
		sax.entityDecl = &XmlDecoder::OnEntityDecl;
		sax.getEntity = &XmlDecoder::OnGetEntity;
		sax.serror = &XmlDecoder::OnError;

		ctxt_ = xmlCreatePushParserCtxt(&sax, this, nullptr, 0, nullptr);
		if (ctxt_ == nullptr)
			throw Error(ErrorKind::Internal, "could not create an XML parser");
		/* Per-context options; without NOENT/DTDLOAD/HUGE this also resets
		 * replaceEntities and loadsubset whatever libxml2's globals hold.
		 * ORCA bodies are UTF-8: the input is fixed to UTF-8 and an encoding
		 * declaration is ignored (IGNORE_ENC), so libxml2 never installs a
		 * converter — its conversion errors bypass the context's handler,
		 * print to stderr and stop the parser without a report.  Bytes that
		 * are not UTF-8 are then an ordinary, reported parse error. */
		xmlCtxtUseOptions(ctxt_, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
		xmlSwitchEncoding(ctxt_, XML_CHAR_ENCODING_UTF8);
	}

	~XmlDecoder() override
	{
		if (ctxt_ != nullptr)
			xmlFreeParserCtxt(ctxt_);
	}

	XmlDecoder(const XmlDecoder &) = delete;
	XmlDecoder &operator=(const XmlDecoder &) = delete;

	void Feed(const char *data, size_t len) override
	{
		if (failure_)
			std::rethrow_exception(failure_);
		if (finished_)
			throw Error(ErrorKind::Internal, "response decoder fed after the end of the body");
		try {
			size_t skip = skipper_.Skip(data, len);
			data += skip;
			len -= skip;
		} catch (...) {
			failure_ = std::current_exception();
			throw;
		}
		while (len > 0) {
			int n = static_cast<int>(std::min<size_t>(len, kMaxChunk));
			int rc = xmlParseChunk(ctxt_, data, n, 0);
			CheckAfterParse(rc, false);
			data += n;
			len -= static_cast<size_t>(n);
		}
	}

	void Finish() override
	{
		if (failure_)
			std::rethrow_exception(failure_);
		if (finished_)
			return;
		finished_ = true;
		if (!skipper_.SawContent())
			Raise(Error(ErrorKind::Protocol, kEmptyBody));
		terminating_ = true;
		int rc = xmlParseChunk(ctxt_, nullptr, 0, 1);
		/* At the end of input libxml2 reports a start tag cut short ("<Patient_I")
		 * to SAX before it notices the missing '>', so a check on that element
		 * (root name, depth, shape) may have fired: the body is truncated. */
		if (failure_ && start_failed_at_end_ && !assembler_.Complete())
			failure_ = std::make_exception_ptr(Error(ErrorKind::Protocol, kTruncated,
			                                         "The body ends before the XML document is complete (at " +
			                                             Where() + ")."));
		CheckAfterParse(rc, true);
		if (!assembler_.Complete())
			Raise(Error(ErrorKind::Protocol, kTruncated,
			            "The body ends before the XML document is complete (at " + Where() + ")."));
		if (!assembler_.HasRecord())
			Raise(Error(ErrorKind::Protocol, kNoRecord, "The root element <xmlio2> is empty."));
	}

	const std::string &RecordName() const override { return assembler_.RecordName(); }

private:
	std::string Where() const override
	{
		return "line " + std::to_string(xmlSAX2GetLineNumber(ctxt_)) + ", column " +
		       std::to_string(xmlSAX2GetColumnNumber(ctxt_));
	}

	[[noreturn]] void Raise(const Error &error)
	{
		failure_ = std::make_exception_ptr(error);
		throw error;
	}

	/* After xmlParseChunk: rethrow a failure from a callback, or turn a
	 * libxml2 error (reported, or only in the return code) into ours. */
	void CheckAfterParse(int rc, bool at_finish)
	{
		if (failure_)
			std::rethrow_exception(failure_);
		if (!xml_error_seen_ && ctxt_->wellFormed != 0 && rc == XML_ERR_OK)
			return;
		std::string where = xml_error_seen_ ? "line " + std::to_string(xml_error_line_) + ", column " +
		                                            std::to_string(xml_error_column_)
		                                    : Where();
		std::string what = xml_error_seen_ && !xml_error_message_.empty()
		                       ? xml_error_message_
		                       : "error code " + std::to_string(rc != XML_ERR_OK ? rc : ctxt_->errNo);
		if (at_finish && !assembler_.Complete())
			Raise(Error(ErrorKind::Protocol, kTruncated,
			            "The body ends before the XML document is complete; the XML parser reported \"" + what +
			                "\" at " + where + "."));
		Raise(Error(ErrorKind::Protocol, kMalformedXml,
		            "The XML parser reported \"" + what + "\" at " + where + "."));
	}

	/* Once anything went wrong, later events are ignored: libxml2 goes on
	 * after a non-fatal error, and the sink must not see more of a body
	 * that will be refused. */
	bool Stopped() const { return failure_ || xml_error_seen_; }

	/* From a callback: remember why, and stop libxml2. */
	void Stop(std::exception_ptr failure) noexcept
	{
		if (!failure_)
			failure_ = std::move(failure);
		xmlStopParser(ctxt_);
	}

	static void OnStartElement(void *ctx, const xmlChar *localname, const xmlChar * /*prefix*/,
	                           const xmlChar * /*uri*/, int /*nb_namespaces*/, const xmlChar ** /*namespaces*/,
	                           int nb_attributes, int /*nb_defaulted*/, const xmlChar **attributes) noexcept
	{
		auto *self = static_cast<XmlDecoder *>(ctx);
		if (self->Stopped())
			return;
		try {
			std::string_view name = View(localname);
			Kind kind = Kind::Unknown;
			/* attributes: (localname, prefix, URI, value, value end) per attribute */
			for (int i = 0; i < nb_attributes; ++i) {
				const xmlChar **attribute = attributes + 5 * i;
				if (attribute[1] == nullptr && View(attribute[0]) == "type")
					kind = ParseType(attribute[3], attribute[4]);
			}
			if (self->assembler_.Depth() == 0 && name != kRootName)
				ThrowProtocol(kBadRoot, "The root element is " + QuoteName(name) + ", not \"xmlio2\".");
			self->assembler_.Begin(name, kind);
		} catch (...) {
			/* Begin never calls the sink: this is one of our own checks */
			self->start_failed_at_end_ = self->terminating_;
			self->Stop(std::current_exception());
		}
	}

	static void OnEndElement(void *ctx, const xmlChar * /*localname*/, const xmlChar * /*prefix*/,
	                         const xmlChar * /*uri*/) noexcept
	{
		auto *self = static_cast<XmlDecoder *>(ctx);
		if (self->Stopped())
			return;
		try {
			self->assembler_.End();
		} catch (...) {
			self->Stop(std::current_exception());
		}
	}

	static void OnCharacters(void *ctx, const xmlChar *ch, int len) noexcept
	{
		auto *self = static_cast<XmlDecoder *>(ctx);
		if (self->Stopped() || len <= 0)
			return;
		try {
			self->assembler_.Text(reinterpret_cast<const char *>(ch), static_cast<size_t>(len));
		} catch (...) {
			self->Stop(std::current_exception());
		}
	}

	/* internalSubset fires as soon as `<!DOCTYPE name ...` has been read, before
	 * any `[ ... ]` subset: refusing here means no entity is ever declared. */
	static void OnDoctype(void *ctx, const xmlChar * /*name*/, const xmlChar * /*external_id*/,
	                      const xmlChar * /*system_id*/) noexcept
	{
		auto *self = static_cast<XmlDecoder *>(ctx);
		self->RefuseDoctype();
	}

	static void OnEntityDecl(void *ctx, const xmlChar * /*name*/, int /*type*/, const xmlChar * /*public_id*/,
	                         const xmlChar * /*system_id*/, xmlChar * /*content*/) noexcept
	{
		auto *self = static_cast<XmlDecoder *>(ctx);
		self->RefuseDoctype();
	}

	/* Only the five predefined entities exist (libxml2 resolves them before
	 * asking); anything else is undeclared, which is a fatal error. */
	static xmlEntityPtr OnGetEntity(void * /*ctx*/, const xmlChar * /*name*/) noexcept { return nullptr; }

	void RefuseDoctype() noexcept
	{
		if (failure_)
			return;
		try {
			Stop(std::make_exception_ptr(
				Error(ErrorKind::Protocol, kDoctype,
			          "ORCA responses never declare a document type; DOCTYPE and entity declarations are "
			          "refused (at " + Where() + ").")));
		} catch (...) {
			Stop(std::current_exception());
		}
	}

	static void OnError(void *ctx, XmlErrorArg error) noexcept
	{
		auto *self = static_cast<XmlDecoder *>(ctx);
		if (self == nullptr || error == nullptr || error->level < XML_ERR_ERROR || self->xml_error_seen_)
			return;
		try {
			self->xml_error_message_ = CleanLibxmlMessage(error->message);
			self->xml_error_line_ = error->line;
			self->xml_error_column_ = error->int2;
			self->xml_error_seen_ = true;
		} catch (...) {
			/* out of memory while copying the message: keep the flag */
			self->xml_error_seen_ = true;
		}
	}

	TreeAssembler assembler_;
	LeadingBlankSkipper skipper_;
	xmlParserCtxtPtr ctxt_ = nullptr;
	std::exception_ptr failure_;
	bool finished_ = false;
	bool terminating_ = false;        /* inside the final xmlParseChunk */
	bool start_failed_at_end_ = false; /* a start-tag check failed there */

	/* the first libxml2 error, copied out of its xmlError */
	bool xml_error_seen_ = false;
	int xml_error_line_ = 0;
	int xml_error_column_ = 0;
	std::string xml_error_message_;
};

} // namespace

std::unique_ptr<Decoder>
MakeXmlDecoder(std::string row_element, RowSink &sink, const DecoderLimits &limits)
{
	return std::make_unique<XmlDecoder>(std::move(row_element), sink, limits);
}

} // namespace orca_fdw::core::codec_detail
