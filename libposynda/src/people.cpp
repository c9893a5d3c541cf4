#include "people.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <future>
#include <thread>

#include "error.hpp"
#include "ort_env.hpp"

namespace posynda::core {
namespace {

constexpr int kDetectorSide = 224, kAnchors = 2254, kLandmarkSide = 256, kHip = 33, kAboveHead = 34;
constexpr double kNmsIou = 0.3;
constexpr double kNearerScale = 1.25;  // people.NEARER_SCALE

// [2254, 2] anchor centres in [0, 1] (person_boxes.anchor_centres: strides 8, 16, 32 x 3; two per layer and cell).
std::vector<double> anchor_centres() {
  const int strides[] = {8, 16, 32, 32, 32};
  std::vector<double> out;
  for (int layer = 0; layer < 5;) {
    int last = layer;
    while (last < 5 && strides[last] == strides[layer]) ++last;
    const int cells = (kDetectorSide + strides[layer] - 1) / strides[layer], per_cell = 2 * (last - layer);
    for (int y = 0; y < cells; ++y)
      for (int x = 0; x < cells; ++x)
        for (int k = 0; k < per_cell; ++k) {
          out.push_back((x + 0.5) / cells);
          out.push_back((y + 0.5) / cells);
        }
    layer = last;
  }
  return out;
}

double sigmoid(double x, double bound) { return 1.0 / (1.0 + std::exp(-std::min(std::max(x, -bound), bound))); }

double iou(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  const double x0 = std::max(a[0], b[0]), y0 = std::max(a[1], b[1]), x1 = std::min(a[2], b[2]),
               y1 = std::min(a[3], b[3]);
  const double inter = std::max(x1 - x0, 0.0) * std::max(y1 - y0, 0.0);
  const double area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
  return inter / std::max(area_a + area_b - inter, 1e-12);
}

double median_distance(const Landmarks& a, const Landmarks& b) {
  std::array<double, kLandmarks> d{};
  for (int k = 0; k < kLandmarks; ++k)
    d[k] = std::hypot(a.keypoints[2 * k] - b.keypoints[2 * k], a.keypoints[2 * k + 1] - b.keypoints[2 * k + 1]);
  std::nth_element(d.begin(), d.begin() + kLandmarks / 2, d.end());
  return d[kLandmarks / 2];  // 33 values: the middle one
}

// people.same_body: keypoints (median) within SAME_KEYPOINTS and mid-hips within SAME_HIPS of the smaller region.
bool same_body(const Landmarks& a, const Landmarks& b) {
  const double size = std::min(a.next_region.size, b.next_region.size);
  return median_distance(a, b) < 0.1 * size &&
         std::hypot(a.next_region.cx - b.next_region.cx, a.next_region.cy - b.next_region.cy) < 0.15 * size;
}

// The squares along the long side of a frame: one at each end and one in the middle (people.tiles).
std::vector<std::array<int, 3>> tiles(int width, int height) {
  const int side = std::min(width, height), longest = std::max(width, height);
  std::vector<std::array<int, 3>> out;
  if (width == height) return out;
  std::vector<int> starts = {0, (longest - side) / 2, longest - side};
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  for (int s : starts) out.push_back(width > height ? std::array<int, 3>{s, 0, side} : std::array<int, 3>{0, s, side});
  return out;
}

}  // namespace

struct PeopleDetector::Graphs {
  Ort::Session detector{nullptr}, landmarks{nullptr};
  // people.PeopleDetector's side_by_side: two landmark sessions of half the threads each, and their inputs
  std::vector<Ort::Session> side_by_side;
  std::vector<std::vector<float>> side_inputs;
  Ort::MemoryInfo memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<double> anchors = anchor_centres();
};

namespace {

Ort::Session open_graph(const std::string& path, int threads, int side, size_t outputs) {
  if (!std::ifstream(path, std::ios::binary).good())
    fail(POSYNDA_ERROR_MODEL, path + ": no such detector file (posynda export --detector writes it)");
  try {
    Ort::SessionOptions options;
    options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    if (threads > 0) options.SetIntraOpNumThreads(threads);
    options.SetInterOpNumThreads(1);
    options.AddConfigEntry("session.intra_op.allow_spinning", "0");  // posynda.ort: a busy machine
    Ort::Session session(ort_environment(), path.c_str(), options);
    const auto shape = session.GetInputTypeInfo(0).GetTensorTypeAndShapeInfo().GetShape();
    if (session.GetInputCount() != 1 || session.GetOutputCount() != outputs || shape.size() != 4 || shape[1] != side ||
        shape[2] != side || shape[3] != 3)
      fail(POSYNDA_ERROR_MODEL, path + ": not BlazePose's graph (expected one [1, " + std::to_string(side) + ", " +
                                    std::to_string(side) + ", 3] input and " + std::to_string(outputs) + " outputs)");
    return session;
  } catch (const Ort::Exception& e) {
    fail(POSYNDA_ERROR_MODEL, path + ": ONNX Runtime cannot load it: " + e.what());
  }
}

// Runs a one-input graph; outputs[i] receives output i (sizes checked).
void run_graph(Ort::Session& session, Ort::MemoryInfo& memory, std::vector<float>& input, int side,
               const std::vector<std::pair<float*, size_t>>& outputs, const char* what) {
  try {
    Ort::AllocatorWithDefaultOptions allocator;
    const auto in_name = session.GetInputNameAllocated(0, allocator);
    std::vector<Ort::AllocatedStringPtr> names;
    std::vector<const char*> out_names;
    for (size_t i = 0; i < outputs.size(); ++i) {
      names.push_back(session.GetOutputNameAllocated(i, allocator));
      out_names.push_back(names.back().get());
    }
    const int64_t shape[] = {1, side, side, 3};
    Ort::Value in = Ort::Value::CreateTensor<float>(memory, input.data(), input.size(), shape, 4);
    const char* in_names[] = {in_name.get()};
    auto values = session.Run(Ort::RunOptions{nullptr}, in_names, &in, 1, out_names.data(), out_names.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      const size_t count = values[i].GetTensorTypeAndShapeInfo().GetElementCount();
      if (count != outputs[i].second)
        fail(POSYNDA_ERROR_RUNTIME, std::string(what) + " output " + std::to_string(i) + " holds " +
                                        std::to_string(count) + " values, expected " +
                                        std::to_string(outputs[i].second));
      std::copy_n(values[i].GetTensorData<float>(), count, outputs[i].first);
    }
  } catch (const Ort::Exception& e) {
    fail(POSYNDA_ERROR_RUNTIME, std::string("ONNX Runtime failed running the ") + what + ": " + e.what());
  }
}

}  // namespace

PeopleDetector::PeopleDetector(const std::string& folder, const DetectorSettings& settings, int threads)
    : graphs_(new Graphs),
      settings_(settings),
      detector_input_(static_cast<size_t>(kDetectorSide) * kDetectorSide * 3),
      landmark_input_(static_cast<size_t>(kLandmarkSide) * kLandmarkSide * 3) {
  graphs_->detector = open_graph(folder + "/person_detector.onnx", threads, kDetectorSide, 2);
  graphs_->landmarks = open_graph(folder + "/landmarks.onnx", threads, kLandmarkSide, 3);
  // threads 0 is ONNX Runtime's default (the cores): side by side on a machine of two or more
  const int cores = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  if (settings_.side_by_side && cores >= 2) {
    for (int k = 0; k < 2; ++k) {
      graphs_->side_by_side.push_back(open_graph(folder + "/landmarks.onnx", cores / 2, kLandmarkSide, 3));
      graphs_->side_inputs.emplace_back(landmark_input_.size());
    }
  }
}

PeopleDetector::~PeopleDetector() = default;

std::vector<PeopleDetector::Box> PeopleDetector::boxes_in(const Frame& frame) {
  const Affine m = letterbox_transform(frame.width, frame.height, kDetectorSide);
  warp(frame, m, kDetectorSide, kDetectorSide, detector_input_.data());
  for (float& v : detector_input_) v = v / 127.5f - 1.0f;  // [-1, 1]: the border is -1
  std::vector<float> regressors(static_cast<size_t>(kAnchors) * 12), logits(kAnchors);
  run_graph(graphs_->detector, graphs_->memory, detector_input_, kDetectorSide,
            {{regressors.data(), regressors.size()}, {logits.data(), logits.size()}}, "person detector");
  // person_boxes.decode: kept scores, best first (stable), weighted non-maximum suppression
  std::vector<int> keep;
  std::vector<double> scores(kAnchors);
  for (int a = 0; a < kAnchors; ++a) {
    scores[a] = sigmoid(static_cast<double>(logits[a]), 100.0);
    if (scores[a] >= settings_.min_detection) keep.push_back(a);
  }
  std::stable_sort(keep.begin(), keep.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  std::vector<Box> candidates;
  for (int a : keep) {
    const float* r = &regressors[static_cast<size_t>(a) * 12];
    const double ax = graphs_->anchors[2 * a] * kDetectorSide, ay = graphs_->anchors[2 * a + 1] * kDetectorSide;
    const double cx = r[0] + ax, cy = r[1] + ay, w = r[2], h = r[3];
    Box box{scores[a], {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, {}};
    for (int k = 0; k < 4; ++k) box.keypoints[2 * k] = r[4 + 2 * k] + ax, box.keypoints[2 * k + 1] = r[5 + 2 * k] + ay;
    candidates.push_back(box);
  }
  std::vector<Box> people;
  while (!candidates.empty()) {
    std::vector<bool> overlap(candidates.size());
    double total = 0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      overlap[i] = i == 0 || iou(candidates[0].box, candidates[i].box) > kNmsIou;
      if (overlap[i]) total += candidates[i].score;
    }
    Box merged{candidates[0].score, {}, {}};
    std::vector<Box> rest;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!overlap[i]) {
        rest.push_back(candidates[i]);
        continue;
      }
      const double w = candidates[i].score / total;
      for (int k = 0; k < 4; ++k) merged.box[k] += w * candidates[i].box[k];
      for (int k = 0; k < 8; ++k) merged.keypoints[k] += w * candidates[i].keypoints[k];
    }
    double x0, y0, x1, y1;  // into the frame's pixels
    to_image(m, merged.box[0], merged.box[1], x0, y0);
    to_image(m, merged.box[2], merged.box[3], x1, y1);
    merged.box = {x0, y0, x1, y1};
    for (int k = 0; k < 4; ++k)
      to_image(m, merged.keypoints[2 * k], merged.keypoints[2 * k + 1], merged.keypoints[2 * k],
               merged.keypoints[2 * k + 1]);
    people.push_back(merged);
    candidates.swap(rest);
  }
  return people;
}

std::vector<PeopleDetector::Box> PeopleDetector::boxes(const Frame& frame) {
  std::vector<Box> found = boxes_in(frame);
  if (settings_.tiles) {
    for (const auto& tile : tiles(frame.width, frame.height)) {
      for (Box box : boxes_in(frame.window(tile[0], tile[1], tile[2], tile[2]))) {
        for (int k = 0; k < 4; ++k) box.box[k] += k % 2 ? tile[1] : tile[0];
        for (int k = 0; k < 8; ++k) box.keypoints[k] += k % 2 ? tile[1] : tile[0];
        found.push_back(box);
      }
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const Box& a, const Box& b) { return a.score > b.score; });
  std::vector<Box> kept;  // one box per person: hips apart by more than half the first's hip-to-head
  for (const Box& box : found) {
    const double radius = std::hypot(box.keypoints[2] - box.keypoints[0], box.keypoints[3] - box.keypoints[1]);
    bool apart = true;
    for (const Box& k : kept)
      apart = apart && std::hypot(box.keypoints[0] - k.keypoints[0], box.keypoints[1] - k.keypoints[1]) > 0.5 * radius;
    if (apart) kept.push_back(box);
  }
  return kept;
}


std::vector<Landmarks> PeopleDetector::follow(const Frame& frame, const std::vector<Region>& regions) {
  std::vector<Landmarks> out(regions.size());
  if (graphs_->side_by_side.size() < 2 || regions.size() < 2) {  // one person keeps the session of every thread
    for (size_t k = 0; k < regions.size(); ++k) out[k] = landmarks(frame, regions[k]);
    return out;
  }
  for (size_t k = 0; k < regions.size(); k += 2) {  // two at once: k on its own thread, k + 1 on this one
    std::future<Landmarks> first = std::async(std::launch::async, [&, k] {
      return landmarks(frame, regions[k], 0);
    });
    std::exception_ptr failed;
    if (k + 1 < regions.size()) {
      try {
        out[k + 1] = landmarks(frame, regions[k + 1], 1);
      } catch (...) {
        failed = std::current_exception();
      }
    }
    out[k] = first.get();  // waits for it (and rethrows its error) before this thread's
    if (failed) std::rethrow_exception(failed);
  }
  return out;
}

Landmarks PeopleDetector::landmarks(const Frame& frame, const Region& region, int side) {
  Ort::Session& session = side < 0 ? graphs_->landmarks : graphs_->side_by_side[side];
  std::vector<float>& input = side < 0 ? landmark_input_ : graphs_->side_inputs[side];
  const Affine m = crop_transform(region, kLandmarkSide);
  warp(frame, m, kLandmarkSide, kLandmarkSide, input.data());
  for (float& v : input) v = v / 255.0f;
  float raw[39 * 5], flag = 0, world[39 * 3];
  run_graph(session, graphs_->memory, input, kLandmarkSide, {{raw, 39 * 5}, {&flag, 1}, {world, 39 * 3}},
            "landmark model");
  Landmarks out;  // landmarks.decode
  double points[39 * 2];
  for (int k = 0; k < 39; ++k)
    to_image(m, static_cast<double>(raw[5 * k]), static_cast<double>(raw[5 * k + 1]), points[2 * k], points[2 * k + 1]);
  const double c = std::cos(region.rotation), s = std::sin(region.rotation);
  for (int k = 0; k < kLandmarks; ++k) {
    out.keypoints[2 * k] = points[2 * k], out.keypoints[2 * k + 1] = points[2 * k + 1];
    out.visibility[k] = sigmoid(static_cast<double>(raw[5 * k + 3]), 60.0);
    out.presence[k] = sigmoid(static_cast<double>(raw[5 * k + 4]), 60.0);
    const double wx = world[3 * k], wy = world[3 * k + 1];
    out.world[3 * k] = c * wx - s * wy, out.world[3 * k + 1] = s * wx + c * wy, out.world[3 * k + 2] = world[3 * k + 2];
  }
  out.flag = flag;
  out.region = region;
  out.next_region = aligned_region(points[2 * kHip], points[2 * kHip + 1], points[2 * kAboveHead],
                                   points[2 * kAboveHead + 1]);
  return out;
}

bool PeopleDetector::known(const Box& box) const {
  for (const Track& t : active_)
    if (std::hypot(box.keypoints[0] - t.landmarks.next_region.cx, box.keypoints[1] - t.landmarks.next_region.cy) <
        0.3 * t.landmarks.next_region.size)
      return true;
  return false;
}

bool PeopleDetector::nearer(const Frame& frame, const Track& track, const std::vector<Track>& still, Landmarks& out) {
  const Region& was = track.landmarks.next_region;
  const double steps = static_cast<double>(std::max<int64_t>(frame_ - track.frame, 1));
  const Region larger{was.cx + track.vx * steps, was.cy + track.vy * steps, was.size * kNearerScale, was.rotation};
  out = landmarks(frame, larger);
  if (out.flag < settings_.min_tracking) return false;
  for (const Track& t : still)
    if (same_body(out, t.landmarks)) return false;
  return true;
}

bool PeopleDetector::reidentified(const Landmarks& found, Track& earlier) {
  int best = -1;
  double best_distance = 0.5;
  const Region& r = found.next_region;
  for (size_t i = 0; i < ended_.size(); ++i) {
    const Track& track = ended_[i];
    const int64_t gap = frame_ - track.frame;
    const double ratio = r.size / track.landmarks.next_region.size;
    if (gap > settings_.reid_frames || !(0.67 < ratio && ratio < 1.5)) continue;
    const double steps = static_cast<double>(std::min<int64_t>(gap, 15));
    const double px = track.landmarks.next_region.cx + track.vx * steps,
                 py = track.landmarks.next_region.cy + track.vy * steps;
    const double distance = std::hypot(r.cx - px, r.cy - py) / track.landmarks.next_region.size;
    if (distance < best_distance) best = static_cast<int>(i), best_distance = distance;
  }
  if (best < 0) return false;
  earlier = ended_[best];
  ended_.erase(ended_.begin() + best);
  return true;
}

std::vector<PeopleDetector::Found> PeopleDetector::detect(const Frame& frame) {
  ++frame_;
  const size_t ended_before = ended_.size();
  struct Moved {
    double share;  // of its region the track moved
    size_t index;
    Landmarks found;
  };
  std::vector<Moved> moved;
  std::vector<Region> regions;
  for (const Track& track : active_) regions.push_back(track.landmarks.next_region);
  const std::vector<Landmarks> followed = follow(frame, regions);
  for (size_t i = 0; i < active_.size(); ++i) {
    const Track& track = active_[i];
    const Landmarks& found = followed[i];
    if (found.flag < settings_.min_tracking) {
      ended_.push_back(track);
      continue;
    }
    const Region& was = track.landmarks.next_region;
    moved.push_back({std::hypot(found.next_region.cx - was.cx, found.next_region.cy - was.cy) / was.size, i, found});
  }
  std::sort(moved.begin(), moved.end(), [](const Moved& a, const Moved& b) {  // who moved least first
    return a.share < b.share || (a.share == b.share && a.index < b.index);
  });
  std::vector<Track> still;
  for (const Moved& m : moved) {
    Track track = active_[m.index];
    bool duplicate = false;
    for (const Track& t : still) duplicate = duplicate || same_body(m.found, t.landmarks);
    Landmarks found = m.found;
    if (duplicate && !nearer(frame, track, still, found)) {  // on someone else's body: look again, larger
      ended_.push_back(track);
      continue;
    }
    const double steps = static_cast<double>(std::max<int64_t>(frame_ - track.frame, 1));
    track.vx = 0.5 * track.vx + 0.5 * (found.next_region.cx - track.landmarks.next_region.cx) / steps;
    track.vy = 0.5 * track.vy + 0.5 * (found.next_region.cy - track.landmarks.next_region.cy) / steps;
    track.landmarks = found, track.frame = frame_;
    still.push_back(track);
  }
  active_.swap(still);
  const int64_t every = settings_.detect_every;
  for (size_t i = ended_before; i < ended_.size(); ++i)  // a person tracked for a while was lost: search
    if (frame_ - ended_[i].since >= every) search_until_ = frame_ + every;
  if (active_.empty() || frame_ % every == 0 || frame_ <= search_until_) {
    for (const Box& box : boxes(frame)) {
      if (static_cast<int>(active_.size()) >= settings_.max_people || known(box)) continue;
      Landmarks found = landmarks(frame, aligned_region(box.keypoints[0], box.keypoints[1], box.keypoints[2],
                                                        box.keypoints[3]));
      bool duplicate = false;
      for (const Track& t : active_) duplicate = duplicate || same_body(found, t.landmarks);
      if (found.flag < settings_.min_tracking || duplicate) continue;
      Track earlier{};
      if (!reidentified(found, earlier)) earlier = {next_id_++, found, frame_, frame_};
      active_.push_back({earlier.id, found, frame_, earlier.since});
    }
  }
  ended_.erase(std::remove_if(ended_.begin(), ended_.end(),
                              [&](const Track& t) { return frame_ - t.frame > settings_.reid_frames; }),
               ended_.end());
  std::vector<Found> out;
  for (const Track& t : active_) out.push_back({t.id, t.landmarks});
  std::sort(out.begin(), out.end(), [](const Found& a, const Found& b) { return a.id < b.id; });
  return out;
}

}  // namespace posynda::core
