/*
 * version.hpp — the extension's version, as orca_fdw.control's default_version
 * says.  Both builds read it from there and pass it as ORCA_FDW_VERSION
 * (Makefile: PG_CPPFLAGS; CMakeLists.txt: orca_core's compile definitions);
 * bump the version in orca_fdw.control only (CONTRIBUTING.md, "Releasing").
 */
#pragma once

#ifndef ORCA_FDW_VERSION
#error "ORCA_FDW_VERSION is defined by the build from orca_fdw.control (Makefile, CMakeLists.txt)"
#endif

namespace orca_fdw::core {

/* sent with every request; ORCA's access logs name the client by it */
inline constexpr char kUserAgent[] = "orca_fdw/" ORCA_FDW_VERSION;

} // namespace orca_fdw::core
