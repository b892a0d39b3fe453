# Writes OUT with the source tree's git revision and whether it has uncommitted changes, at
# every build (not only at configure time), rewriting it only when it changed so that a clean
# rebuild stays a no-op. Run by CMakeLists.txt: cmake -DSRC=... -DOUT=... -P gitrev.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT rev)
  set(rev "unknown")
  set(dirty "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SRC}
                  OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(changes)
    set(dirty "true")
    set(rev "${rev}-dirty")
  else()
    set(dirty "false")
  endif()
endif()
set(text "#define BEEX_GIT_REVISION \"${rev}\"\n#define BEEX_GIT_DIRTY \"${dirty}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
