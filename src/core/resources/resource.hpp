/*
 * resource.hpp — what a resource file (core/resources/<name>.cpp) builds
 * on: the declaration types (catalog.hpp) and the factory of every
 * resource, `ResourceDef Name()` for each line of all.hpp.
 */
#pragma once

#include "core/catalog.hpp"

namespace orca_fdw::core::resources {

#define ORCA_RESOURCE(name) ResourceDef name();
#include "core/resources/all.hpp"
#undef ORCA_RESOURCE

} // namespace orca_fdw::core::resources
