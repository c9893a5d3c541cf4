// What an exported model says about itself (ONNX metadata_props, written by posynda/export; the keys
// are those of posynda/runtime/metadata.py): read once at open, refused when incomplete.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace posynda::core {

struct SchedulerConfig {
  int num_train_timesteps = 1000;
  double cosine_s = 0.008;
  double eta = 1.0;
  double clip_sample = 1.1;
};

// H36M joint i = sum_k weights[k] * source[sources[k]] (posynda.skeleton.JOINT_ORDERS rules).
struct JointRule {
  std::vector<int> sources;
  std::vector<float> weights;
};

struct ModelMetadata {
  int frames = 0;                // T
  int joints = 0;                // J (17)
  int root = 0;                  // root joint
  double canonical_focal = 0;    // F of the input normalisation u' = F (u - cx) / fx
  SchedulerConfig scheduler;
  std::vector<int> flip;         // flip[i]: the joint that lands on i when mirrored
  std::vector<int> parents;      // parent of each joint (-1: the root)
  std::vector<JointRule> coco;   // COCO-17 -> H36M-17
  std::vector<JointRule> blazepose33;  // BlazePose-33 -> H36M-17 (empty: an export from before it)
  std::string graph = "denoiser", precision = "fp32", version;
  int sampler_steps = 0, sampler_hypotheses = 0;
  bool sampler_flip = false;
  bool causal = false;           // no output depends on a later frame: frame t is lifted by the window ending at t
};

// Parse and check metadata_props; throws Error(POSYNDA_ERROR_MODEL) naming the missing or bad key.
ModelMetadata parse_metadata(const std::map<std::string, std::string>& props, const std::string& path);

}  // namespace posynda::core
