/*
 * builders.hpp — from a row to the request of a registration, per resource
 * family (patients.cpp, admissions.cpp, meals.cpp).  Each builder checks the
 * values first (checks.cpp: missing required columns, half-width names,
 * future birth dates, control characters, meal codes) and throws
 * Error(InvalidValue) naming the column, never echoing the value.
 *
 * The entry points are named per operation and stay stable: the resources'
 * declarations point at them.
 */
#pragma once

#include "core/http.hpp"
#include "core/registration/registration.hpp"

#include <map>
#include <string>
#include <vector>

namespace orca_fdw::core {

/* ---- patients (patientmodv2) ---------------------------------------------------- */

/* INSERT INTO patients: class=01; patient_id NULL → "*". `today` is YYYY-MM-DD. */
Registration BuildPatientInsert(const ResourceDef &r, const RowImage &row, const std::string &today,
                                const std::string &table);
/* True when the table lacks a field class=02 rewrites: the current record
 * (patientgetv2) must then supply it, or the update would blank it.  It
 * depends only on which columns the row has, not on their values. */
bool PatientUpdateNeedsCurrent(const ResourceDef &r, const RowImage &newrow);
/*
 * ORCA's own values.  Real servers pad names with U+3000 and answer a lone
 * U+3000 for empty fields; with trim_values the row shows them cleaned.
 * class=02 matches the patient by names (Mod_Key 2) and rewrites every
 * field, class=03 matches by names, so the builders send ORCA's raw value
 * wherever the row's value equals it as SELECT shows it (with trim_values:
 * after cleaning both; without: exactly): identifying values match, and a
 * value the user did not change stays as ORCA holds it (a rewritten name
 * would also add a former-name entry in ORCA).  A value the user changed is
 * sent as given.
 *
 * `current` is the patientgetv2 record, read before the registration; it
 * must be given whenever the old row's values may differ from ORCA's (the
 * scan cleaned some of them).  Without it the old row's values are taken as
 * ORCA's own (trim_values off, or nothing was cleaned).
 */
/* UPDATE patients: class=02.  Mod_Key 1 (match by id + sex + birth date) when
 * names change, Mod_Key 2 (match by id + names) when sex or birth date change. */
Registration BuildPatientUpdate(const ResourceDef &r, const RowImage &newrow, const RowImage &oldrow,
                                const Node *current, const std::string &today, const std::string &table,
                                bool trim_values);
/* DELETE FROM patients: class=03 with the row's id, names, sex, birth date. */
Registration BuildPatientDelete(const ResourceDef &r, const RowImage &oldrow, const Node *current,
                                const std::string &table, bool trim_values);
/* patientgetv2 for one patient (a read; retried as reads are): `current` above. */
Node FetchPatient(HttpClient &client, const std::string &patient_id, const CancelToken &cancel);
/* The same for the old row of an UPDATE/DELETE: its patient_id, or an error
 * naming the missing column. */
Node FetchPatientOf(HttpClient &client, const ResourceDef &r, const RowImage &oldrow, const std::string &table,
                    const CancelToken &cancel);

/* ---- admissions (hsptinfmodv2) -------------------------------------------------- */

/* INSERT INTO admissions: Request_Number 01. */
Registration BuildAdmission(const ResourceDef &r, const RowImage &row, const std::string &table);
/* UPDATE admissions: discharge (02), discharge cancel (07), or a transfer
 * (08) when ward_number, room_number or department_code change, dated
 * `transfer_date` (orca_fdw.transfer_date; "" = `today`, YYYY-MM-DD); false
 * when nothing changes (no call). */
bool BuildAdmissionUpdate(const ResourceDef &r, const RowImage &newrow, const RowImage &oldrow,
                          const std::string &table, const std::string &today, const std::string &transfer_date,
                          Registration *out);

/* ---- meals (hsacctmodv2) -------------------------------------------------------- */

MealRow CheckMealRow(const ResourceDef &r, const RowImage &row, const std::string &table);

/* Finds the admission a day belongs to (hsptinfv2, one call per patient,
 * cached).  Throws Error(InvalidValue) when no stay covers the day. */
class AdmissionLookup {
public:
	explicit AdmissionLookup(HttpClient &client) : client_(client) {}
	std::string Find(const std::string &patient_id, const std::string &day, const CancelToken &cancel);
	uint64_t Calls() const { return calls_; }

private:
	struct Stay {
		long from, to; /* day numbers; open end = far future */
		std::string admission;
	};
	HttpClient &client_;
	std::map<std::string, std::vector<Stay>> stays_;
	uint64_t calls_ = 0;
};

/* Meals rows (admission dates filled) → hsacctmodv2 calls: one call per
 * patient, admission and month when each meal time has one code, more when
 * a meal time has several (a call carries each Meal_Time once, max 3). */
std::vector<Registration> BuildMealCalls(const std::vector<MealRow> &rows);

} // namespace orca_fdw::core
