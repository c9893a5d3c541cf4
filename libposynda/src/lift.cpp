#include "lift.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "error.hpp"
#include "limits.hpp"
#include "pyformat.hpp"
#include "root_depth.hpp"

namespace posynda::core {
namespace {

constexpr int J = POSYNDA_JOINTS;

// Window starts of one sequence of n frames (posynda/data/windows.py): every stride from 0, plus a
// tail window aligned to the end where the stride leaves frames uncovered. n < T: none (one padded window).
// A causal model: window w ends at frame w (frame 0 repeated before the start), only its last frame is read.
// Computed on demand: a long sequence at stride 1 needs no table of its windows.
struct Plan {
  int64_t n = 0, T = 0, stride = 1, regular = 0;  // regular: windows at 0, stride, 2 stride, ...
  bool tail = false;                               // one more window at n - T
  bool causal = false;
  int64_t windows() const { return causal ? n : regular == 0 ? 1 : regular + (tail ? 1 : 0); }
  int64_t start(int64_t i) const { return causal ? i - T + 1 : i < regular ? i * stride : n - T; }
};

Plan plan_windows(int64_t n, int64_t T, int64_t stride, bool causal) {
  Plan p;
  p.n = n, p.T = T, p.stride = stride, p.causal = causal;
  if (causal || n < T) return p;
  p.regular = (n - T) / stride + 1;
  p.tail = (p.regular - 1) * stride != n - T;
  return p;
}

const char* const kNonFinite =
    "the lift gave non-finite poses (keypoints or camera too far outside what the model can lift)";

// Error(INPUT) unless every value of a [count] float buffer is finite: never NaN poses with POSYNDA_OK.
void require_finite(const float* values, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i])) fail(POSYNDA_ERROR_INPUT, kNonFinite);
}

// Frame indices of the padded window of a sequence shorter than T (edge frames repeated, centred).
std::vector<int64_t> padded_index(int64_t n, int64_t T) {
  std::vector<int64_t> local(T);
  const int64_t left = (T - n) / 2;
  for (int64_t i = 0; i < T; ++i) local[i] = std::min(std::max(i - left, int64_t{0}), n - 1);
  return local;
}

bool padded_real(int64_t i, int64_t n, int64_t T) {
  const int64_t left = (T - n) / 2;
  return i >= left && i < left + n;
}

}  // namespace

void lift_sequence(Model& model, const posynda_camera& camera, const posynda_settings& settings,
                   const posynda_sequence& seq, float* root_relative_mm, float* absolute_mm) {
  check_order(model.meta(), seq.joints, enum_value(seq.order));
  if (seq.frames < 1 || seq.frames > limits::MAX_SEQUENCE_FRAMES)
    fail(POSYNDA_ERROR_INPUT, "sequence frames must be in [1, " + std::to_string(limits::MAX_SEQUENCE_FRAMES) +
                                  "], got " + std::to_string(seq.frames));
  if (!seq.keypoints) fail(POSYNDA_ERROR_ARGUMENT, "sequence keypoints is NULL");
  if (!root_relative_mm) fail(POSYNDA_ERROR_ARGUMENT, "root_relative_mm output is NULL");
  if (!(seq.fps == 0.0 || (seq.fps > 0.0 && seq.fps <= limits::MAX_FPS)))  // NaN fails too
    fail(POSYNDA_ERROR_INPUT, "sequence fps must lie in (0, " + py_g(limits::MAX_FPS) +
                                  "] frames/s (0: not known, 50 assumed), got " + py_float(seq.fps));
  const int64_t n = seq.frames;
  check_keypoints(seq.keypoints, seq.confidence, n, seq.joints);  // the whole sequence, before any work
  Engine engine(model, settings, camera_intrinsics(camera));
  const int64_t T = engine.frames();
  std::vector<float> raw(elements<float>("keypoints", {n, J, 2})), weights(elements<float>("weights", {n, J}));
  to_model_joints(model.meta(), seq.order, seq.keypoints, seq.confidence, n, raw.data(), weights.data());
  std::vector<double> seg(raw.begin(), raw.end());
  bool missing = false;
  for (float v : raw) missing = missing || std::isnan(v);
  if (missing && !fill_track(model.meta(), seg.data(), n, {}))
    fail(POSYNDA_ERROR_INPUT, "the sequence has no finite keypoint (every joint of every frame is missing)");
  std::vector<float> filled(seg.begin(), seg.end());
  std::vector<double>().swap(seg);

  // windows: regular windows first, the tail last; a sequence shorter than T is one padded window
  const Plan plan = plan_windows(n, T, engine.stride(), engine.causal());
  const bool one_padded = !plan.causal && plan.regular == 0;
  const std::vector<int64_t> padded = one_padded ? padded_index(n, T) : std::vector<int64_t>{};
  auto frame_of = [&](int64_t w, int64_t t) {
    return one_padded ? padded[t] : std::max<int64_t>(plan.start(w) + t, 0);  // causal: frame 0 repeated before
  };
  auto real = [&](int64_t t) { return plan.causal ? t == T - 1 : !one_padded || padded_real(t, n, T); };
  const int64_t W = plan.windows(), B = engine.settings().batch_size;
  std::vector<double> sum(elements<double>("poses", {n, J, 3}), 0.0), count(static_cast<size_t>(n), 0.0);
  const int64_t batch = std::min(B, W);
  std::vector<float> f_in(elements<float>("keypoints", {batch, T, J, 2})), r_in(f_in.size()),
      w_in(elements<float>("weights", {batch, T, J})), mm(elements<float>("poses", {batch, T, J, 3}));
  std::vector<uint32_t> ids(static_cast<size_t>(batch));
  for (int64_t begin = 0; begin < W; begin += B) {
    const int64_t b = std::min(B, W - begin);
    for (int64_t i = 0; i < b; ++i) {
      ids[i] = static_cast<uint32_t>(begin + i);
      for (int64_t t = 0; t < T; ++t) {
        const int64_t f = frame_of(begin + i, t), row = i * T + t;
        std::copy_n(filled.begin() + f * J * 2, J * 2, f_in.begin() + row * J * 2);
        std::copy_n(raw.begin() + f * J * 2, J * 2, r_in.begin() + row * J * 2);
        std::copy_n(weights.begin() + f * J, J, w_in.begin() + row * J);
      }
    }
    engine.lift(f_in.data(), r_in.data(), w_in.data(), ids.data(), b, mm.data());
    require_finite(mm.data(), b * T * J * 3);
    for (int64_t i = 0; i < b; ++i) {  // overlap_average: a tail window fills only uncovered frames
      const bool tail = plan.tail && begin + i == W - 1;
      for (int64_t t = 0; t < T; ++t) {
        const int64_t f = frame_of(begin + i, t);
        if (!real(t)) continue;
        if (tail && count[f] > 0) continue;
        for (int k = 0; k < J * 3; ++k) sum[f * J * 3 + k] += mm[(i * T + t) * J * 3 + k];
        count[f] += 1.0;
      }
    }
  }
  for (int64_t f = 0; f < n; ++f)
    for (int k = 0; k < J * 3; ++k) root_relative_mm[f * J * 3 + k] = static_cast<float>(sum[f * J * 3 + k] / count[f]);
  require_finite(root_relative_mm, n * J * 3);
  if (absolute_mm) {
    for (int64_t f = 0; f < n; ++f)
      engine.place(root_relative_mm + f * J * 3, filled.data() + f * J * 2, weights.data() + f * J, absolute_mm + f * J * 3);
    require_finite(absolute_mm, n * J * 3);
    median_root_depth(absolute_mm, n, settings.root_window_s, seq.fps > 0.0 ? seq.fps : kAssumedFps);
  }
}

// ---- stream ------------------------------------------------------------------------------------

Stream::Stream(Model& model, const posynda_camera& camera, const posynda_settings& settings, posynda_joint_order order)
    : engine_(model, settings, camera_intrinsics(camera)),
      order_(order),
      T_(engine_.frames()),
      pixels_(elements<float>("keypoints", {T_, J, 2}), std::numeric_limits<float>::quiet_NaN()),
      weights_(elements<float>("weights", {T_, J}), 0.0f),
      sum_(elements<double>("poses", {T_, J, 3}), 0.0),
      count_(static_cast<size_t>(T_), 0.0),
      before_(J) {}

bool Stream::push(const float* keypoints, const float* confidence, posynda_pose* pose) {
  if (finished_) fail(POSYNDA_ERROR_STATE, "the stream is finished (posynda_stream_finish was called)");
  if (!failure_.empty()) fail(POSYNDA_ERROR_STATE, "the stream failed earlier (" + failure_ + "); open a new one");
  if (!keypoints || !pose) fail(POSYNDA_ERROR_ARGUMENT, "keypoints or pose is NULL");
  check_keypoints(keypoints, confidence, 1, source_joints(order_));  // before anything moves: a refused frame
                                                                     // leaves the stream as it was
  try {
    return advance(keypoints, confidence, pose);
  } catch (const Error& e) {  // the buffers moved on: later frames would lack this window
    failure_ = e.what();
    throw;
  }
}

bool Stream::advance(const float* keypoints, const float* confidence, posynda_pose* pose) {
  const int64_t t = pushed_, slot = t % T_;
  float xy[J * 2], w[J];
  to_model_joints(engine_.meta(), order_, keypoints, confidence, 1, xy, w);
  if (t >= T_) {  // the frame leaving the buffer keeps its joints' last observations
    for (int j = 0; j < J; ++j) {
      const float* p = &pixels_[(slot * J + j) * 2];
      if (std::isfinite(p[0]) && std::isfinite(p[1])) before_[j] = {{static_cast<double>(t - T_), {p[0], p[1]}}};
    }
  }
  std::copy_n(xy, J * 2, pixels_.begin() + slot * J * 2);
  std::copy_n(w, J, weights_.begin() + slot * J);
  std::fill_n(sum_.begin() + slot * J * 3, J * 3, 0.0);
  count_[slot] = 0.0;
  ++pushed_;
  if (engine_.causal()) {
    lift_causal(t, pose);
    return true;
  }
  const int64_t start = t - T_ + 1;
  if (start >= 0 && start % engine_.stride() == 0) lift_window(start, false, {});
  if (t < latency()) return false;
  emit(t - latency(), pose);
  return true;
}

int Stream::finish(posynda_pose* poses, int capacity) {
  if (finished_) fail(POSYNDA_ERROR_STATE, "the stream is already finished");
  if (!failure_.empty()) fail(POSYNDA_ERROR_STATE, "the stream failed earlier (" + failure_ + "); open a new one");
  if (!poses && std::min<int64_t>(latency(), pushed_) > 0) fail(POSYNDA_ERROR_ARGUMENT, "poses is NULL");
  if (capacity < std::min<int64_t>(latency(), pushed_))
    fail(POSYNDA_ERROR_ARGUMENT, "finish needs room for " + std::to_string(latency()) + " poses, got " +
                                     std::to_string(capacity));
  finished_ = true;
  const int64_t n = pushed_;
  if (n == 0 || engine_.causal()) return 0;  // a causal stream returned every frame at its push
  if (n < T_) {
    lift_window(0, false, padded_index(n, T_));
  } else if ((n - T_) % engine_.stride() != 0) {
    lift_window(n - T_, true, {});
  }
  int written = 0;
  for (int64_t f = std::max<int64_t>(0, n - latency()); f < n; ++f) emit(f, &poses[written++]);
  return written;
}

void Stream::filled(int64_t first, int64_t count, std::vector<float>& out) const {
  std::vector<double> seg(elements<double>("keypoints", {count, J, 2}));
  bool missing = false;
  for (int64_t i = 0; i < count; ++i)
    for (int k = 0; k < J * 2; ++k) {
      seg[i * J * 2 + k] = pixels_[((first + i) % T_) * J * 2 + k];
      missing = missing || std::isnan(seg[i * J * 2 + k]);
    }
  if (missing) {
    std::vector<Observation> before(J);
    for (int j = 0; j < J; ++j)
      if (before_[j]) before[j] = {{before_[j]->first - static_cast<double>(first), before_[j]->second}};
    if (!fill_track(engine_.meta(), seg.data(), count, before))
      fail(POSYNDA_ERROR_INPUT, "no keypoint observed in stream frames 0.." + std::to_string(first + count - 1));
  }
  out.assign(seg.begin(), seg.end());
}

void Stream::sample(int64_t first, const std::vector<float>& seg, const std::vector<int64_t>& positions,
                    std::vector<float>& mm) {
  std::vector<float> f_in(elements<float>("keypoints", {T_, J, 2})), r_in(f_in.size()),
      w_in(elements<float>("weights", {T_, J}));
  mm.assign(elements<float>("poses", {T_, J, 3}), 0.0f);
  for (int64_t i = 0; i < T_; ++i) {
    const int64_t k = positions[i];  // position in the segment
    const int64_t slot = (first + k) % T_;
    std::copy_n(seg.begin() + k * J * 2, J * 2, f_in.begin() + i * J * 2);
    std::copy_n(pixels_.begin() + slot * J * 2, J * 2, r_in.begin() + i * J * 2);
    std::copy_n(weights_.begin() + slot * J, J, w_in.begin() + i * J);
  }
  const uint32_t id = windows_++;
  engine_.lift(f_in.data(), r_in.data(), w_in.data(), &id, 1, mm.data());
  require_finite(mm.data(), static_cast<int64_t>(mm.size()));
}

void Stream::lift_window(int64_t start, bool tail, const std::vector<int64_t>& local) {
  const int64_t count = local.empty() ? T_ : pushed_;
  std::vector<float> seg, mm;
  filled(start, count, seg);
  std::vector<int64_t> positions(local);
  if (positions.empty())
    for (int64_t i = 0; i < T_; ++i) positions.push_back(i);
  sample(start, seg, positions, mm);
  for (int64_t i = 0; i < T_; ++i) {
    if (!local.empty() && !padded_real(i, count, T_)) continue;
    const int64_t slot = (start + (local.empty() ? i : local[i])) % T_;
    if (tail && count_[slot] > 0) continue;  // a tail window fills only what no other window covers
    for (int k = 0; k < J * 3; ++k) sum_[slot * J * 3 + k] += mm[i * J * 3 + k];
    count_[slot] += 1.0;
  }
}

void Stream::lift_causal(int64_t t, posynda_pose* pose) {
  const int64_t first = std::max<int64_t>(0, t - T_ + 1), count = t - first + 1;
  std::vector<float> seg, mm;  // frames first..t, gaps held from the last observation
  filled(first, count, seg);
  std::vector<int64_t> positions(static_cast<size_t>(T_));
  for (int64_t i = 0; i < T_; ++i) positions[i] = std::max<int64_t>(t - T_ + 1 + i, 0) - first;  // frame 0 repeated
  sample(first, seg, positions, mm);
  pose->frame = t;
  std::copy_n(mm.begin() + (T_ - 1) * J * 3, J * 3, &pose->root_relative_mm[0][0]);
  require_finite(&pose->root_relative_mm[0][0], J * 3);
  engine_.place(&pose->root_relative_mm[0][0], seg.data() + (count - 1) * J * 2, weights_.data() + (t % T_) * J,
                &pose->absolute_mm[0][0]);
  require_finite(&pose->absolute_mm[0][0], J * 3);
}

void Stream::place(int64_t frame, const float* root_relative_mm, float* absolute_mm) const {
  const int64_t first = std::max<int64_t>(0, pushed_ - T_);
  if (frame < first || frame >= pushed_)
    fail(POSYNDA_ERROR_ARGUMENT, "stream frame " + std::to_string(frame) + " is no longer buffered (frames " +
                                     std::to_string(first) + ".." + std::to_string(pushed_ - 1) + " are)");
  std::vector<float> seg;
  filled(first, pushed_ - first, seg);
  engine_.place(root_relative_mm, seg.data() + (frame - first) * J * 2, weights_.data() + (frame % T_) * J,
                absolute_mm);
  require_finite(absolute_mm, J * 3);
}

void Stream::emit(int64_t frame, posynda_pose* pose) {
  const int64_t slot = frame % T_;
  pose->frame = frame;
  for (int k = 0; k < J * 3; ++k) (&pose->root_relative_mm[0][0])[k] = static_cast<float>(sum_[slot * J * 3 + k] / count_[slot]);
  require_finite(&pose->root_relative_mm[0][0], J * 3);
  place(frame, &pose->root_relative_mm[0][0], &pose->absolute_mm[0][0]);
}

}  // namespace posynda::core
