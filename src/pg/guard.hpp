/*
 * guard.hpp — the error wall between PostgreSQL and the C++ core.
 *
 * RunGuarded(fn) runs C++ code (which may throw but must not call PG).  A
 * thrown core::Error (or any exception) is copied into a static buffer
 * inside the catch block — no allocation there — and the catch scope is left
 * before ereport longjmps, so no exception object or C++ frame with a
 * destructor is ever skipped.  Frames that call RunGuarded must themselves
 * hold only trivially destructible locals.
 *
 * Error(Cancelled) comes from a CancelToken that saw QueryCancelPending or
 * ProcDiePending: the guard then runs CHECK_FOR_INTERRUPTS() so PostgreSQL
 * raises its own error (57014 "canceling statement due to statement
 * timeout" / "user request", or FATAL for terminate).
 */
#pragma once

#include "core/error.hpp"
#include "core/http.hpp"

#include "pg/pg.hpp"

namespace orca_fdw::pg {

struct CapturedError {
	core::ErrorKind kind;
	char message[1024];
	char detail[4096];
	char hint[1024];
	char api_result[16];
};

void Capture(const core::Error &e, CapturedError *out) noexcept;
void CaptureOther(const char *what, CapturedError *out) noexcept;
[[noreturn]] void ReportCaptured(const CapturedError *err);

/* Runs fn; returns false with *err filled when it threw. */
template <typename Fn>
bool
TryCore(Fn &&fn, CapturedError *err) noexcept
{
	try {
		fn();
		return true;
	} catch (const core::Error &e) {
		Capture(e, err);
	} catch (const std::bad_alloc &) {
		CaptureOther("out of memory in orca_fdw", err);
		err->kind = core::ErrorKind::Internal;
	} catch (const std::exception &e) {
		CaptureOther(e.what(), err);
	} catch (...) {
		CaptureOther("unknown C++ exception", err);
	}
	return false;
}

CapturedError *GuardBuffer();

template <typename Fn>
void
RunGuarded(Fn &&fn)
{
	CapturedError *err = GuardBuffer();
	if (!TryCore(fn, err))
		ReportCaptured(err);
}

/* Reads the backend's pending-interrupt flags; never longjmps. */
class PgCancelToken final : public core::CancelToken {
public:
	bool Cancelled() const noexcept override;
};
const core::CancelToken &CancelToken();

} // namespace orca_fdw::pg
