#include "metadata.hpp"

#include <cmath>
#include <locale>
#include <sstream>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "limits.hpp"
#include "pyformat.hpp"

namespace posynda::core {
namespace {

// ordered_json: objects keep the file's key order, so a value is printed as Python prints the dict.
using json = nlohmann::ordered_json;

constexpr size_t kMaxJsonDepth = 64;       // nesting of a metadata JSON value (real ones: 3)
constexpr size_t kMaxReprChars = 1000;     // of a value quoted in a message

// Python's repr of a parsed JSON value (json.loads gives None, True, 1, 1.0, 'x', [..], {..}).
void py_repr(const json& v, std::string& out, size_t depth) {
  if (out.size() > kMaxReprChars) return;
  switch (v.type()) {
    case json::value_t::null: out += "None"; return;
    case json::value_t::boolean: out += v.get<bool>() ? "True" : "False"; return;
    case json::value_t::number_integer: out += std::to_string(v.get<int64_t>()); return;
    case json::value_t::number_unsigned: out += std::to_string(v.get<uint64_t>()); return;
    case json::value_t::number_float: out += py_float(v.get<double>()); return;
    case json::value_t::string: out += py_str(v.get_ref<const std::string&>()); return;
    case json::value_t::array: {
      out += "[";
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        if (depth < kMaxJsonDepth) py_repr(item, out, depth + 1);
        if (out.size() > kMaxReprChars) break;
      }
      out += "]";
      return;
    }
    case json::value_t::object: {
      out += "{";
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += py_str(item.key()) + ": ";
        if (depth < kMaxJsonDepth) py_repr(item.value(), out, depth + 1);
        if (out.size() > kMaxReprChars) break;
      }
      out += "}";
      return;
    }
    default: out += "?"; return;
  }
}

std::string repr(const json& v) {
  std::string out;
  py_repr(v, out, 0);
  if (out.size() > kMaxReprChars) out = out.substr(0, kMaxReprChars) + "...";
  return out;
}

// Python's type(v).__name__ of a parsed JSON value.
const char* py_type(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "NoneType";
    case json::value_t::boolean: return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "int";
    case json::value_t::number_float: return "float";
    case json::value_t::string: return "str";
    case json::value_t::array: return "list";
    default: return "dict";
  }
}

// The deepest nesting of [ and { in a JSON text (outside strings): checked before parsing, so that no
// later step (printing a value, copying it) recurses without a bound.
size_t nesting(const std::string& text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// An integer JSON value (not a bool, not a float) in [least, most].
bool integer_in(const json& v, int64_t least, int64_t most, int64_t& out) {
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    out = v.get<int64_t>();
  } else if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(most)) return false;
    out = static_cast<int64_t>(u);
  } else {
    return false;
  }
  return out >= least && out <= most;
}

// Python's in_range(value, least, most) for a JSON value: a finite number or a bool (True == 1) in range.
bool number_in(const json& v, double least, double most, double& out) {
  if (v.is_boolean()) out = v.get<bool>() ? 1.0 : 0.0;
  else if (v.is_number_unsigned()) out = static_cast<double>(v.get<uint64_t>());
  else if (v.is_number_integer()) out = static_cast<double>(v.get<int64_t>());
  else if (v.is_number_float()) out = v.get<double>();
  else return false;
  return std::isfinite(out) && out >= least && out <= most;
}

struct Reader {
  const std::map<std::string, std::string>& props;
  const std::string& path;

  // "<path>: not a posynda export (<why>)": the words of posynda.runtime.metadata.model_geometry.
  [[noreturn]] void refuse(const std::string& why) const {
    fail(POSYNDA_ERROR_MODEL, path + ": not a posynda export (" + why + ")");
  }

  bool has(const std::string& key) const { return props.count(key) != 0; }

  const std::string& text(const std::string& key) const {
    auto it = props.find(key);
    if (it == props.end())
      refuse("metadata_props has no '" + key + "'; re-export it with this version's `posynda export`");
    return it->second;
  }

  // The JSON value of metadata[key]; refused like posynda.reading.parse_json ("not a readable JSON value").
  json parsed(const std::string& key) const {
    const std::string& t = text(key);
    const std::string source = "metadata '" + key + "': not a readable JSON value (";
    if (nesting(t) > kMaxJsonDepth) refuse(source + "nested too deeply)");
    try {
      return json::parse(t);
    } catch (const json::exception& e) {
      refuse(source + one_line(e.what()) + ")");
    }
  }

  // posynda.runtime.metadata._integer: a decimal integer (ASCII, at most 12 characters, surrounding
  // whitespace and a leading '+' allowed) in [least, most]; messages "<path>: metadata 'K' must be ...".
  // `wrap`: inside "not a posynda export (...)" (model_geometry) or bare (sampler_settings).
  int integer(const std::string& key, int64_t least, int64_t most, bool wrap = true) const {
    const std::string& t = text(key);
    auto refuse_with = [&](const std::string& why) {
      if (wrap) refuse(why);
      fail(POSYNDA_ERROR_MODEL, path + ": " + why);
    };
    const char* space = " \t\n\r\v\f\x1c\x1d\x1e\x1f";
    const size_t first = t.find_first_not_of(space), last = t.find_last_not_of(space);
    std::string core = first == std::string::npos ? "" : t.substr(first, last - first + 1);
    const size_t plus = core.find_first_not_of('+');
    const bool single_plus = plus != std::string::npos && plus <= 1;
    if (plus != std::string::npos) core = core.substr(plus);
    bool ok = t.size() <= 12 && single_plus && !core.empty();
    for (char c : t) ok = ok && static_cast<unsigned char>(c) < 0x80;
    for (char c : core) ok = ok && c >= '0' && c <= '9';
    if (!ok) refuse_with("metadata '" + key + "' must be an integer, got " + py_str(py_prefix(t, 40)));
    const int64_t value = std::stoll(core);  // at most 12 digits: no overflow
    if (value < least || value > most)
      refuse_with("metadata '" + key + "' must be in [" + std::to_string(least) + ", " + std::to_string(most) +
                  "], got " + std::to_string(value));
    return static_cast<int>(value);
  }

  // A decimal number (locale-free) in [least, most].
  double number(const std::string& key, double least, double most) const {
    const std::string& t = text(key);
    std::istringstream in(t);
    in.imbue(std::locale::classic());
    double v = 0;
    in >> v;
    const bool parsed = !in.fail() && (in >> std::ws).eof();
    if (!parsed || !std::isfinite(v) || v < least || v > most)
      refuse("metadata '" + key + "' must be a number in [" + py_g(least) + ", " + py_g(most) + "], got " +
             py_str(py_prefix(t, 40)));
    return v;
  }
};

// The scheduler config: posynda.diffusion.SchedulerConfig(**json) -- unknown keys refused, missing keys at
// their defaults, each value checked by SchedulerConfig.__post_init__ with its words.
SchedulerConfig scheduler_config(const Reader& r) {
  const json sched = r.parsed("scheduler");
  if (!sched.is_object()) r.refuse("runtime metadata incomplete: scheduler is not a JSON object");
  SchedulerConfig c;
  for (const auto& item : sched.items()) {
    const std::string& k = item.key();
    if (k != "num_train_timesteps" && k != "cosine_s" && k != "eta" && k != "clip_sample")
      r.refuse("runtime metadata incomplete: SchedulerConfig.__init__() got an unexpected keyword argument " +
               py_str(k));
  }
  auto bad = [&](const char* name, const std::string& expected) {
    r.refuse(std::string("scheduler ") + name + " must be " + expected + ", got " + repr(sched.at(name)));
  };
  if (sched.contains("num_train_timesteps")) {
    int64_t v = 0;
    if (!integer_in(sched.at("num_train_timesteps"), 2, limits::MAX_TRAIN_TIMESTEPS, v))
      bad("num_train_timesteps", "an integer in [2, " + std::to_string(limits::MAX_TRAIN_TIMESTEPS) + "]");
    c.num_train_timesteps = static_cast<int>(v);
  }
  if (sched.contains("cosine_s") && !number_in(sched.at("cosine_s"), 1e-9, 1.0, c.cosine_s)) bad("cosine_s", "in (0, 1]");
  if (sched.contains("eta") && !number_in(sched.at("eta"), 0.0, 1.0, c.eta)) bad("eta", "in [0, 1]");
  if (sched.contains("clip_sample") && !number_in(sched.at("clip_sample"), 1e-6, limits::MAX_CLIP_SAMPLE, c.clip_sample))
    bad("clip_sample", "in (0, " + py_g(limits::MAX_CLIP_SAMPLE) + "]");
  return c;
}

// A JSON array of exactly `n` integers in [least, most].
bool int_list(const json& v, size_t n, int64_t least, int64_t most, std::vector<int>& out) {
  if (!v.is_array() || v.size() != n) return false;
  out.clear();
  for (const auto& item : v) {
    int64_t x = 0;
    if (!integer_in(item, least, most, x)) return false;
    out.push_back(static_cast<int>(x));
  }
  return true;
}

}  // namespace

ModelMetadata parse_metadata(const std::map<std::string, std::string>& props, const std::string& path) {
  Reader r{props, path};
  ModelMetadata m;
  constexpr int J = POSYNDA_JOINTS;

  // posynda.runtime.metadata.model_geometry: window, joints, scheduler (same checks, same words)
  m.frames = r.integer("window_frames", 1, limits::MAX_WINDOW_FRAMES);
  const json denoiser = r.parsed("denoiser");
  if (!denoiser.is_object())
    r.refuse(std::string("runtime metadata incomplete: '") + py_type(denoiser) + "' object has no attribute 'get'");
  m.scheduler = scheduler_config(r);
  const json joints = denoiser.contains("joints") ? denoiser.at("joints") : json();
  double joint_count = 0;
  if (!number_in(joints, J, J, joint_count) || joints.is_boolean())
    r.refuse("metadata 'denoiser' joints is " + repr(joints) + ", expected 17");
  m.joints = J;

  // the rest only the C library reads (Python uses its own skeleton and input normalisation)
  m.root = r.integer("root_joint", 0, J - 1);
  m.canonical_focal = r.number("canonical_focal", limits::MIN_FOCAL_PX, limits::MAX_FOCAL_PX);
  if (!int_list(r.parsed("flip_permutation"), J, 0, J - 1, m.flip))
    r.refuse("metadata 'flip_permutation' must be a list of 17 joint indices in [0, 16]");
  if (!int_list(r.parsed("parents"), J, -1, J - 1, m.parents))
    r.refuse("metadata 'parents' must be a list of 17 joint indices in [-1, 16]");
  for (int j = 0; j < J; ++j)  // parents come before their children; only the root has none
    if ((j == m.root) != (m.parents[j] < 0) || m.parents[j] >= j)
      r.refuse("metadata 'parents' is not a tree rooted at joint " + std::to_string(m.root));
  const json orders = r.parsed("joint_orders");
  // rules of a detector order: `sources` joints in, 17 rules [sources, weights] (required: coco)
  auto rules = [&](const char* name, int sources, bool required, std::vector<JointRule>& out_rules) {
    const json* found = orders.is_object() && orders.contains(name) ? &orders.at(name) : nullptr;
    if (!found && !required) return;
    if (!found || !found->is_array() || found->size() != static_cast<size_t>(J))
      r.refuse(std::string("metadata 'joint_orders' must map '") + name + "' to 17 rules [sources, weights]");
    for (const auto& rule : *found) {
      JointRule out;
      const bool shaped = rule.is_array() && rule.size() == 2 && rule[0].is_array() && rule[1].is_array() &&
                          !rule[0].empty() && rule[0].size() <= static_cast<size_t>(sources) &&
                          rule[0].size() == rule[1].size();
      bool ok = shaped && int_list(rule[0], rule[0].size(), 0, sources - 1, out.sources);
      for (size_t k = 0; ok && k < rule[1].size(); ++k) {
        double w = 0;
        ok = !rule[1][k].is_boolean() && number_in(rule[1][k], -1e3, 1e3, w);
        out.weights.push_back(static_cast<float>(w));
      }
      if (!ok)
        r.refuse(std::string("metadata 'joint_orders' has a malformed rule for ") + name + " (sources in [0, " +
                 std::to_string(sources - 1) + "], weights finite numbers)");
      out_rules.push_back(std::move(out));
    }
  };
  rules("coco", J, true, m.coco);
  rules("blazepose33", 33, false, m.blazepose33);
  // posynda.runtime.metadata.model_causal: absent = a centred model
  if (r.has("causal")) {
    const std::string& causal = r.text("causal");
    if (causal != "true" && causal != "false")
      fail(POSYNDA_ERROR_MODEL, path + ": metadata 'causal' must be true or false, got " + py_str(py_prefix(causal, 20)));
    m.causal = causal == "true";
  }
  if (r.has("posynda_version")) m.version = props.at("posynda_version");
  if (r.has("graph")) m.graph = props.at("graph");
  if (r.has("precision")) m.precision = props.at("precision");

  // posynda.runtime.metadata.sampler_settings: K, H, flip of a whole-sampler graph
  if (m.graph == "sampler") {
    auto require = [&](const char* key) {
      if (!r.has(key)) fail(POSYNDA_ERROR_MODEL, path + ": not a posynda sampler export (no metadata '" + key + "')");
    };
    require("sampler_steps");
    m.sampler_steps = r.integer("sampler_steps", 1, limits::MAX_STEPS, false);
    require("sampler_hypotheses");
    m.sampler_hypotheses = r.integer("sampler_hypotheses", 1, limits::MAX_HYPOTHESES, false);
    require("sampler_flip");
    const std::string& flip = r.text("sampler_flip");
    if (flip != "true" && flip != "false")
      fail(POSYNDA_ERROR_MODEL, path + ": metadata 'sampler_flip' must be true or false, got " +
                                    py_str(py_prefix(flip, 20)));
    m.sampler_flip = flip == "true";
  }
  return m;
}

}  // namespace posynda::core
