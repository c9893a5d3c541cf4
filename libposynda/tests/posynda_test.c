/* posynda_test: the C API's contract in plain C -- bad input gets an error status and a message (never
 * a crash): null pointers, settings / image sizes / intrinsics / frame counts out of the bounds of
 * posynda/limits.py, struct_size below this version's (and bigger structs of a later version read up to
 * this version's fields), infinite keypoints and confidences outside [0, 1] (refused before a stream
 * changes: it then equals a stream that never saw them), poses that would not be finite; a whole-sequence
 * lift and a stream of the same frames agree, handles close cleanly. Built plain and with AddressSanitizer
 * + UBSan (libposynda/build.sh --asan); run by tests/libposynda.
 *
 *   posynda_test MODEL.onnx NO_METADATA.onnx [CAUSAL.onnx [DETECTOR_DIR]]
 *
 * With DETECTOR_DIR (`posynda export --detector`): the detector's and the pipeline's refusals (NULL pointers,
 * options, frame sizes and rows out of range, a missing folder, calls after finish) and a pipeline run on frames
 * with nobody in them.
 *
 * With a causal model (`posynda pretrain --causal`, exported): its info says so (L = 0), a stride above 1 is
 * refused, every push returns the pushed frame itself, and the stream equals the whole-sequence lift.
 *
 * Exit status 0 when every check passed; 1 otherwise (each failure printed). */
#include <math.h>
#include <stddef.h>
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

/* A causal model: L = 0, stride > 1 refused, each push returns its own frame, stream = whole sequence. */
static void check_causal(const char* path, const float* kp, int frames) {
  posynda_model* model = NULL;
  CHECK(posynda_model_open(path, NULL, &model) == POSYNDA_OK, "open causal %s", path);
  if (!model) return;
  posynda_model_info info;
  posynda_model_info_init(&info);
  CHECK(posynda_model_get_info(model, &info) == POSYNDA_OK && info.causal == 1 && info.latency_frames == 0,
        "causal info: causal %d, latency %d", info.causal, info.latency_frames);
  posynda_camera camera;
  posynda_camera_init(&camera, 1920, 1080);
  posynda_settings settings;
  posynda_settings_init(&settings);
  settings.hypotheses = 2;
  settings.steps = 2;
  float* rel = malloc(sizeof(float) * (size_t)frames * 17 * 3);
  posynda_sequence seq;
  posynda_sequence_init(&seq);
  seq.keypoints = kp;
  seq.frames = frames;
  posynda_settings strided = settings;
  strided.stride = 5;
  expect_error(posynda_lift(model, &camera, &strided, &seq, rel, NULL), POSYNDA_ERROR_ARGUMENT,
               "stride must be 1 for a causal model", "causal stride 5");
  posynda_stream* stream = NULL;
  expect_error(posynda_stream_open(model, &camera, &strided, POSYNDA_ORDER_H36M, 17, &stream), POSYNDA_ERROR_ARGUMENT,
               "stride must be 1 for a causal model", "causal stream stride 5");
  CHECK(posynda_lift(model, &camera, &settings, &seq, rel, NULL) == POSYNDA_OK, "causal lift");
  CHECK(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_H36M, 17, &stream) == POSYNDA_OK,
        "causal stream open");
  CHECK(posynda_stream_latency(stream) == 0, "causal stream latency 0");
  double worst = 0;
  int own = 1;
  for (int f = 0; f < frames; ++f) {
    posynda_pose pose;
    int ready = 0;
    CHECK(posynda_stream_push(stream, kp + f * 17 * 2, NULL, &pose, &ready) == POSYNDA_OK, "causal push %d", f);
    own = own && ready && pose.frame == f;
    for (int k = 0; ready && k < 17 * 3; ++k) {
      const double d = fabs((double)(&pose.root_relative_mm[0][0])[k] - rel[f * 17 * 3 + k]);
      worst = d > worst ? d : worst;
    }
  }
  CHECK(own, "every causal push returns the pushed frame");
  CHECK(worst <= 1e-3, "causal stream vs whole sequence: %.6f mm", worst);
  int count = -1;
  CHECK(posynda_stream_finish(stream, NULL, 0, &count) == POSYNDA_OK && count == 0, "causal finish: nothing left");
  posynda_stream_close(stream);
  free(rel);
  posynda_model_close(model);
}

/* The pixels-to-3D API's contract: refusals with a status and a message, never a crash. */
static void check_pipeline(const char* model_path, const char* folder) {
  posynda_detector* detector = (posynda_detector*)&checks;
  expect_error(posynda_detector_open("/nonexistent", NULL, &detector), POSYNDA_ERROR_MODEL, "no such detector file",
               "missing detector folder");
  CHECK(detector == NULL, "a refused detector open leaves the handle NULL");
  expect_error(posynda_detector_open(NULL, NULL, &detector), POSYNDA_ERROR_ARGUMENT, "folder", "NULL folder");
  expect_error(posynda_detector_open(folder, NULL, NULL), POSYNDA_ERROR_ARGUMENT, "detector", "NULL detector out");
  posynda_detector_options options;
  CHECK(posynda_detector_options_init(&options) == POSYNDA_OK && options.max_people == 8 && options.tiles == 1 &&
            options.one_after_another == 0,
        "detector options defaults");
  const struct {
    int field;
    double value;
    const char* word;
  } bad[] = {{0, 0, "max_people must be in [1, 64], got 0"},     {1, 0, "detect_every must be in [1, 10000]"},
             {2, 1.5, "min_detection must be in [0, 1], got 1.5"}, {3, NAN, "min_tracking must be in [0, 1]"},
             {4, -1, "reid_frames must be in [0, 1e+06]"},          {5, -2, "threads must be in [0, 1024]"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    posynda_detector_options o = options;
    if (bad[i].field == 0) o.max_people = (int)bad[i].value;
    if (bad[i].field == 1) o.detect_every = (int)bad[i].value;
    if (bad[i].field == 2) o.min_detection = (float)bad[i].value;
    if (bad[i].field == 3) o.min_tracking = (float)bad[i].value;
    if (bad[i].field == 4) o.reid_frames = (int)bad[i].value;
    if (bad[i].field == 5) o.threads = (int)bad[i].value;
    expect_error(posynda_detector_open(folder, &o, &detector), POSYNDA_ERROR_ARGUMENT, bad[i].word, bad[i].word);
  }
  posynda_detector_options small = options;
  small.struct_size = 4;
  expect_error(posynda_detector_open(folder, &small, &detector), POSYNDA_ERROR_ARGUMENT,
               "posynda_detector_options.struct_size is 4", "detector options struct_size 4");
  /* a program built against the first version (no `one_after_another`): opened, side by side as a zeroed field */
  posynda_detector_options first = options;
  first.struct_size = (uint32_t)offsetof(posynda_detector_options, one_after_another);
  first.one_after_another = 7; /* beyond its struct_size: not read */
  CHECK(posynda_detector_open(folder, &first, &detector) == POSYNDA_OK && detector, "first-version detector options");
  posynda_detector_close(detector);
  detector = NULL;
  CHECK(posynda_detector_open(folder, &options, &detector) == POSYNDA_OK && detector, "detector open");
  if (!detector) return;

  enum { W = 64, H = 48 };
  static unsigned char rgb[W * H * 3]; /* a grey frame: nobody in it */
  memset(rgb, 128, sizeof rgb);
  const posynda_person* people = (const posynda_person*)&checks;
  int count = -1;
  expect_error(posynda_detector_detect(detector, NULL, W, H, 3 * W, &people, &count), POSYNDA_ERROR_ARGUMENT, "rgb",
               "NULL rgb");
  CHECK(people == NULL && count == 0, "a refused detect returns no people");
  expect_error(posynda_detector_detect(detector, rgb, 0, H, 3 * W, &people, &count), POSYNDA_ERROR_ARGUMENT,
               "image size must be positive", "zero width");
  expect_error(posynda_detector_detect(detector, rgb, W, 40000, 3 * W, &people, &count), POSYNDA_ERROR_ARGUMENT,
               "at most 32768", "huge height");
  expect_error(posynda_detector_detect(detector, rgb, W, H, 3 * W - 1, &people, &count), POSYNDA_ERROR_ARGUMENT,
               "row_bytes must be in [3 width, 4 width + 4096]", "short rows");
  expect_error(posynda_detector_detect(detector, rgb, W, H, INT64_MAX, &people, &count), POSYNDA_ERROR_ARGUMENT,
               "row_bytes", "rows of INT64_MAX bytes");
  expect_error(posynda_detector_detect(NULL, rgb, W, H, 3 * W, &people, &count), POSYNDA_ERROR_ARGUMENT, "detector",
               "NULL detector");
  CHECK(posynda_detector_detect(detector, rgb, W, H, 3 * W, &people, &count) == POSYNDA_OK && count == 0,
        "nobody in a grey frame: %d people", count);

  posynda_model* model = NULL;
  CHECK(posynda_model_open(model_path, NULL, &model) == POSYNDA_OK, "open %s", model_path);
  posynda_camera camera;
  posynda_camera_init(&camera, W, H);
  posynda_settings settings;
  posynda_settings_init(&settings);
  posynda_pipeline* pipeline = (posynda_pipeline*)&checks;
  posynda_pipeline_options popts;
  CHECK(posynda_pipeline_options_init(&popts) == POSYNDA_OK && popts.max_gap == 30 && popts.orient == 1 &&
            popts.detector_weight == 0.5f,
        "pipeline options defaults");
  posynda_pipeline_options bad_gap = popts;
  bad_gap.max_gap = -1;
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &bad_gap, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "max_gap must be in [0, 100000]", "negative max_gap");
  posynda_pipeline_options bad_weight = popts;
  bad_weight.detector_weight = NAN;
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &bad_weight, &pipeline),
               POSYNDA_ERROR_ARGUMENT, "detector_weight must lie in [0, 1], got nan", "NaN detector weight");
  posynda_settings numbered = settings; /* the pipeline numbers its streams' noise itself */
  numbered.sequence = 3;
  expect_error(posynda_pipeline_open(model, detector, &camera, &numbered, &popts, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "settings.sequence must be 0 for a pipeline", "a pipeline given a noise sequence");
  CHECK(pipeline == NULL, "a refused pipeline open leaves the handle NULL");
  CHECK(popts.level == 0 && popts.camera_up[0] == 0.0f && popts.camera_up[1] == -1.0f && popts.camera_up[2] == 0.0f &&
            popts.size_by_floor == 0 && popts.floor_window == 600,
        "pipeline calibration defaults: none");
  posynda_pipeline_options calibrated = popts; /* `lift --video --stream --calibration` */
  calibrated.orient = 0;
  calibrated.level = 1;
  calibrated.size_by_floor = 1;
  calibrated.camera_up[2] = -0.4f;
  calibrated.camera_height_mm = 1800.0f;
  posynda_pipeline_options flat = calibrated;
  flat.camera_up[0] = flat.camera_up[1] = flat.camera_up[2] = 0.0f;
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &flat, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "camera_up must be a finite nonzero direction", "a zero camera_up");
  posynda_pipeline_options steep = calibrated;
  steep.camera_up[1] = -0.2f; /* with camera_up[2] -0.4: looking 63 degrees down, a wrong up more likely */
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &steep, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "camera_up makes the camera look 63 degrees down", "a camera pitched past 60 degrees");
  posynda_pipeline_options unlevelled = calibrated;
  unlevelled.level = 0;
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &unlevelled, &pipeline),
               POSYNDA_ERROR_ARGUMENT, "size_by_floor needs level", "a floor without the gravity");
  posynda_pipeline_options no_height = calibrated;
  no_height.camera_height_mm = NAN;
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &no_height, &pipeline),
               POSYNDA_ERROR_ARGUMENT, "camera_height_mm must be finite", "a NaN camera height");
  posynda_pipeline_options no_window = calibrated;
  no_window.floor_window = 0;
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &no_window, &pipeline),
               POSYNDA_ERROR_ARGUMENT, "floor_window must be in [1, 100000]", "an empty floor window");
  posynda_pipeline_options inside = calibrated;
  inside.struct_size = (uint32_t)offsetof(posynda_pipeline_options, level) + 4; /* no version's size */
  expect_error(posynda_pipeline_open(model, detector, &camera, &settings, &inside, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "posynda_pipeline_options.struct_size", "a struct_size inside the appended fields");
  CHECK(pipeline == NULL, "refused calibrated opens leave the handle NULL");
  posynda_pipeline_options first_version = calibrated; /* its calibration fields are not read */
  first_version.struct_size = (uint32_t)offsetof(posynda_pipeline_options, level);
  first_version.camera_up[1] = 0.0f;
  CHECK(posynda_pipeline_open(model, detector, &camera, &settings, &first_version, &pipeline) == POSYNDA_OK,
        "a first-version pipeline_options struct opens uncalibrated");
  posynda_pipeline_close(pipeline);
  pipeline = NULL;
  CHECK(posynda_pipeline_open(model, detector, &camera, &settings, &calibrated, &pipeline) == POSYNDA_OK,
        "a calibrated pipeline opens");
  posynda_pipeline_close(pipeline);
  pipeline = NULL;
  expect_error(posynda_pipeline_open(NULL, detector, &camera, &settings, NULL, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "model", "NULL model");
  expect_error(posynda_pipeline_open(model, NULL, &camera, &settings, NULL, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "detector", "NULL detector");
  posynda_camera zero = camera;
  zero.width = 0;
  expect_error(posynda_pipeline_open(model, detector, &zero, &settings, NULL, &pipeline), POSYNDA_ERROR_ARGUMENT,
               "image size", "zero-width camera");
  CHECK(posynda_pipeline_open(model, detector, &camera, &settings, NULL, &pipeline) == POSYNDA_OK, "pipeline open");
  const posynda_person_pose* poses = (const posynda_person_pose*)&checks;
  expect_error(posynda_pipeline_push(pipeline, rgb, 3 * W - 3, &poses, &count), POSYNDA_ERROR_ARGUMENT, "row_bytes",
               "pipeline short rows");
  CHECK(poses == NULL && count == 0, "a refused push returns no poses");
  for (int f = 0; f < 3; ++f)
    CHECK(posynda_pipeline_push(pipeline, rgb, 3 * W, &poses, &count) == POSYNDA_OK && count == 0, "push %d", f);
  CHECK(posynda_pipeline_finish(pipeline, &poses, &count) == POSYNDA_OK && count == 0, "finish");
  float scale = 0.0f;
  int sized = -1;
  expect_error(posynda_pipeline_person_scale(pipeline, 7, &scale, &sized), POSYNDA_ERROR_ARGUMENT,
               "person 7 is neither followed by the pipeline nor one of the last 256 who ended", "an unknown person");
  CHECK(scale == 1.0f && sized == 0, "a refused person_scale writes the lifter's size: %g, %d", scale, sized);
  expect_error(posynda_pipeline_person_scale(pipeline, 0, NULL, NULL), POSYNDA_ERROR_ARGUMENT, "scale", "NULL scale");
  expect_error(posynda_pipeline_person_scale(NULL, 0, &scale, NULL), POSYNDA_ERROR_ARGUMENT, "pipeline",
               "NULL pipeline");
  expect_error(posynda_pipeline_push(pipeline, rgb, 3 * W, &poses, &count), POSYNDA_ERROR_STATE, "finished",
               "push after finish");
  expect_error(posynda_pipeline_finish(pipeline, &poses, &count), POSYNDA_ERROR_STATE, "finished", "finish twice");
  posynda_pipeline_close(pipeline);
  posynda_pipeline_close(NULL);
  posynda_model_close(model);
  posynda_detector_close(detector);
  posynda_detector_close(NULL);
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: posynda_test MODEL.onnx NO_METADATA.onnx [CAUSAL.onnx [DETECTOR_DIR]]\n");
    return 2;
  }
  posynda_model* model = NULL;
  posynda_settings settings;
  CHECK(posynda_settings_init(&settings) == POSYNDA_OK, "settings init");
  CHECK(settings.struct_size == sizeof(posynda_settings) && settings.hypotheses == 1 && settings.batch_size == 64,
        "settings defaults");
  settings.hypotheses = 2;
  settings.steps = 2;
  posynda_camera camera;
  CHECK(posynda_camera_init(&camera, 1920, 1080) == POSYNDA_OK, "camera init");
  CHECK(camera.struct_size == sizeof(posynda_camera) && camera.width == 1920 && camera.height == 1080 &&
            camera.has_intrinsics == 0,
        "camera init values");
  camera.has_intrinsics = 1;
  {
    const float k[9] = {1000, 1000, 960, 540, 0, 0, 0, 0, 0};
    memcpy(camera.intrinsics, k, sizeof k);
  }

  /* models that cannot be opened */
  posynda_model* bad = (posynda_model*)&checks;
  expect_error(posynda_model_open("/nonexistent/model.onnx", NULL, &bad), POSYNDA_ERROR_MODEL, "no such model",
               "missing model");
  CHECK(bad == NULL, "a failed open must leave the handle NULL");
  expect_error(posynda_model_open(argv[2], NULL, &bad), POSYNDA_ERROR_MODEL, "not a posynda export", "no metadata");
  expect_error(posynda_model_open(NULL, NULL, &bad), POSYNDA_ERROR_ARGUMENT, "path", "NULL path");
  expect_error(posynda_model_open(argv[1], NULL, NULL), POSYNDA_ERROR_ARGUMENT, "NULL", "NULL handle");
  posynda_model_options options;
  CHECK(posynda_model_options_init(&options) == POSYNDA_OK && options.threads == 0, "options init");
  options.threads = -1;
  expect_error(posynda_model_open(argv[1], &options, &bad), POSYNDA_ERROR_ARGUMENT, "threads", "negative threads");
  options.threads = 1025;
  expect_error(posynda_model_open(argv[1], &options, &bad), POSYNDA_ERROR_ARGUMENT, "threads must be in [0, 1024]",
               "too many threads");
  options.threads = 0;
  options.struct_size = 0;
  expect_error(posynda_model_open(argv[1], &options, &bad), POSYNDA_ERROR_ARGUMENT, "posynda_model_options.struct_size",
               "options struct_size 0");
  CHECK(bad == NULL, "a refused open leaves the handle NULL");
  posynda_model_close(NULL);

  /* the exported init functions: NULL and a struct_size below this version's are refused */
  expect_error(posynda_settings_init_sized(NULL, sizeof(posynda_settings)), POSYNDA_ERROR_ARGUMENT, "NULL",
               "init NULL settings");
  {
    posynda_settings small;
    memset(&small, 0x5a, sizeof small);
    expect_error(posynda_settings_init_sized(&small, 8), POSYNDA_ERROR_ARGUMENT, "posynda_settings.struct_size is 8",
                 "init with a small size");
    posynda_camera small_camera;
    expect_error(posynda_camera_init_sized(&small_camera, (uint32_t)sizeof(small_camera) - 4, 640, 480),
                 POSYNDA_ERROR_ARGUMENT, "posynda_camera", "camera init with a small size");
    posynda_sequence small_sequence;
    expect_error(posynda_sequence_init_sized(&small_sequence, 0), POSYNDA_ERROR_ARGUMENT, "posynda_sequence",
                 "sequence init with size 0");
    expect_error(posynda_model_info_init_sized(NULL, sizeof(posynda_model_info)), POSYNDA_ERROR_ARGUMENT, "NULL",
                 "info init NULL");
  }

  CHECK(posynda_model_open(argv[1], NULL, &model) == POSYNDA_OK, "open %s", argv[1]);
  if (!model) return 1;
  CHECK(strlen(posynda_last_error()) == 0, "a successful call clears the message");
  posynda_model_info info;
  CHECK(posynda_model_info_init(&info) == POSYNDA_OK && info.struct_size == sizeof info, "info init");
  CHECK(posynda_model_get_info(model, &info) == POSYNDA_OK, "info");
  CHECK(info.joints == 17 && info.window_frames > 0 && info.latency_frames == info.window_frames - 1, "info values");
  CHECK(info.struct_size == sizeof info && strcmp(info.graph, "denoiser") == 0, "info struct_size and graph");
  expect_error(posynda_model_get_info(model, NULL), POSYNDA_ERROR_ARGUMENT, "info", "NULL info");
  {
    posynda_model_info unset;
    memset(&unset, 0, sizeof unset); /* struct_size 0: a caller that forgot posynda_model_info_init */
    expect_error(posynda_model_get_info(model, &unset), POSYNDA_ERROR_ARGUMENT, "posynda_model_info.struct_size is 0",
                 "info struct_size 0");
    CHECK(unset.window_frames == 0, "a refused get_info writes nothing");
    /* a later version's bigger struct: the library fills its own fields, never the bytes beyond them */
    struct {
      posynda_model_info v1;
      uint32_t appended[4];
    } bigger;
    memset(&bigger, 0xab, sizeof bigger);
    bigger.v1.struct_size = (uint32_t)sizeof bigger;
    CHECK(posynda_model_get_info(model, &bigger.v1) == POSYNDA_OK, "info of a bigger struct");
    CHECK(bigger.v1.window_frames == info.window_frames && bigger.v1.struct_size == sizeof bigger,
          "bigger info values");
    CHECK(bigger.appended[0] == 0xabababab && bigger.appended[3] == 0xabababab, "bytes beyond v1 untouched");
    /* a program built against the first version (no `causal` field): served, the bytes after its struct kept */
    posynda_model_info first;
    memset(&first, 0xab, sizeof first);
    first.struct_size = (uint32_t)offsetof(posynda_model_info, causal);
    CHECK(posynda_model_get_info(model, &first) == POSYNDA_OK && first.window_frames == info.window_frames,
          "info of a first-version struct");
    CHECK(first.causal == (int)0xabababab, "a first-version struct's size ends before `causal`: not written");
    CHECK(info.causal == 0, "a centred model is not causal");
  }

  enum { N = 60 };
  float* kp = malloc(sizeof(float) * N * 17 * 2);
  float* rel = malloc(sizeof(float) * N * 17 * 3);
  float* abs_mm = malloc(sizeof(float) * N * 17 * 3);
  make_frames(kp, N);
  posynda_sequence seq;
  CHECK(posynda_sequence_init(&seq) == POSYNDA_OK && seq.joints == 17 && seq.frames == 0, "sequence init");
  seq.keypoints = kp;
  seq.frames = N;

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
  posynda_sequence nan_seq = seq;
  nan_seq.keypoints = nan_frame;
  nan_seq.frames = 1;
  expect_error(posynda_lift(model, &camera, &settings, &nan_seq, rel, abs_mm), POSYNDA_ERROR_INPUT, "no finite keypoint",
               "NaN-only frame");

  /* BlazePose's 33 landmarks: 33 joints, converted by the metadata's rule; 17 of them are refused */
  {
    posynda_stream* landmark_stream = NULL;
    expect_error(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_BLAZEPOSE33, 17, &landmark_stream),
                 POSYNDA_ERROR_INPUT, "keypoints must have 33 joints (BlazePose-33), got 17", "BlazePose, 17 joints");
    CHECK(landmark_stream == NULL, "a refused BlazePose stream leaves the handle NULL");
    CHECK(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_BLAZEPOSE33, 33, &landmark_stream) ==
              POSYNDA_OK,
          "BlazePose stream open");
    float landmarks[33 * 2];
    for (int i = 0; i < 33 * 2; ++i) landmarks[i] = kp[i % (17 * 2)];
    posynda_pose landmark_pose;
    int landmark_ready = -1;
    CHECK(posynda_stream_push(landmark_stream, landmarks, NULL, &landmark_pose, &landmark_ready) == POSYNDA_OK &&
              landmark_ready == 0,
          "BlazePose push");
    posynda_stream_close(landmark_stream);
  }

  /* sizes and settings out of range (posynda/limits.py = src/limits.hpp), refused before anything is read */
  {
    struct {
      int field; /* 0 H, 1 K, 2 batch, 3 stride */
      int value;
      const char* word;
    } cases[] = {{0, 101, "hypotheses must be in [1, 100], got 101"}, {0, -3, "hypotheses"},
                 {1, 1001, "steps must be in [1, 1000], got 1001"},   {1, 0, "steps"},
                 {2, 4097, "batch_size must be in [1, 4096]"},         {2, 0, "batch_size"},
                 {3, 2049, "stride must be in [0, 2048]"},             {3, -1, "stride"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
      bad_settings = settings;
      int* field = cases[i].field == 0   ? &bad_settings.hypotheses
                   : cases[i].field == 1 ? &bad_settings.steps
                   : cases[i].field == 2 ? &bad_settings.batch_size
                                         : &bad_settings.stride;
      *field = cases[i].value;
      expect_error(posynda_lift(model, &camera, &bad_settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, cases[i].word,
                   cases[i].word);
      posynda_stream* refused = (posynda_stream*)&checks;
      expect_error(posynda_stream_open(model, &camera, &bad_settings, POSYNDA_ORDER_H36M, 17, &refused),
                   POSYNDA_ERROR_ARGUMENT, cases[i].word, cases[i].word);
      CHECK(refused == NULL, "a refused stream open leaves the handle NULL");
    }
  }
  {
    posynda_camera big = camera;
    big.width = 32769;
    expect_error(posynda_lift(model, &big, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT,
                 "image size must be positive and at most 32768", "image too wide");
    big = camera;
    big.height = -1080;
    expect_error(posynda_lift(model, &big, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "image size",
                 "negative height");
    const struct {
      int index;
      float value;
    } bad_k[] = {{0, 0.5f}, {1, 2e7f}, {0, NAN}, {2, INFINITY}, {4, -INFINITY}, {8, NAN}};
    for (size_t i = 0; i < sizeof bad_k / sizeof bad_k[0]; ++i) {
      big = camera;
      big.intrinsics[bad_k[i].index] = bad_k[i].value;
      expect_error(posynda_lift(model, &big, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT,
                   "intrinsics need finite values and focal lengths in [1, 1e+07] px", "bad intrinsics");
    }
    wrong = seq;
    const int64_t frame_counts[] = {-1, 100000001, (int64_t)1 << 62, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof frame_counts / sizeof frame_counts[0]; ++i) {
      wrong.frames = frame_counts[i]; /* refused before the 60-frame buffer is read past */
      expect_error(posynda_lift(model, &camera, &settings, &wrong, rel, abs_mm), POSYNDA_ERROR_INPUT,
                   "sequence frames must be in [1, 100000000]", "frame count out of range");
    }
  }

  /* struct_size of the structs passed in: below this version's size is refused, naming the struct */
  {
    posynda_settings s = settings;
    s.struct_size = 0;
    expect_error(posynda_lift(model, &camera, &s, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT,
                 "posynda_settings.struct_size is 0", "settings struct_size 0");
    s.struct_size = (uint32_t)offsetof(posynda_settings, root_window_s) - 8; /* the first version's seed cut off */
    expect_error(posynda_lift(model, &camera, &s, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "posynda_settings",
                 "settings struct_size short");
    posynda_camera c = camera;
    c.struct_size = 4;
    expect_error(posynda_lift(model, &c, &settings, &seq, rel, abs_mm), POSYNDA_ERROR_ARGUMENT, "posynda_camera",
                 "camera struct_size 4");
    posynda_stream* refused = NULL;
    expect_error(posynda_stream_open(model, &c, &settings, POSYNDA_ORDER_H36M, 17, &refused), POSYNDA_ERROR_ARGUMENT,
                 "posynda_camera", "stream camera struct_size 4");
    expect_error(posynda_stream_open(model, &camera, &s, POSYNDA_ORDER_H36M, 17, &refused), POSYNDA_ERROR_ARGUMENT,
                 "posynda_settings", "stream settings struct_size short");
    posynda_sequence q = seq;
    q.struct_size = (uint32_t)sizeof q - 1;
    expect_error(posynda_lift(model, &camera, &settings, &q, rel, abs_mm), POSYNDA_ERROR_ARGUMENT,
                 "posynda_sequence.struct_size", "sequence struct_size short");
    q.struct_size = (uint32_t)offsetof(posynda_sequence, fps) + 4; /* inside the appended field: no version's */
    expect_error(posynda_lift(model, &camera, &settings, &q, rel, abs_mm), POSYNDA_ERROR_ARGUMENT,
                 "(an earlier version) or at least", "sequence struct_size inside fps");
  }

  /* non-finite input (posynda.runtime.stream.check_frame): +-inf keypoints, confidence outside [0, 1] */
  float* conf = malloc(sizeof(float) * N * 17);
  for (int i = 0; i < N * 17; ++i) conf[i] = 0.9f;
  {
    float* inf_kp = malloc(sizeof(float) * N * 17 * 2);
    memcpy(inf_kp, kp, sizeof(float) * N * 17 * 2);
    posynda_sequence q = seq;
    q.keypoints = inf_kp;
    inf_kp[(30 * 17 + 5) * 2 + 1] = INFINITY;
    expect_error(posynda_lift(model, &camera, &settings, &q, rel, abs_mm), POSYNDA_ERROR_INPUT,
                 "keypoints must be finite pixels or NaN (missing), got an infinite value", "+inf keypoint");
    inf_kp[(30 * 17 + 5) * 2 + 1] = -INFINITY;
    q.order = POSYNDA_ORDER_COCO;
    expect_error(posynda_lift(model, &camera, &settings, &q, rel, abs_mm), POSYNDA_ERROR_INPUT, "infinite value",
                 "-inf COCO keypoint");
    free(inf_kp);
    const float bad_scores[] = {NAN, INFINITY, -INFINITY, -0.1f, 1.5f};
    q = seq;
    q.confidence = conf;
    for (size_t i = 0; i < sizeof bad_scores / sizeof bad_scores[0]; ++i) {
      conf[59 * 17 + 16] = bad_scores[i];
      expect_error(posynda_lift(model, &camera, &settings, &q, rel, abs_mm), POSYNDA_ERROR_INPUT,
                   "confidence must be finite numbers in [0, 1] (0 = missing)", "bad confidence");
    }
    conf[59 * 17 + 16] = 0.9f;
  }
  /* finite keypoints too far out for the model: an error or finite poses, never POSYNDA_OK with NaN */
  {
    float* far_kp = malloc(sizeof(float) * N * 17 * 2);
    for (int i = 0; i < N * 17 * 2; ++i) far_kp[i] = 3e38f;
    posynda_sequence q = seq;
    q.keypoints = far_kp;
    posynda_camera short_focal = camera;
    short_focal.intrinsics[0] = short_focal.intrinsics[1] = 1.0f; /* the model input overflows to inf */
    expect_error(posynda_lift(model, &short_focal, &settings, &q, rel, abs_mm), POSYNDA_ERROR_INPUT,
                 "the lift gave non-finite poses", "far keypoints");
    posynda_stream* far = NULL;
    CHECK(posynda_stream_open(model, &short_focal, &settings, POSYNDA_ORDER_H36M, 17, &far) == POSYNDA_OK, "far stream");
    posynda_status st = POSYNDA_OK;
    posynda_pose far_pose;
    int far_ready = 0, pushes = 0;
    while (st == POSYNDA_OK && pushes < N) {
      st = posynda_stream_push(far, far_kp, NULL, &far_pose, &far_ready);
      ++pushes;
    }
    expect_error(st, POSYNDA_ERROR_INPUT, "non-finite poses", "far keypoints stream");
    expect_error(posynda_stream_push(far, kp, NULL, &far_pose, &far_ready), POSYNDA_ERROR_STATE, "failed earlier",
                 "far stream after the failure");
    posynda_stream_close(far);
    posynda_camera warped = camera;
    warped.intrinsics[4] = 3e38f; /* k1: finite but absurd */
    const posynda_status st2 = posynda_lift(model, &warped, &settings, &seq, rel, abs_mm);
    int all_finite = 1;
    for (int i = 0; i < N * 17 * 3; ++i) all_finite = all_finite && isfinite(rel[i]) && isfinite(abs_mm[i]);
    CHECK(st2 != POSYNDA_OK || all_finite, "absurd distortion: status %s with non-finite poses", posynda_status_name(st2));
    free(far_kp);
  }

  /* a good lift: finite, root at 0, the absolute root about 4 m in front of the camera */
  CHECK(posynda_lift(model, &camera, &settings, &seq, rel, abs_mm) == POSYNDA_OK, "lift");
  int finite = 1;
  for (int i = 0; i < N * 17 * 3; ++i) finite = finite && isfinite(rel[i]) && isfinite(abs_mm[i]);
  CHECK(finite, "poses are finite");
  CHECK(rel[0] == 0 && rel[1] == 0 && rel[2] == 0, "root-relative root is 0");
  CHECK(abs_mm[2] > 2500 && abs_mm[2] < 6000, "absolute root depth %.0f mm", abs_mm[2]);

  /* the roots' depth (settings.root_window_s, default 0.5 s, at sequence.fps, 0 = 50): a running median along each
   * root's ray -- the root-relative poses are the same, the roots move; a first-version struct places each frame's
   * root on its own, as root_window_s 0 does; out-of-range values are refused naming the field */
  {
    CHECK(settings.root_window_s == 0.5 && seq.fps == 0.0, "root window 0.5 s and fps 0 (not known) by default");
    float* rel0 = malloc(sizeof(float) * N * 17 * 3);
    float* abs0 = malloc(sizeof(float) * N * 17 * 3);
    posynda_settings per_frame = settings;
    per_frame.root_window_s = 0.0;
    CHECK(posynda_lift(model, &camera, &per_frame, &seq, rel0, abs0) == POSYNDA_OK, "lift, roots frame by frame");
    CHECK(memcmp(rel0, rel, sizeof(float) * N * 17 * 3) == 0, "the root window leaves the root-relative poses");
    int moved = 0;
    for (int f = 0; f < N; ++f) moved += abs0[f * 17 * 3 + 2] != abs_mm[f * 17 * 3 + 2];
    CHECK(moved > 0, "the running median moves roots (%d of %d frames)", moved, N);
    posynda_settings first = settings;
    first.struct_size = (uint32_t)offsetof(posynda_settings, root_window_s);
    first.root_window_s = 7.0; /* beyond its struct_size: not read */
    CHECK(posynda_lift(model, &camera, &first, &seq, rel0, abs_mm) == POSYNDA_OK &&
              memcmp(abs0, abs_mm, sizeof(float) * N * 17 * 3) == 0,
          "a first-version settings struct places each root on its own");
    posynda_sequence first_seq = seq;
    first_seq.struct_size = (uint32_t)offsetof(posynda_sequence, fps);
    first_seq.fps = -3.0; /* beyond its struct_size: not read (50 frames/s) */
    posynda_sequence at_50 = seq;
    at_50.fps = 50.0;
    CHECK(posynda_lift(model, &camera, &settings, &first_seq, rel0, abs0) == POSYNDA_OK &&
              posynda_lift(model, &camera, &settings, &at_50, rel0, abs_mm) == POSYNDA_OK &&
              memcmp(abs0, abs_mm, sizeof(float) * N * 17 * 3) == 0,
          "a first-version sequence struct lifts at 50 frames/s");
    const char* const window_words = "root_window must lie in [0, 10] seconds";
    const char* const fps_words = "sequence fps must lie in (0, 1000] frames/s";
    const struct {
      int is_fps; /* 0: settings.root_window_s, 1: sequence.fps */
      double value;
      posynda_status status;
      const char* word;
    } bad_roots[] = {{0, -0.1, POSYNDA_ERROR_ARGUMENT, window_words}, {0, 10.5, POSYNDA_ERROR_ARGUMENT, window_words},
                     {0, NAN, POSYNDA_ERROR_ARGUMENT, window_words},  {0, INFINITY, POSYNDA_ERROR_ARGUMENT, window_words},
                     {1, -1.0, POSYNDA_ERROR_INPUT, fps_words},       {1, 1000.5, POSYNDA_ERROR_INPUT, fps_words},
                     {1, NAN, POSYNDA_ERROR_INPUT, fps_words},        {1, INFINITY, POSYNDA_ERROR_INPUT, fps_words}};
    for (size_t i = 0; i < sizeof bad_roots / sizeof bad_roots[0]; ++i) {
      posynda_settings w = settings;
      posynda_sequence q = seq;
      if (bad_roots[i].is_fps)
        q.fps = bad_roots[i].value;
      else
        w.root_window_s = bad_roots[i].value;
      expect_error(posynda_lift(model, &camera, &w, &q, rel0, abs0), bad_roots[i].status, bad_roots[i].word,
                   bad_roots[i].word);
    }
    CHECK(posynda_lift(model, &camera, &settings, &seq, rel, abs_mm) == POSYNDA_OK, "lift again");
    free(rel0);
    free(abs0);
  }

  /* the noise's sequence (settings.sequence, default 0; docs/noise.md): another sequence draws other noise, so other
   * poses; a second-version struct (the root window, not the sequence) reads 0 */
  {
    CHECK(settings.sequence == 0, "noise sequence 0 by default");
    float* rel1 = malloc(sizeof(float) * N * 17 * 3);
    posynda_settings other = settings;
    other.sequence = 1;
    CHECK(posynda_lift(model, &camera, &other, &seq, rel1, NULL) == POSYNDA_OK, "lift with sequence 1's noise");
    CHECK(memcmp(rel1, rel, sizeof(float) * N * 17 * 3) != 0, "sequence 1's noise gives other poses than sequence 0's");
    other.sequence = UINT32_MAX;
    CHECK(posynda_lift(model, &camera, &other, &seq, rel1, NULL) == POSYNDA_OK, "the last sequence, 2^32 - 1");
    posynda_settings second = settings;
    second.struct_size = (uint32_t)offsetof(posynda_settings, sequence);
    second.sequence = 1; /* beyond its struct_size: not read */
    CHECK(posynda_lift(model, &camera, &second, &seq, rel1, NULL) == POSYNDA_OK &&
              memcmp(rel1, rel, sizeof(float) * N * 17 * 3) == 0,
          "a second-version settings struct draws sequence 0's noise");
    second.struct_size = (uint32_t)offsetof(posynda_settings, sequence) + 4; /* inside the padding: no version's */
    expect_error(posynda_lift(model, &camera, &second, &seq, rel1, NULL), POSYNDA_ERROR_ARGUMENT,
                 "posynda_settings.struct_size is", "settings struct_size after the sequence's offset");
    free(rel1);
  }

  /* structs of a later version (fields appended, struct_size = their size): read up to this version's fields */
  {
    struct {
      posynda_settings v1;
      int appended[3];
    } s2;
    struct {
      posynda_camera v1;
      double appended;
    } c2;
    struct {
      posynda_sequence v1;
      void* appended;
    } q2;
    memset(&s2, 0x7f, sizeof s2);
    memset(&c2, 0x7f, sizeof c2);
    memset(&q2, 0x7f, sizeof q2);
    s2.v1 = settings;
    s2.v1.struct_size = sizeof s2;
    c2.v1 = camera;
    c2.v1.struct_size = sizeof c2;
    q2.v1 = seq;
    q2.v1.struct_size = sizeof q2;
    float* rel2 = malloc(sizeof(float) * N * 17 * 3);
    CHECK(posynda_lift(model, &c2.v1, &s2.v1, &q2.v1, rel2, NULL) == POSYNDA_OK, "lift with bigger structs");
    CHECK(memcmp(rel2, rel, sizeof(float) * N * 17 * 3) == 0, "bigger structs give the same poses");
    free(rel2);
  }

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
  posynda_pose* seen = calloc(N, sizeof(posynda_pose)); /* the poses of the stream that saw refused frames */
  int ready = 0, emitted = 0;
  double worst = 0;
  expect_error(posynda_stream_push(stream, NULL, NULL, &pose, &ready), POSYNDA_ERROR_ARGUMENT, "NULL", "NULL keypoints push");
  expect_error(posynda_stream_push(stream, kp, NULL, &pose, NULL), POSYNDA_ERROR_ARGUMENT, "ready", "NULL ready");
  float inf_frame[17 * 2], bad_conf[17];
  for (int i = 0; i < 17 * 2; ++i) inf_frame[i] = 500.0f;
  inf_frame[7] = -INFINITY;
  for (int i = 0; i < 17; ++i) bad_conf[i] = 1.0f;
  bad_conf[3] = NAN;
  for (int f = 0; f < N; ++f) {
    if (f == 5 || f == latency || f == 40) { /* refused before anything moves: the stream goes on as before */
      ready = 7;
      expect_error(posynda_stream_push(stream, inf_frame, NULL, &pose, &ready), POSYNDA_ERROR_INPUT, "infinite value",
                   "stream +-inf frame");
      CHECK(ready == 0, "a refused push is not ready");
      expect_error(posynda_stream_push(stream, kp + f * 17 * 2, bad_conf, &pose, &ready), POSYNDA_ERROR_INPUT,
                   "confidence must be finite numbers in [0, 1]", "stream NaN confidence");
    }
    CHECK(posynda_stream_push(stream, kp + f * 17 * 2, NULL, &pose, &ready) == POSYNDA_OK, "push %d", f);
    CHECK(ready == (f >= latency), "ready at frame %d", f);
    if (ready) {
      CHECK(pose.frame == f - latency, "pose of frame %lld at push %d", (long long)pose.frame, f);
      seen[pose.frame] = pose;
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
  for (int k = 0; k < count; ++k) {
    seen[rest[k].frame] = rest[k];
    for (int i = 0; i < 17 * 3; ++i) {
      const double d = fabs((&rest[k].root_relative_mm[0][0])[i] - rel[rest[k].frame * 17 * 3 + i]);
      worst = d > worst ? d : worst;
    }
  }
  CHECK(worst <= 1e-3, "stream vs whole sequence: %.6f mm", worst);
  expect_error(posynda_stream_push(stream, kp, NULL, &pose, &ready), POSYNDA_ERROR_STATE, "finished", "push after finish");
  expect_error(posynda_stream_finish(stream, rest, latency, &count), POSYNDA_ERROR_STATE, "finished", "finish twice");
  posynda_stream_close(stream);

  /* the refused frames changed nothing: a stream that never saw them gives the same poses, bit for bit */
  CHECK(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_H36M, 17, &stream) == POSYNDA_OK, "clean stream");
  int same = 1;
  for (int f = 0; f < N; ++f) {
    CHECK(posynda_stream_push(stream, kp + f * 17 * 2, NULL, &pose, &ready) == POSYNDA_OK, "clean push %d", f);
    if (ready) same = same && memcmp(&pose, &seen[pose.frame], sizeof pose) == 0;
  }
  CHECK(posynda_stream_finish(stream, rest, latency, &count) == POSYNDA_OK && count == latency, "clean finish");
  for (int k = 0; k < count; ++k) same = same && memcmp(&rest[k], &seen[rest[k].frame], sizeof rest[k]) == 0;
  CHECK(same, "a stream that refused bad frames equals one that never saw them");
  posynda_stream_close(stream);
  free(seen);

  /* a stream that never sees a keypoint fails at its first window, then refuses more frames */
  CHECK(posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_H36M, 17, &stream) == POSYNDA_OK, "stream open 2");
  posynda_status status = POSYNDA_OK;
  for (int f = 0; f <= latency && status == POSYNDA_OK; ++f) status = posynda_stream_push(stream, nan_frame, NULL, &pose, &ready);
  expect_error(status, POSYNDA_ERROR_INPUT, "no keypoint observed", "NaN-only stream");
  expect_error(posynda_stream_push(stream, kp, NULL, &pose, &ready), POSYNDA_ERROR_STATE, "failed earlier",
               "push after a failure");
  posynda_stream_close(stream);
  posynda_stream_close(NULL);

  if (argc >= 4) check_causal(argv[3], kp, N);
  if (argc == 5) check_pipeline(argv[1], argv[4]);

  free(rest);
  free(conf);
  free(kp);
  free(rel);
  free(abs_mm);
  posynda_model_close(model);
  printf("posynda_test: %d checks, %d failed (%s)\n", checks, failures, posynda_version());
  return failures ? 1 : 0;
}
