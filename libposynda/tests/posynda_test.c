/* posynda_test: the C API's contract in plain C -- bad input gets an error status and a message (never
 * a crash), a whole-sequence lift and a stream of the same frames agree, handles close cleanly. Built
 * plain and with AddressSanitizer + UBSan (libposynda/build.sh --asan); run by tests/libposynda.
 *
 *   posynda_test MODEL.onnx NO_METADATA.onnx
 *
 * Exit status 0 when every check passed; 1 otherwise (each failure printed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "posynda/posynda.h"

static int checks = 0, failures = 0;

#define CHECK(cond, ...)                                             \
  do {                                                               \
    ++checks;                                                        \
    if (!(cond)) {                                                   \
      ++failures;                                                    \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
      fprintf(stderr, __VA_ARGS__);                                  \
      fprintf(stderr, " [last error: %s]\n", posynda_last_error()); \
    }                                                                \
  } while (0)

/* An error status with a non-empty message that mentions `word`. */
static void expect_error(posynda_status got, posynda_status want, const char* word, const char* what) {
  CHECK(got == want, "%s: status %s, expected %s", what, posynda_status_name(got), posynda_status_name(want));
  CHECK(strlen(posynda_last_error()) > 0, "%s: empty error message", what);
  CHECK(strstr(posynda_last_error(), word) != NULL, "%s: message lacks '%s'", what, word);
}

/* A walking-in-place figure (H36M-17, metres, camera frame 4 m away) projected with f = 1000 px. */
static void make_frames(float* kp, int frames) {
  static const float pose[17][3] = {{0, 0, 0},        {-0.13f, 0, 0},    {-0.13f, 0.45f, 0}, {-0.13f, 0.88f, 0},
                                    {0.13f, 0, 0},    {0.13f, 0.45f, 0}, {0.13f, 0.88f, 0},  {0, -0.23f, 0},
                                    {0, -0.48f, 0},   {0, -0.58f, 0},    {0, -0.72f, 0},     {0.17f, -0.45f, 0},
                                    {0.2f, -0.18f, 0}, {0.22f, 0.06f, 0}, {-0.17f, -0.45f, 0}, {-0.2f, -0.18f, 0},
                                    {-0.22f, 0.06f, 0}};
  for (int f = 0; f < frames; ++f) {
    const float swing = 0.25f * sinf(0.2f * (float)f);
    for (int j = 0; j < 17; ++j) {
      float x = pose[j][0], y = pose[j][1], z = pose[j][2] + 4.0f;
      if (j == 2 || j == 3 || j == 15 || j == 16) z += swing * (j == 3 || j == 16 ? 1.5f : 1.0f);
      if (j == 5 || j == 6 || j == 12 || j == 13) z -= swing * (j == 6 || j == 13 ? 1.5f : 1.0f);
      kp[(f * 17 + j) * 2] = 960.0f + 1000.0f * x / z;
      kp[(f * 17 + j) * 2 + 1] = 540.0f + 1000.0f * (y + 0.1f) / z;
    }
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: posynda_test MODEL.onnx NO_METADATA.onnx\n");
    return 2;
  }
  posynda_model* model = NULL;
  posynda_settings settings;
  posynda_settings_init(&settings);
  settings.hypotheses = 2;
  settings.steps = 2;
  posynda_camera camera = {1920, 1080, 1, {1000, 1000, 960, 540, 0, 0, 0, 0, 0}};

  /* models that cannot be opened */
  posynda_model* bad = (posynda_model*)&checks;
  expect_error(posynda_model_open("/nonexistent/model.onnx", NULL, &bad), POSYNDA_ERROR_MODEL, "no such model",
               "missing model");
  CHECK(bad == NULL, "a failed open must leave the handle NULL");
  expect_error(posynda_model_open(argv[2], NULL, &bad), POSYNDA_ERROR_MODEL, "not a posynda export", "no metadata");
  expect_error(posynda_model_open(NULL, NULL, &bad), POSYNDA_ERROR_ARGUMENT, "path", "NULL path");
  expect_error(posynda_model_open(argv[1], NULL, NULL), POSYNDA_ERROR_ARGUMENT, "NULL", "NULL handle");
  posynda_model_options options = {-1};
  expect_error(posynda_model_open(argv[1], &options, &bad), POSYNDA_ERROR_ARGUMENT, "threads", "negative threads");
  posynda_model_close(NULL);

  CHECK(posynda_model_open(argv[1], NULL, &model) == POSYNDA_OK, "open %s", argv[1]);
  if (!model) return 1;
  CHECK(strlen(posynda_last_error()) == 0, "a successful call clears the message");
  posynda_model_info info;
  CHECK(posynda_model_get_info(model, &info) == POSYNDA_OK, "info");
  CHECK(info.joints == 17 && info.window_frames > 0 && info.latency_frames == info.window_frames - 1, "info values");
  expect_error(posynda_model_get_info(model, NULL), POSYNDA_ERROR_ARGUMENT, "info", "NULL info");

  enum { N = 60 };
  float* kp = malloc(sizeof(float) * N * 17 * 2);
  float* rel = malloc(sizeof(float) * N * 17 * 3);
  float* abs_mm = malloc(sizeof(float) * N * 17 * 3);
  make_frames(kp, N);
  posynda_sequence seq = {kp, NULL, N, 17, POSYNDA_ORDER_H36M};

  /* bad lifts */
  posynda_sequence wrong = seq;
  wrong.joints = 16;
  expect_error(posynda_lift(model, &camera, &settings, &wrong, rel, abs_mm), POSYNDA_ERROR_INPUT, "17 joints",
               "16-joint input");
  posynda_camera zero = camera;
  zero.width = 0;
  expect_error(posynda_lift(model, &zero, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "image size",
               "zero image size");
  expect_error(posynda_lift(NULL, &camera, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "model", "NULL model");
  expect_error(posynda_lift(model, NULL, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "camera", "NULL camera");
  expect_error(posynda_lift(model, &camera, NULL, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "settings", "NULL settings");
  expect_error(posynda_lift(model, &camera, &settings, NULL, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "sequence",
               "NULL sequence");
  expect_error(posynda_lift(model, &camera, &settings, &seq, NULL, abs_mm), POSYNDA_ERROR_ARGUMENT, "root_relative",
               "NULL output");
  wrong = seq;
  wrong.keypoints = NULL;
  expect_error(posynda_lift(model, &camera, &settings, &wrong, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "keypoints",
               "NULL keypoints");
  wrong = seq;
  wrong.frames = 0;
  expect_error(posynda_lift(model, &camera, &settings, &wrong, rel, abs_mm), POSYNDA_ERROR_INPUT, "frame", "0 frames");
  wrong = seq;
  wrong.order = (posynda_joint_order)7;
  expect_error(posynda_lift(model, &camera, &settings, &wrong, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "order", "bad order");
  posynda_settings bad_settings = settings;
  bad_settings.hypotheses = 0;
  expect_error(posynda_lift(model, &camera, &bad_settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "hypotheses",
               "0 hypotheses");
  bad_settings = settings;
  bad_settings.aggregate = (posynda_aggregation)9;
  expect_error(posynda_lift(model, &camera, &bad_settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "aggregate",
               "bad aggregation");
  posynda_camera no_focal = camera;
  no_focal.intrinsics[0] = 0;
  expect_error(posynda_lift(model, &no_focal, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "focal",
               "zero focal length");
  float nan_frame[17 * 2];
  for (int i = 0; i < 17 * 2; ++i) nan_frame[i] = NAN;
  posynda_sequence nan_seq = {nan_frame, NULL, 1, 17, POSYNDA_ORDER_H36M};
  expect_error(posynda_lift(model, &camera, &settings, &nan_seq, rel, abs_mm), POSYNDA_ERROR_INPUT, "no finite keypoint",
               "NaN-only frame");

  /* a good lift: finite, root at 0, the absolute root about 4 m in front of the camera */
  CHECK(posynda_lift(model, &camera, &settings, &seq, rel, abs_mm) == POSYNDA_OK, "lift");
  int finite = 1;
  for (int i = 0; i < N * 17 * 3; ++i) finite = finite && isfinite(rel[i]) && isfinite(abs_mm[i]);
  CHECK(finite, "poses are finite");
  CHECK(rel[0] == 0 && rel[1] == 0 && rel[2] == 0, "root-relative root is 0");
  CHECK(abs_mm[2] > 2500 && abs_mm[2] < 6000, "absolute root depth %.0f mm", abs_mm[2]);

  /* the stream of the same frames equals the whole-sequence lift */
  posynda_stream* stream = NULL;
  expect_error(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_H36M, 16, &stream), POSYNDA_ERROR_INPUT,
               "17 joints", "16-joint stream");
  expect_error(posynda_stream_open(model, &zero, &settings, POSYNDA_ORDER_H36M, 17, &stream), POSYNDA_ERROR_ARGUMENT,
               "image size", "zero image size stream");
  CHECK(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_H36M, 17, &stream) == POSYNDA_OK, "stream open");
  const int latency = posynda_stream_latency(stream);
  CHECK(latency == info.latency_frames, "latency %d", latency);
  CHECK(posynda_stream_latency(NULL) == -1, "latency of NULL");
  posynda_pose pose;
  int ready = 0, emitted = 0;
  double worst = 0;
  expect_error(posynda_stream_push(stream, NULL, NULL, &pose, &ready), POSYNDA_ERROR_ARGUMENT, "NULL", "NULL keypoints push");
  expect_error(posynda_stream_push(stream, kp, NULL, &pose, NULL), POSYNDA_ERROR_ARGUMENT, "ready", "NULL ready");
  for (int f = 0; f < N; ++f) {
    CHECK(posynda_stream_push(stream, kp + f * 17 * 2, NULL, &pose, &ready) == POSYNDA_OK, "push %d", f);
    CHECK(ready == (f >= latency), "ready at frame %d", f);
    if (ready) {
      CHECK(pose.frame == f - latency, "pose of frame %lld at push %d", (long long)pose.frame, f);
      for (int i = 0; i < 17 * 3; ++i) {
        const double d = fabs((&pose.root_relative_mm[0][0])[i] - rel[pose.frame * 17 * 3 + i]);
        worst = d > worst ? d : worst;
      }
      ++emitted;
    }
  }
  posynda_pose* rest = malloc(sizeof(posynda_pose) * (size_t)(latency + 1));
  int count = 0;
  expect_error(posynda_stream_finish(stream, rest, latency - 1, &count), POSYNDA_ERROR_ARGUMENT, "room", "small finish");
  CHECK(posynda_stream_finish(stream, rest, latency, &count) == POSYNDA_OK, "finish");
  CHECK(count == latency && emitted + count == N, "finish wrote %d poses after %d", count, emitted);
  for (int k = 0; k < count; ++k)
    for (int i = 0; i < 17 * 3; ++i) {
      const double d = fabs((&rest[k].root_relative_mm[0][0])[i] - rel[rest[k].frame * 17 * 3 + i]);
      worst = d > worst ? d : worst;
    }
  CHECK(worst <= 1e-3, "stream vs whole sequence: %.6f mm", worst);
  expect_error(posynda_stream_push(stream, kp, NULL, &pose, &ready), POSYNDA_ERROR_STATE, "finished", "push after finish");
  expect_error(posynda_stream_finish(stream, rest, latency, &count), POSYNDA_ERROR_STATE, "finished", "finish twice");
  posynda_stream_close(stream);

  /* a stream that never sees a keypoint fails at its first window, then refuses more frames */
  CHECK(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_H36M, 17, &stream) == POSYNDA_OK, "stream open 2");
  posynda_status status = POSYNDA_OK;
  for (int f = 0; f <= latency && status == POSYNDA_OK; ++f) status = posynda_stream_push(stream, nan_frame, NULL, &pose, &ready);
  expect_error(status, POSYNDA_ERROR_INPUT, "no keypoint observed", "NaN-only stream");
  expect_error(posynda_stream_push(stream, kp, NULL, &pose, &ready), POSYNDA_ERROR_STATE, "failed earlier",
               "push after a failure");
  posynda_stream_close(stream);
  posynda_stream_close(NULL);

  free(rest);
  free(kp);
  free(rel);
  free(abs_mm);
  posynda_model_close(model);
  printf("posynda_test: %d checks, %d failed (%s)\n", checks, failures, posynda_version());
  return failures ? 1 : 0;
}
