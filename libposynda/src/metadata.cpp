#include "metadata.hpp"

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace posynda::core {
namespace {

using json = nlohmann::json;

struct Reader {
  const std::map<std::string, std::string>& props;
  const std::string& path;

  const std::string& text(const std::string& key) const {
    auto it = props.find(key);
    if (it == props.end())
      fail(POSYNDA_ERROR_MODEL, path + ": not a posynda export (metadata_props has no '" + key +
                                    "'; re-export it with this version's `posynda export`)");
    return it->second;
  }
  json parsed(const std::string& key) const {
    try {
      return json::parse(text(key));
    } catch (const json::exception& e) {
      fail(POSYNDA_ERROR_MODEL, path + ": metadata '" + key + "' is not valid JSON (" + e.what() + ")");
    }
  }
  int integer(const std::string& key) const {
    try {
      size_t used = 0;
      const std::string& s = text(key);
      int v = std::stoi(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
      return v;
    } catch (const std::logic_error&) {
      fail(POSYNDA_ERROR_MODEL, path + ": metadata '" + key + "' is not an integer: '" + text(key) + "'");
    }
  }
};

template <typename T>
T field(const json& object, const char* key, const std::string& where) {
  try {
    return object.at(key).get<T>();
  } catch (const json::exception&) {
    fail(POSYNDA_ERROR_MODEL, where + " lacks a valid '" + key + "'");
  }
}

}  // namespace

ModelMetadata parse_metadata(const std::map<std::string, std::string>& props, const std::string& path) {
  Reader r{props, path};
  ModelMetadata m;
  m.frames = r.integer("window_frames");
  m.root = r.integer("root_joint");
  m.joints = field<int>(r.parsed("denoiser"), "joints", path + ": metadata 'denoiser'");
  try {
    m.canonical_focal = std::stod(r.text("canonical_focal"));
  } catch (const std::logic_error&) {
    fail(POSYNDA_ERROR_MODEL, path + ": metadata 'canonical_focal' is not a number");
  }
  const json sched = r.parsed("scheduler");
  const std::string where = path + ": metadata 'scheduler'";
  m.scheduler.num_train_timesteps = field<int>(sched, "num_train_timesteps", where);
  m.scheduler.cosine_s = field<double>(sched, "cosine_s", where);
  m.scheduler.eta = field<double>(sched, "eta", where);
  m.scheduler.clip_sample = field<double>(sched, "clip_sample", where);
  try {
    m.flip = r.parsed("flip_permutation").get<std::vector<int>>();
    m.parents = r.parsed("parents").get<std::vector<int>>();
    const json orders = r.parsed("joint_orders");  // a named json: the loop must not outlive its range
    for (const auto& rule : orders.at("coco"))
      m.coco.push_back({rule.at(0).get<std::vector<int>>(), rule.at(1).get<std::vector<float>>()});
  } catch (const json::exception& e) {
    fail(POSYNDA_ERROR_MODEL, path + ": metadata 'flip_permutation' / 'parents' / 'joint_orders' malformed (" + e.what() + ")");
  }
  if (props.count("posynda_version")) m.version = props.at("posynda_version");
  if (props.count("graph")) m.graph = props.at("graph");
  if (props.count("precision")) m.precision = props.at("precision");
  if (m.graph == "sampler") {
    m.sampler_steps = r.integer("sampler_steps");
    m.sampler_hypotheses = r.integer("sampler_hypotheses");
    m.sampler_flip = r.text("sampler_flip") == "true";
  }
  // The library's poses are H36M-17 (posynda_pose, POSYNDA_JOINTS): refuse anything else up front.
  if (m.joints != POSYNDA_JOINTS || m.frames < 1 || m.root < 0 || m.root >= m.joints)
    fail(POSYNDA_ERROR_MODEL, path + ": unsupported model geometry (joints " + std::to_string(m.joints) + ", window " +
                                  std::to_string(m.frames) + ", root " + std::to_string(m.root) + "; expected 17 joints)");
  if (static_cast<int>(m.flip.size()) != m.joints || static_cast<int>(m.coco.size()) != m.joints ||
      static_cast<int>(m.parents.size()) != m.joints)
    fail(POSYNDA_ERROR_MODEL, path + ": metadata 'flip_permutation' / 'parents' / 'joint_orders' do not have 17 joints");
  for (int j = 0; j < m.joints; ++j)  // parents come before their children; only the root has none
    if ((j == m.root) != (m.parents[j] < 0) || m.parents[j] >= j)
      fail(POSYNDA_ERROR_MODEL, path + ": metadata 'parents' is not a tree rooted at joint " + std::to_string(m.root));
  for (int j : m.flip)
    if (j < 0 || j >= m.joints) fail(POSYNDA_ERROR_MODEL, path + ": metadata 'flip_permutation' out of range");
  for (const auto& rule : m.coco) {
    if (rule.sources.empty() || rule.sources.size() != rule.weights.size())
      fail(POSYNDA_ERROR_MODEL, path + ": metadata 'joint_orders' has a malformed rule");
    for (int s : rule.sources)
      if (s < 0 || s >= 17) fail(POSYNDA_ERROR_MODEL, path + ": metadata 'joint_orders' source out of range");
  }
  if (m.canonical_focal <= 0 || m.scheduler.num_train_timesteps < 2)
    fail(POSYNDA_ERROR_MODEL, path + ": metadata 'canonical_focal' / 'scheduler' out of range");
  return m;
}

}  // namespace posynda::core
