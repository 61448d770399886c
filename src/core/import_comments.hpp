/*
 * import_comments.hpp — the COMMENT ON texts IMPORT FOREIGN SCHEMA gives
 * each table and column (BI tools and \d+ show them), built from the
 * declarations (core/resources/<name>.cpp): the declared comment
 * ("患者番号 / patient number") followed by the ORCA APIs and elements the
 * value comes from ("(patientgetv2, patientlst1v2, patientlst2v2: Patient_ID)").
 * Declarations are static text: a comment never holds patient data.
 */
#pragma once

#include "core/catalog.hpp"

#include <string>

namespace orca_fdw::core {

/* japanese: the database can store the Japanese part; when false the
 * leading "日本語 / " of a declared comment is left out (a LATIN1 database). */
std::string TableComment(const ResourceDef &r, bool japanese);
std::string ColumnComment(const ColumnDef &c, bool japanese);

/* The declared comment without its leading Japanese part ("患者番号 / "), if any. */
std::string EnglishPart(const std::string &comment);

} // namespace orca_fdw::core
