# FindONNXRuntime: ONNX Runtime C/C++ headers and library (ORT's own CMake config is not relied on:
# microsoft/onnxruntime#22551, #26186).
#
# NO_CMAKE_FIND_ROOT_PATH: the hints stay usable when cross-compiling (cross/aarch64-linux-gnu.cmake).
# Hints: ONNXRUNTIME_ROOT (a prefix with include/ and lib/, or an unpacked Debian package with usr/),
#        ONNXRUNTIME_INCLUDE_DIR, ONNXRUNTIME_LIBRARY.
# Defines: ONNXRuntime_FOUND, ONNXRuntime_INCLUDE_DIR, ONNXRuntime_LIBRARY, target ONNXRuntime::ONNXRuntime.
find_path(ONNXRuntime_INCLUDE_DIR onnxruntime_cxx_api.h
  HINTS ${ONNXRUNTIME_INCLUDE_DIR} ${ONNXRUNTIME_ROOT}/include ${ONNXRUNTIME_ROOT}/usr/include
  PATH_SUFFIXES onnxruntime onnxruntime/core/session NO_CMAKE_FIND_ROOT_PATH)
find_library(ONNXRuntime_LIBRARY
  NAMES onnxruntime libonnxruntime.so.1
  HINTS ${ONNXRUNTIME_LIBRARY} ${ONNXRUNTIME_ROOT}/lib ${ONNXRUNTIME_ROOT}/lib64 ${ONNXRUNTIME_ROOT}/usr/lib/x86_64-linux-gnu
  NO_CMAKE_FIND_ROOT_PATH)
if(ONNXRUNTIME_LIBRARY AND EXISTS "${ONNXRUNTIME_LIBRARY}" AND NOT IS_DIRECTORY "${ONNXRUNTIME_LIBRARY}")
  set(ONNXRuntime_LIBRARY "${ONNXRUNTIME_LIBRARY}" CACHE FILEPATH "" FORCE)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ONNXRuntime REQUIRED_VARS ONNXRuntime_LIBRARY ONNXRuntime_INCLUDE_DIR)

if(ONNXRuntime_FOUND AND NOT TARGET ONNXRuntime::ONNXRuntime)
  add_library(ONNXRuntime::ONNXRuntime UNKNOWN IMPORTED)
  set_target_properties(ONNXRuntime::ONNXRuntime PROPERTIES
    IMPORTED_LOCATION "${ONNXRuntime_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ONNXRuntime_INCLUDE_DIR}")
endif()
