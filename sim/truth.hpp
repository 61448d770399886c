// truth.hpp — GET /__sim/truth/<table>: every row ORCA holds for one of the
// wrapper's tables, each column rendered as the wrapper must render it, for
// tests that compare SQL answers with an independent truth.
//
// The rows are built by the simulator's own API handlers (patientgetv2,
// patientlst1v2, patientlst2v2, hsptinfv2, hsfindv3, hsmealv2, hsconfwardv2,
// system01lstv2), called in-process, so the truth follows every change to
// what an API answers; the column table in truth.cpp is written from the
// README, independently of the wrapper's catalog. Where several APIs carry a
// column, the first listed one gives the value and the others are compared
// with it: differences are listed under "inconsistencies" (the simulator
// contradicting itself between APIs).
#pragma once

#include <string>

#include "data.hpp"
#include "http_server.hpp"

namespace orca_sim {

// Renders the truth of `table` ("" lists the tables) for the query string of
// `request` (patient_id=, and for meals from=/to= YYYY-MM-DD) into `body`
// (JSON). Returns the HTTP status. The caller keeps registrations out while
// this runs (SimControl's gate); the handlers take the store's read lock.
int RenderTruth(DataStore& store, const std::string& table, const HttpRequest& request, std::string& body);

} // namespace orca_sim
