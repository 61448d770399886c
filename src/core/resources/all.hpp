/*
 * all.hpp — every resource, one line each, in the order IMPORT FOREIGN
 * SCHEMA creates their tables.  ORCA_RESOURCE(Name) registers the
 * declaration that core/resources/<name>.cpp returns from
 * `ResourceDef resources::Name()`.  A new resource is its file and one line
 * here (as PostgreSQL's rmgrlist.h lists the resource managers).
 *
 * No include guard: included with ORCA_RESOURCE defined (resource.hpp,
 * registry.cpp).
 */
ORCA_RESOURCE(Patients)
ORCA_RESOURCE(Admissions)
ORCA_RESOURCE(Meals)
ORCA_RESOURCE(Wards)
ORCA_RESOURCE(Rooms)
ORCA_RESOURCE(Departments)
ORCA_RESOURCE(Doctors)
ORCA_RESOURCE(Visits)
ORCA_RESOURCE(Diseases)
