# Installation and the Debian package.
#
#   cmake --install build --prefix /usr/local     (or DESTDIR=... for a staged install)
#   cmake --build build --target package          (`make package`: build/rolloutlab_<v>_<arch>.deb)
#
# Layout under the prefix:
#   bin/rolloutlab, bin/rolloutlab-gui
#   share/rolloutlab/scenarios/library/   the bundled scenario library (app::bundledScenarioLibrary
#                                         finds it from the executable's directory)
#   share/rolloutlab/examples/            the example GitOps repo
#   share/man/man1/rolloutlab*.1.gz       generated from --help by help2man, when it is installed
#   share/bash-completion/completions/, share/zsh/vendor-completions/   generated from --help
#   share/doc/rolloutlab/                 README.md, copyright (the Apache-2.0 LICENSE)
# The executables link rolloutlab's own libraries statically: the package ships no private
# shared library, so no RPATH is needed.
include(GNUInstallDirs)

install(TARGETS rolloutlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET rolloutlab-gui)
  install(TARGETS rolloutlab-gui RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY "${PROJECT_SOURCE_DIR}/scenarios/library/"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/rolloutlab/scenarios/library)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/examples/"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/rolloutlab/examples)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# Man pages and shell completions, generated from the executables' --help after they are
# linked, so they follow the commands as they change.
# Debian's python3 (install-deps.sh lists it) before any other one on PATH.
find_program(ROLLOUTLAB_PYTHON3_EXECUTABLE python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(ROLLOUTLAB_PYTHON3_EXECUTABLE python3 REQUIRED)
find_program(ROLLOUTLAB_HELP2MAN_EXECUTABLE help2man)
if(NOT ROLLOUTLAB_HELP2MAN_EXECUTABLE)
  message(STATUS "help2man not found: no man pages (Debian package help2man)")
endif()
set(_docs "${CMAKE_BINARY_DIR}/cli-docs")
set(_gen_args --cli $<TARGET_FILE:rolloutlab> --out "${_docs}" --version ${PROJECT_VERSION})
if(ROLLOUTLAB_HELP2MAN_EXECUTABLE)
  list(APPEND _gen_args --help2man "${ROLLOUTLAB_HELP2MAN_EXECUTABLE}")
else()
  list(APPEND _gen_args --help2man "")
endif()
set(_gen_deps rolloutlab "${PROJECT_SOURCE_DIR}/scripts/gen-cli-docs.py")
if(TARGET rolloutlab-gui)
  list(APPEND _gen_args --gui $<TARGET_FILE:rolloutlab-gui>)
  list(APPEND _gen_deps rolloutlab-gui)
endif()
add_custom_command(
  OUTPUT "${_docs}/stamp"
  COMMAND "${ROLLOUTLAB_PYTHON3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/scripts/gen-cli-docs.py" ${_gen_args}
  COMMAND ${CMAKE_COMMAND} -E touch "${_docs}/stamp"
  DEPENDS ${_gen_deps}
  COMMENT "Generating man pages and shell completions from --help"
  VERBATIM)
add_custom_target(rolloutlab_cli_docs ALL DEPENDS "${_docs}/stamp")
install(DIRECTORY "${_docs}/man/" DESTINATION ${CMAKE_INSTALL_MANDIR})
install(DIRECTORY "${_docs}/bash-completion/completions/"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES "${_docs}/zsh/vendor-completions/_rolloutlab"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

# The Debian package: Depends computed by dpkg-shlibdeps (Debian package dpkg-dev; CPack also
# needs `file`, Debian package file, to find the ELF files).
find_program(ROLLOUTLAB_DPKG_SHLIBDEPS_EXECUTABLE dpkg-shlibdeps)
find_program(ROLLOUTLAB_FILE_EXECUTABLE file)
set(ROLLOUTLAB_PACKAGE_CONTACT "rolloutlab maintainers <maintainers@rolloutlab.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rolloutlab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ROLLOUTLAB_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "workbench for Flagger and Argo Rollouts canary specs")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "rolloutlab loads the Canary and Rollout specs of a GitOps repo and drives them,
through engines that decide as the Flagger and Argo Rollouts controllers do, with
scripted, synthesized or recorded traffic and metrics. It measures what each spec
does to users (false rollbacks, missed regressions, time to promote) and runs
canary statistics. A CLI (rolloutlab) and a Qt desktop workbench (rolloutlab-gui).")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Always on: without dpkg-shlibdeps `make package` fails rather than write a package with
# no Depends.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What dpkg-shlibdeps cannot see: the GUI loads Qt's platform plugins (xcb, offscreen) at run
# time, and libqt6gui6 only recommends them.
if(TARGET rolloutlab-gui)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
endif()
if(NOT ROLLOUTLAB_DPKG_SHLIBDEPS_EXECUTABLE OR NOT ROLLOUTLAB_FILE_EXECUTABLE)
  message(STATUS "dpkg-shlibdeps or file not found: `make package` will fail "
                 "(Debian packages dpkg-dev, file)")
endif()
include(CPack)
