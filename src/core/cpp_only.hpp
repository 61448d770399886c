/*
 * cpp_only.hpp — include LAST in every src/core file.
 *
 * The core is the "C++ regime": it may throw, own objects with destructors and
 * use the standard library freely, but it must never call PostgreSQL (whose
 * errors longjmp over C++ frames).  This guard turns an accidental
 * #include "postgres.h" into a compile error (pg_duckdb's pattern).
 */
#pragma once
#ifdef POSTGRES_H
static_assert(false, "src/core must not include PostgreSQL headers");
#endif
