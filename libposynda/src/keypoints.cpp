#include "keypoints.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "error.hpp"
#include "limits.hpp"
#include "pyformat.hpp"

namespace posynda::core {
namespace {

constexpr int J = POSYNDA_JOINTS;
int depth(const std::vector<int>& parents, int j) {
  int d = 0;
  while (parents[j] >= 0) j = parents[j], ++d;
  return d;
}

// np.interp(x, xp, fp) for increasing xp (numpy's formula: slope (x - xp[j]) + fp[j], exact at knots).
double interp(double x, const std::vector<double>& xp, const std::vector<double>& fp) {
  const size_t n = xp.size();
  if (x <= xp[0]) return fp[0];
  if (x >= xp[n - 1]) return fp[n - 1];
  const size_t j = static_cast<size_t>(std::upper_bound(xp.begin(), xp.end(), x) - xp.begin()) - 1;
  if (xp[j] == x) return fp[j];
  const double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  return slope * (x - xp[j]) + fp[j];
}

}  // namespace

std::vector<float> camera_intrinsics(const posynda_camera& camera) {
  if (camera.width < 1 || camera.height < 1 || camera.width > limits::MAX_IMAGE_SIDE ||
      camera.height > limits::MAX_IMAGE_SIDE)
    fail(POSYNDA_ERROR_ARGUMENT, "image size must be positive and at most " + std::to_string(limits::MAX_IMAGE_SIDE) +
                                     " pixels per side, got " + std::to_string(camera.width) + " x " +
                                     std::to_string(camera.height));
  if (camera.has_intrinsics) {
    // posynda.camera.check_intrinsics: every value finite, fx and fy in [MIN_FOCAL_PX, MAX_FOCAL_PX]
    std::vector<float> k(camera.intrinsics, camera.intrinsics + 9);
    bool ok = true;
    for (float v : k) ok = ok && std::isfinite(v);
    for (int i = 0; i < 2; ++i) ok = ok && k[i] >= limits::MIN_FOCAL_PX && k[i] <= limits::MAX_FOCAL_PX;
    if (!ok) {
      std::string got = "[";
      for (int i = 0; i < 9; ++i) got += (i ? ", " : "") + py_float(k[i]);
      fail(POSYNDA_ERROR_ARGUMENT, "intrinsics need finite values and focal lengths in [" + py_g(limits::MIN_FOCAL_PX) +
                                       ", " + py_g(limits::MAX_FOCAL_PX) + "] px, got " + got + "]");
    }
    return k;
  }
  const float f = static_cast<float>(std::max(camera.width, camera.height));  // default_intrinsics
  return {f, f, static_cast<float>(camera.width / 2.0), static_cast<float>(camera.height / 2.0), 0, 0, 0, 0, 0};
}

void check_keypoints(const float* keypoints, const float* confidence, int64_t n, int joints) {
  const int64_t values = static_cast<int64_t>(elements<float>("keypoints", {n, joints, 2}));
  for (int64_t i = 0; i < values; ++i)
    if (std::isinf(keypoints[i]))
      fail(POSYNDA_ERROR_INPUT, "keypoints must be finite pixels or NaN (missing), got an infinite value");
  if (!confidence) return;
  for (int64_t i = 0; i < values / 2; ++i)
    if (!(std::isfinite(confidence[i]) && confidence[i] >= 0.0f && confidence[i] <= 1.0f))
      fail(POSYNDA_ERROR_INPUT, "confidence must be finite numbers in [0, 1] (0 = missing)");
}

int source_joints(int order) {
  switch (order) {
    case POSYNDA_ORDER_H36M:
    case POSYNDA_ORDER_COCO:
      return J;
    case POSYNDA_ORDER_BLAZEPOSE33:
      return 33;
    default:
      return -1;
  }
}

void check_order(const ModelMetadata& meta, int joints, int order) {
  const int expected = source_joints(order);
  if (expected < 0)
    fail(POSYNDA_ERROR_ARGUMENT,
         "joint order must be POSYNDA_ORDER_H36M, POSYNDA_ORDER_COCO or POSYNDA_ORDER_BLAZEPOSE33, got " +
             std::to_string(order));
  if (joints != expected) {
    const char* name = order == POSYNDA_ORDER_COCO ? "COCO-17" : order == POSYNDA_ORDER_H36M ? "Human3.6M-17" : "BlazePose-33";
    fail(POSYNDA_ERROR_INPUT, "keypoints must have " + std::to_string(expected) + " joints (" + name + "), got " +
                                  std::to_string(joints));
  }
  if (order == POSYNDA_ORDER_BLAZEPOSE33 && meta.blazepose33.empty())
    fail(POSYNDA_ERROR_MODEL, "this model's metadata has no BlazePose-33 rule (exported before it): export it again");
}

void to_model_joints(const ModelMetadata& meta, posynda_joint_order order, const float* keypoints,
                     const float* confidence, int64_t n, float* pixels, float* weights) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const int joints = source_joints(order);
  const std::vector<JointRule>& rules = order == POSYNDA_ORDER_BLAZEPOSE33 ? meta.blazepose33 : meta.coco;
  for (int64_t f = 0; f < n; ++f) {
    const float* kp = keypoints + f * joints * 2;
    const float* conf = confidence ? confidence + f * joints : nullptr;
    for (int j = 0; j < J; ++j) {
      float x, y, c;
      if (order == POSYNDA_ORDER_H36M) {
        x = kp[2 * j], y = kp[2 * j + 1];
        c = conf ? conf[j] : 1.0f;
      } else {  // convert_joints: weighted sum of the sources, the minimum of their confidences
        const JointRule& rule = rules[j];
        x = y = 0.0f;
        c = std::numeric_limits<float>::infinity();
        for (size_t k = 0; k < rule.sources.size(); ++k) {
          const int s = rule.sources[k];
          x += kp[2 * s] * rule.weights[k];
          y += kp[2 * s + 1] * rule.weights[k];
          const bool finite = std::isfinite(kp[2 * s]) && std::isfinite(kp[2 * s + 1]);
          c = std::min(c, finite ? (conf ? conf[s] : 1.0f) : 0.0f);
        }
      }
      const bool seen = std::isfinite(x) && std::isfinite(y) && (!conf || c > 0.0f);
      pixels[(f * J + j) * 2] = seen ? x : nan;
      pixels[(f * J + j) * 2 + 1] = seen ? y : nan;
      weights[f * J + j] = seen ? c : 0.0f;
    }
  }
}

bool fill_track(const ModelMetadata& meta, double* seg, int64_t n, const std::vector<Observation>& before) {
  const std::vector<int>& parents = meta.parents;
  std::vector<int> unseen;
  std::vector<double> xp, fx, fy;
  for (int j = 0; j < J; ++j) {
    xp.clear(), fx.clear(), fy.clear();
    const Observation prior = before.empty() ? Observation{} : before[j];
    if (prior) xp.push_back(prior->first), fx.push_back(prior->second.first), fy.push_back(prior->second.second);
    int64_t seen = 0;
    for (int64_t t = 0; t < n; ++t) {
      const double* p = seg + (t * J + j) * 2;
      if (std::isfinite(p[0]) && std::isfinite(p[1])) xp.push_back(static_cast<double>(t)), fx.push_back(p[0]), fy.push_back(p[1]), ++seen;
    }
    if (xp.empty()) {
      unseen.push_back(j);
      continue;
    }
    if (seen == n) continue;
    for (int64_t t = 0; t < n; ++t) {
      double* p = seg + (t * J + j) * 2;
      p[0] = interp(static_cast<double>(t), xp, fx);
      p[1] = interp(static_cast<double>(t), xp, fy);
    }
  }
  if (static_cast<int>(unseen.size()) == J) return false;
  std::stable_sort(unseen.begin(), unseen.end(), [&](int a, int b) { return depth(parents, a) < depth(parents, b); });
  int first_seen = 0;
  while (std::find(unseen.begin(), unseen.end(), first_seen) != unseen.end()) ++first_seen;
  for (int j : unseen) {  // parents are filled before their children
    const int parent = parents[j] >= 0 ? parents[j] : first_seen;
    for (int64_t t = 0; t < n; ++t) {
      seg[(t * J + j) * 2] = seg[(t * J + parent) * 2];
      seg[(t * J + j) * 2 + 1] = seg[(t * J + parent) * 2 + 1];
    }
  }
  return true;
}

void canonical_screen(const float* pixels, int64_t n, const float* cam, double focal, float* out) {
  const double fx = cam[0], fy = cam[1], cx = cam[2], cy = cam[3];
  for (int64_t i = 0; i < n * J; ++i) {
    out[2 * i] = static_cast<float>(focal * (static_cast<double>(pixels[2 * i]) - cx) / fx);
    out[2 * i + 1] = static_cast<float>(focal * (static_cast<double>(pixels[2 * i + 1]) - cy) / fy);
  }
}

}  // namespace posynda::core
