// An opened model: the ONNX Runtime session and the metadata it carries.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metadata.hpp"

namespace posynda::core {

class Model {
 public:
  Model(const std::string& path, int threads);  // throws Error (MODEL: missing file, no metadata; RUNTIME)
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelMetadata& meta() const { return meta_; }

  // Denoiser graph: keypoints [n,T,J,2], noisy [n,T,J,3], t [n] -> x0 [n,T,J,3] (root-relative metres).
  void denoise(const float* keypoints, const float* noisy, const int64_t* t, int64_t n, float* x0);
  // Whole-sampler graph: keypoints [b,T,J,2], noise [K+1,b,H,T,J,3] -> poses [b,T,J,3] (mean over H).
  void sample(const float* keypoints, const float* noise, int64_t b, float* poses);

 private:
  struct Session;
  std::unique_ptr<Session> session_;
  ModelMetadata meta_;
};

}  // namespace posynda::core
