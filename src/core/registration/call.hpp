/*
 * call.hpp — one registration call and what it means (classify.cpp), and
 * the values of ORCA's answer for RETURNING (answer.cpp).
 */
#pragma once

#include "core/http.hpp"
#include "core/registration/registration.hpp"

#include <string>
#include <vector>

namespace orca_fdw::core {

/* Send once (HttpRequest.retry_safe = false: never resent) and classify;
 * never throws. */
RegResult Execute(HttpClient &client, const Registration &reg, const CancelToken &cancel) noexcept;

/* The error to report for a failed registration.  `before` lists what this
 * transaction registered already (kept by ORCA), `not_sent` what will not be sent. */
Error FailureError(const Registration &reg, const RegResult &result, const std::string &before,
                   const std::string &not_sent);

/* Values of the resource's columns in ORCA's answer, for RETURNING, shown
 * as SELECT shows them (ColumnText with the table's trim_values).  An
 * update's insurance combinations are not taken from the answer (class=02
 * does not change them, and its echo carries fewer of their fields than
 * patientgetv2): the row keeps the value SELECT gave it. */
std::vector<AnswerValue> AnswerValues(const ResourceDef &r, const Registration &reg, const RegResult &result,
                                      const std::string &perform_date, bool trim_values);

} // namespace orca_fdw::core
