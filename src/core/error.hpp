/*
 * error.hpp — the one exception type of the core.
 *
 * Core code reports every failure as core::Error.  The boundary in
 * src/pg/guard.cpp catches it, copies the texts into palloc'd memory, leaves
 * the catch scope and only then calls ereport, mapping ErrorKind to an
 * SQLSTATE of the FDW class.
 */
#pragma once

#include <exception>
#include <string>

namespace orca_fdw::core {

enum class ErrorKind {
	Internal,       /* a bug: can't happen */
	InvalidOption,  /* bad option value or combination */
	Connection,     /* DNS, TCP, TLS: could not reach the server */
	Timeout,        /* connect_timeout / request_timeout elapsed */
	Cancelled,      /* the CancelToken fired: the boundary runs CHECK_FOR_INTERRUPTS */
	Http,           /* HTTP status other than 200 (5xx, 405, ...) */
	Auth,           /* HTTP 401 */
	NotFound,       /* HTTP 404 (unknown path, or ORCA's "user not registered") */
	ApiResult,      /* HTTP 200 with a failing Api_Result */
	Protocol,       /* malformed, truncated or hostile body */
	TooLarge,       /* body exceeded max_response_size */
	CircuitOpen,    /* the per-server circuit breaker refuses calls */
	Unsupported,    /* a statement the wrapper cannot run (e.g. DELETE where ORCA has no API) */
	InvalidValue,   /* a value the wrapper cannot send or decode (bad date, wrong width, ...) */
	MissingQual,    /* a required WHERE condition is missing */
};

struct Error : std::exception {
	ErrorKind kind;
	std::string message; /* primary: lowercase, no final period */
	std::string detail;  /* full sentences, may be empty */
	std::string hint;    /* full sentences, may be empty */
	std::string api_result; /* ORCA Api_Result when kind == ApiResult */
	/* A fact from the transport, not from any message text: true when no byte
	 * of the request was written (or the TLS handshake never finished), so the
	 * server cannot have acted on it.  False means "may have been received". */
	bool nothing_sent = false;

	Error(ErrorKind k, std::string msg, std::string det = {}, std::string hnt = {})
		: kind(k), message(std::move(msg)), detail(std::move(det)), hint(std::move(hnt))
	{
	}
	const char *what() const noexcept override { return message.c_str(); }
};

} // namespace orca_fdw::core
