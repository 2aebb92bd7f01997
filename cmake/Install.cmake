# Install layout beyond the two binaries: man pages (built from docs/man/*.scd
# with scdoc, skipped when scdoc is missing), bash completion, the packaged
# /etc/ackd/ackd.conf and the systemd files of systemd/ (those present).
# GNUInstallDirs paths, so -DCMAKE_INSTALL_PREFIX=P gives the same tree under P.

include(GNUInstallDirs)

# Installs FILE (as NAME) into USR_DIR when the prefix is /usr, else into
# <prefix>/OTHER_DIR. Decided at install time, so that cmake --install
# --prefix /usr puts the configuration in /etc (GNUInstallDirs' rule, and the
# path ackd reads by default) and the units where systemd looks for them, and
# any other prefix keeps every file under it.
function(ackd_install_by_prefix file usr_dir other_dir name)
  install(CODE "
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(ackd_dir \"${usr_dir}\")
    else()
      set(ackd_dir \"\${CMAKE_INSTALL_PREFIX}/${other_dir}\")
    endif()
    file(INSTALL DESTINATION \"\${ackd_dir}\" TYPE FILE RENAME \"${name}\" FILES \"${file}\")")
endfunction()

# --- man pages -----------------------------------------------------------------

find_program(ACKD_SCDOC scdoc DOC "scdoc, the man page generator")
option(ACKD_BUILD_MAN "Build and install the man pages (needs scdoc)" ON)
set(ackd_man_pages ackd.8 ackctl.1 ackd.conf.5)

if(ACKD_BUILD_MAN AND ACKD_SCDOC)
  set(man_outputs)
  foreach(page IN LISTS ackd_man_pages)
    set(source ${PROJECT_SOURCE_DIR}/docs/man/${page}.scd)
    set(output ${PROJECT_BINARY_DIR}/man/${page})
    # scdoc reads stdin and writes stdout only; SOURCE_DATE_EPOCH (set by
    # dpkg-buildpackage and rpmbuild) fixes its date for reproducible builds.
    add_custom_command(OUTPUT ${output}
      COMMAND sh -c "\"$0\" < \"$1\" > \"$2\"" ${ACKD_SCDOC} ${source} ${output}
      DEPENDS ${source}
      COMMENT "Generating man page ${page}"
      VERBATIM)
    list(APPEND man_outputs ${output})
    string(REGEX MATCH "[0-9]$" section ${page})
    install(FILES ${output} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/man)
  add_custom_target(man ALL DEPENDS ${man_outputs})
elseif(ACKD_BUILD_MAN)
  message(STATUS "scdoc not found: man pages will not be built or installed "
                 "(apt-get install scdoc)")
endif()

# --- bash completion and the packaged configuration ------------------------------

install(FILES ${PROJECT_SOURCE_DIR}/completions/ackctl.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ackctl)

if(IS_ABSOLUTE ${CMAKE_INSTALL_SYSCONFDIR})  # given explicitly, as packagers do
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/ackd.conf
    DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/ackd)
else()
  ackd_install_by_prefix(${PROJECT_SOURCE_DIR}/packaging/ackd.conf
    /etc/ackd ${CMAKE_INSTALL_SYSCONFDIR}/ackd ackd.conf)
endif()

# --- the packages' upgrade helper ------------------------------------------------

# Run by the .deb's postinst and the RPM's %posttrans: hands a running
# ackd.service over to the new binary instead of restarting it.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/packaging/upgrade-in-place
  DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/ackd)

# --- systemd units, sysusers.d and tmpfiles.d ------------------------------------

# The unit directory: under the prefix /usr, systemd's own (pkg-config
# systemd: /lib/systemd/system on Debian 12, /usr/lib/systemd/system on
# Fedora); under any other prefix, <prefix>/lib/systemd/system, so that an
# installation as a user never writes outside its prefix.
set(ACKD_SYSTEMD_UNIT_DIR "" CACHE PATH
  "Where to install the systemd units (empty: chosen from the prefix and pkg-config systemd)")
set(ackd_usr_unit_dir /usr/lib/systemd/system)
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_get_variable(ackd_pc_unit_dir systemd systemdsystemunitdir)
  if(ackd_pc_unit_dir)
    set(ackd_usr_unit_dir ${ackd_pc_unit_dir})
  endif()
endif()

set(ackd_systemd_dir ${PROJECT_SOURCE_DIR}/systemd)
# Every unit there: ackd.service, ackd.socket and the sockets it pulls in.
file(GLOB ackd_units CONFIGURE_DEPENDS
  ${ackd_systemd_dir}/*.service ${ackd_systemd_dir}/*.socket)
set(ackd_systemd_installed)
foreach(unit IN LISTS ackd_units)
  get_filename_component(name ${unit} NAME)
  if(ACKD_SYSTEMD_UNIT_DIR)
    install(FILES ${unit} DESTINATION ${ACKD_SYSTEMD_UNIT_DIR})
  else()
    ackd_install_by_prefix(${unit} ${ackd_usr_unit_dir} lib/systemd/system ${name})
  endif()
  list(APPEND ackd_systemd_installed ${name})
endforeach()
# sysusers.d and tmpfiles.d live in <prefix>/lib on every distribution.
foreach(kind sysusers tmpfiles)
  if(EXISTS ${ackd_systemd_dir}/ackd.${kind})
    install(FILES ${ackd_systemd_dir}/ackd.${kind}
      DESTINATION lib/${kind}.d RENAME ackd.conf)
    list(APPEND ackd_systemd_installed ackd.${kind})
  endif()
endforeach()
if(ackd_systemd_installed)
  list(JOIN ackd_systemd_installed ", " ackd_systemd_list)
  if(ACKD_SYSTEMD_UNIT_DIR)
    set(where ${ACKD_SYSTEMD_UNIT_DIR})
  else()
    set(where "${ackd_usr_unit_dir} under the prefix /usr, else <prefix>/lib/systemd/system")
  endif()
  message(STATUS "systemd files to install: ${ackd_systemd_list} (units in ${where})")
else()
  message(STATUS "no systemd files in ${ackd_systemd_dir}: no units to install")
endif()
