/*
 * registry.hpp — every resource the wrapper exposes (core/resources/all.hpp),
 * each declaration checked when the registry is built (on first use):
 *   - every column has a source, and every source is an API the resource's
 *     scan calls (a list's call, or the hooks' declared calls);
 *   - every key condition names a column and an endpoint the scan calls;
 *   - the resource is read by a list or by both hooks, never by neither;
 *   - names are unique.
 * A declaration that breaks a rule is Error(Internal) naming the resource
 * and the rule: every query fails loudly, none reads NULLs or falls through
 * to another resource's planner.  An unknown resource name is nullptr from
 * FindResource, which the callers turn into an error.
 */
#pragma once

#include "core/catalog.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace orca_fdw::core {

const std::vector<ResourceDef> &Resources();
/* nullptr when no resource has that name. */
const ResourceDef *FindResource(std::string_view name);
/* "patients, admissions, meals, ..." for hints. */
std::string ResourceNames();

/* The registry's rules for one declaration (resolves its key columns);
 * throws Error(Internal) naming the rule it breaks. */
void CheckDeclaration(ResourceDef &r);

} // namespace orca_fdw::core
