# CMake toolchain file: cross-compile for aarch64 Linux with Debian's g++-aarch64-linux-gnu and run
# the results under qemu-user (ctest, try_run, add_custom_command with a target as COMMAND).
#
#   cmake -S SRC -B BUILD -DCMAKE_TOOLCHAIN_FILE=libposynda/cross/aarch64-linux-gnu.cmake \
#         -DORT_INCLUDE=... -DORT_LIB=.../ortlib-aarch64/libonnxruntime.so
#
# Packages: g++-aarch64-linux-gnu (pulls libc6-dev-arm64-cross, libstdc++-12-dev-arm64-cross) and
# qemu-user (or qemu-user-static); libposynda/cross/setup.sh installs them.
#
# Find calls search only the target root /usr/aarch64-linux-gnu for libraries, headers and CMake
# packages (programs are taken from the host). Prefixes outside it (e.g. ONNX Runtime headers
# unpacked to /tmp/ortdev, the aarch64 ORT lib folder) are not searched by find_path/find_library
# with HINTS/PATHS unless listed in POSYNDA_CROSS_FIND_ROOTS (cache variable or environment, a
# ;-separated list), which are appended to CMAKE_FIND_ROOT_PATH: a path already below one of the
# roots is not re-rooted. Absolute file paths given directly (-DORT_LIB=/x/libonnxruntime.so) work
# without that.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(POSYNDA_CROSS_TRIPLE aarch64-linux-gnu)
set(POSYNDA_CROSS_SYSROOT /usr/${POSYNDA_CROSS_TRIPLE})

set(CMAKE_C_COMPILER ${POSYNDA_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${POSYNDA_CROSS_TRIPLE}-g++)
# Debian's cross gcc already knows its target root (/usr/aarch64-linux-gnu): no CMAKE_SYSROOT
# (setting it would pass --sysroot and break the multiarch-less cross layout).

set(CMAKE_FIND_ROOT_PATH ${POSYNDA_CROSS_SYSROOT})
if(NOT DEFINED POSYNDA_CROSS_FIND_ROOTS AND DEFINED ENV{POSYNDA_CROSS_FIND_ROOTS})
  set(POSYNDA_CROSS_FIND_ROOTS "$ENV{POSYNDA_CROSS_FIND_ROOTS}")
endif()
if(POSYNDA_CROSS_FIND_ROOTS)
  list(APPEND CMAKE_FIND_ROOT_PATH ${POSYNDA_CROSS_FIND_ROOTS})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# try_compile projects see the same settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES POSYNDA_CROSS_FIND_ROOTS)

# Emulator for ctest / try_run / add_custom_command: run.sh beside this file, i.e.
#   qemu-aarch64 -L <qemu root> -E LD_LIBRARY_PATH=<aarch64 ORT lib dir> BINARY ...
# where the qemu root is /usr/aarch64-linux-gnu's lib/ plus an aarch64 /proc/cpuinfo: with
# Debian 12's qemu 7.2 the guest otherwise reads the host's x86 /proc/cpuinfo and ONNX Runtime
# (pytorch/cpuinfo) segfaults while loading, before main. -DPOSYNDA_CROSS_PLAIN_QEMU=ON gives the
# bare "qemu-aarch64;-L;/usr/aarch64-linux-gnu" (enough for programs without ONNX Runtime, or
# with qemu >= 8.2, which emulates /proc/cpuinfo for aarch64 guests).
option(POSYNDA_CROSS_PLAIN_QEMU "emulator: bare qemu-aarch64 -L sysroot instead of cross/run.sh" OFF)
find_program(POSYNDA_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(NOT POSYNDA_QEMU_AARCH64)
  set(POSYNDA_QEMU_AARCH64 qemu-aarch64)
endif()
if(POSYNDA_CROSS_PLAIN_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${POSYNDA_QEMU_AARCH64};-L;${POSYNDA_CROSS_SYSROOT}")
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/run.sh")
endif()
