/*
 * guard.cpp — converting core errors into PostgreSQL errors (see guard.hpp).
 */
#include "pg/guard.hpp"

#include <cstring>

namespace orca_fdw::pg {

namespace {

void
CopyText(char *dst, size_t size, const char *src) noexcept
{
	if (!src)
		src = "";
	size_t n = std::strlen(src);
	if (n >= size) {
		n = size - 1;
		/* do not cut a UTF-8 sequence in half */
		while (n > 0 && (static_cast<unsigned char>(src[n]) & 0xC0) == 0x80)
			n--;
	}
	std::memcpy(dst, src, n);
	dst[n] = '\0';
}

CapturedError guard_buffer;
PgCancelToken cancel_token;

int
SqlState(core::ErrorKind kind)
{
	switch (kind) {
	case core::ErrorKind::InvalidOption: return ERRCODE_FDW_INVALID_OPTION_NAME;
	case core::ErrorKind::Connection:
	case core::ErrorKind::Auth:
	case core::ErrorKind::NotFound:
	case core::ErrorKind::CircuitOpen: return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
	case core::ErrorKind::Timeout:
	case core::ErrorKind::Http:
	case core::ErrorKind::ApiResult: return ERRCODE_FDW_ERROR;
	case core::ErrorKind::Protocol:
	case core::ErrorKind::TooLarge: return ERRCODE_FDW_UNABLE_TO_CREATE_REPLY;
	case core::ErrorKind::Unsupported:
	case core::ErrorKind::MissingQual: return ERRCODE_FDW_UNABLE_TO_CREATE_EXECUTION;
	case core::ErrorKind::InvalidValue: return ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE;
	case core::ErrorKind::Cancelled: return ERRCODE_QUERY_CANCELED;
	case core::ErrorKind::Internal: break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

} // namespace

void
Capture(const core::Error &e, CapturedError *out) noexcept
{
	out->kind = e.kind;
	CopyText(out->message, sizeof(out->message), e.message.c_str());
	CopyText(out->detail, sizeof(out->detail), e.detail.c_str());
	CopyText(out->hint, sizeof(out->hint), e.hint.c_str());
	CopyText(out->api_result, sizeof(out->api_result), e.api_result.c_str());
}

void
CaptureOther(const char *what, CapturedError *out) noexcept
{
	out->kind = core::ErrorKind::Internal;
	CopyText(out->message, sizeof(out->message), "internal error in orca_fdw");
	CopyText(out->detail, sizeof(out->detail), what);
	out->hint[0] = '\0';
	out->api_result[0] = '\0';
}

CapturedError *
GuardBuffer()
{
	return &guard_buffer;
}

void
ReportCaptured(const CapturedError *err)
{
	if (err->kind == core::ErrorKind::Cancelled) {
		/* Let PostgreSQL raise the real error (statement timeout, cancel, terminate). */
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("canceling ORCA request")));
	}
	/* Copy out of the static buffer: ereport may run code that guards again. */
	char *message = pstrdup(err->message);
	char *detail = err->detail[0] ? pstrdup(err->detail) : nullptr;
	char *hint = err->hint[0] ? pstrdup(err->hint) : nullptr;
	int sqlstate = SqlState(err->kind);
	ereport(ERROR, (errcode(sqlstate), errmsg_internal("%s", message), detail ? errdetail_internal("%s", detail) : 0,
	                hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

bool
PgCancelToken::Cancelled() const noexcept
{
	return QueryCancelPending || ProcDiePending;
}

const core::CancelToken &
CancelToken()
{
	return cancel_token;
}

} // namespace orca_fdw::pg
