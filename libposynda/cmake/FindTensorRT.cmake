# FindTensorRT: TensorRT runtime headers (NvInfer.h) and libnvinfer. The pip wheels ship no headers
# (NVIDIA/TensorRT#4310): point TensorRT_ROOT at a TensorRT tar/deb install.
#
# Hints: TensorRT_ROOT, environment TENSORRT_ROOT.
# Defines: TensorRT_FOUND, TensorRT_INCLUDE_DIR, TensorRT_LIBRARY, target TensorRT::nvinfer.
find_path(TensorRT_INCLUDE_DIR NvInfer.h
  HINTS ${TensorRT_ROOT} $ENV{TENSORRT_ROOT}
  PATH_SUFFIXES include include/x86_64-linux-gnu include/aarch64-linux-gnu)
find_library(TensorRT_LIBRARY
  NAMES nvinfer nvinfer_11 nvinfer_10
  HINTS ${TensorRT_ROOT} $ENV{TENSORRT_ROOT}
  PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu lib/aarch64-linux-gnu)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(TensorRT REQUIRED_VARS TensorRT_LIBRARY TensorRT_INCLUDE_DIR)

if(TensorRT_FOUND AND NOT TARGET TensorRT::nvinfer)
  add_library(TensorRT::nvinfer UNKNOWN IMPORTED)
  set_target_properties(TensorRT::nvinfer PROPERTIES
    IMPORTED_LOCATION "${TensorRT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${TensorRT_INCLUDE_DIR}")
endif()
