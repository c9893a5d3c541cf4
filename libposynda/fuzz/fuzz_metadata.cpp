// libFuzzer harness (a): the model-metadata parser, parse_metadata, on a fuzzed metadata_props map -- what
// an ONNX file's metadata_props can say. The input is text, one "key=value" per line (the first '=' splits;
// a line without one is a key with an empty value); corpus/metadata/ holds the shipped export's metadata
// and crafted variants. Invariants: the parser returns or throws posynda::Error(POSYNDA_ERROR_MODEL) with a
// one-line message naming the file -- nothing else escapes, nothing crashes -- and what it accepts is
// within src/limits.hpp (the bounds of posynda/limits.py).
#include <cmath>
#include <map>
#include <string>

#include "fuzz_check.hpp"
#include "limits.hpp"
#include "metadata.hpp"
#include "posynda/posynda.hpp"
#include "sampler.hpp"

namespace lim = posynda::core::limits;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> props;
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t eq = line.find('=');
    props[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
    start = end + 1;
  }
  posynda::core::ModelMetadata m;
  try {
    m = posynda::core::parse_metadata(props, "fuzz.onnx");
  } catch (const posynda::Error& e) {
    const std::string message = e.what();
    FUZZ_CHECK(e.status() == POSYNDA_ERROR_MODEL, "status %d", static_cast<int>(e.status()));
    FUZZ_CHECK(message.rfind("fuzz.onnx: ", 0) == 0, "message does not name the file: %s", message.c_str());
    FUZZ_CHECK(message.find('\n') == std::string::npos, "message is not one line: %s", message.c_str());
    return 0;
  }  // any other exception escapes: libFuzzer reports it (uncaught exception = abort)

  FUZZ_CHECK(m.frames >= 1 && m.frames <= lim::MAX_WINDOW_FRAMES, "window %d", m.frames);
  FUZZ_CHECK(m.joints == POSYNDA_JOINTS && m.root >= 0 && m.root < m.joints, "joints %d root %d", m.joints, m.root);
  FUZZ_CHECK(m.flip.size() == 17 && m.parents.size() == 17 && m.coco.size() == 17, "skeleton sizes");
  for (int j = 0; j < 17; ++j) {
    FUZZ_CHECK(m.flip[j] >= 0 && m.flip[j] < 17, "flip[%d] = %d", j, m.flip[j]);
    FUZZ_CHECK(m.parents[j] < j && (m.parents[j] < 0) == (j == m.root), "parents[%d] = %d", j, m.parents[j]);
    const auto& rule = m.coco[j];
    FUZZ_CHECK(!rule.sources.empty() && rule.sources.size() == rule.weights.size(), "rule %d", j);
    for (size_t k = 0; k < rule.sources.size(); ++k)
      FUZZ_CHECK(rule.sources[k] >= 0 && rule.sources[k] < 17 && std::isfinite(rule.weights[k]), "rule %d", j);
  }
  FUZZ_CHECK(m.canonical_focal >= lim::MIN_FOCAL_PX && m.canonical_focal <= lim::MAX_FOCAL_PX, "focal %g",
             m.canonical_focal);
  const auto& s = m.scheduler;
  FUZZ_CHECK(s.num_train_timesteps >= 2 && s.num_train_timesteps <= lim::MAX_TRAIN_TIMESTEPS, "timesteps %d",
             s.num_train_timesteps);
  FUZZ_CHECK(s.cosine_s >= 1e-9 && s.cosine_s <= 1 && s.eta >= 0 && s.eta <= 1, "cosine_s %g eta %g", s.cosine_s, s.eta);
  FUZZ_CHECK(s.clip_sample >= 1e-6 && s.clip_sample <= lim::MAX_CLIP_SAMPLE, "clip %g", s.clip_sample);
  if (m.graph == "sampler") {
    FUZZ_CHECK(m.sampler_steps >= 1 && m.sampler_steps <= lim::MAX_STEPS, "sampler steps %d", m.sampler_steps);
    FUZZ_CHECK(m.sampler_hypotheses >= 1 && m.sampler_hypotheses <= lim::MAX_HYPOTHESES, "H %d", m.sampler_hypotheses);
  }
  // what an accepted schedule feeds the sampler: finite, in (0, 1], and K <= T distinct steps
  const auto alphas = posynda::core::cosine_alphas_cumprod(s.num_train_timesteps, s.cosine_s);
  for (double a : alphas) FUZZ_CHECK(std::isfinite(a) && a > 0 && a <= 1, "alpha_bar %g", a);
  const int steps = std::min(s.num_train_timesteps, 1 + static_cast<int>(size % 7));
  const auto pairs = posynda::core::ddim_timesteps(s.num_train_timesteps, steps);
  FUZZ_CHECK(static_cast<int>(pairs.size()) == steps, "%zu pairs", pairs.size());
  for (const auto& [t, next] : pairs)
    FUZZ_CHECK(t >= 0 && t < s.num_train_timesteps && next < t && next >= -1, "pair (%d, %d)", t, next);
  return 0;
}
