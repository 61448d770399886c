# orca_version.cmake — the extension's version from orca_fdw.control's
# default_version, the one place it is written (CONTRIBUTING.md, "Releasing").
#
# include()d by CMakeLists.txt, it sets ORCA_FDW_VERSION.  Run as a script it
# prints the version, which is how test/package_test.sh checks that CMake reads
# the same version as the Makefile:
#   cmake -P cmake/orca_version.cmake
get_filename_component(_orca_top "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
file(STRINGS "${_orca_top}/orca_fdw.control" _orca_line REGEX "^default_version[ \t]*=")
if(NOT _orca_line MATCHES "'([^']+)'")
	message(FATAL_ERROR "orca_fdw.control has no default_version = '...' line")
endif()
set(ORCA_FDW_VERSION "${CMAKE_MATCH_1}")
if(CMAKE_SCRIPT_MODE_FILE)
	# message(NOTICE) goes to stderr; the script's answer goes to stdout
	execute_process(COMMAND ${CMAKE_COMMAND} -E echo "${ORCA_FDW_VERSION}")
endif()
