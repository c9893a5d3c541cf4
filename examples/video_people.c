/* video_people: pixels to 3D with libposynda alone -- raw RGB frames in (a pipe from ffmpeg, or a file), every
 * person found, tracked and lifted, their 3D printed as CSV as the poses become final.
 *
 *   ffmpeg -loglevel error -i clip.mp4 -f rawvideo -pix_fmt rgb24 - | video_people MODEL.onnx DETECTOR_DIR W H
 *   video_people MODEL.onnx DETECTOR_DIR W H --people < frames.rgb      (the detector's 2D instead)
 *   ... --one-after-another     (tracked people followed one after another, not two at once: the same numbers)
 *   ... --calibrated UX,UY,UZ,HEIGHT_MM   (a calibrated camera: its up direction in the camera frame and its height
 *                                          above the floor -- each frame levelled, people sized by the floor, as
 *                                          `posynda lift --video --stream --calibration`)
 *
 * MODEL.onnx: `posynda export` (a causal model, `posynda pretrain --causal`, gives each pose at its own frame);
 * DETECTOR_DIR: `posynda export --detector DIR`. Frames: W x H x 3 bytes each, back to back, until the end.
 * Output, one line per pose: "frame,person,detected,x0,y0,z0,...,z16" (Human3.6M-17, camera-frame mm); with
 * --people one line per person and frame: "frame,id,flag,u0,v0,...,u32,v32" (BlazePose-33, image px). The
 * frame rate goes to standard error, with --calibrated each person's last size too. Exit status 2 with one line
 * on bad input, 1 when the library fails.
 * Build: see examples/CMakeLists.txt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <posynda/posynda.h>

static int side(const char* text, int* out) {
  char* end = NULL;
  errno = 0;
  const long v = strtol(text, &end, 10);
  if (!*text || *end || errno == ERANGE || v < 1 || v > 32768) return 0;
  *out = (int)v;
  return 1;
}

/* "UX,UY,UZ,HEIGHT_MM": four finite numbers */
static int calibration(const char* text, float out[4]) {
  const char* at = text;
  for (int i = 0; i < 4; ++i) {
    char* end = NULL;
    errno = 0;
    const double v = strtod(at, &end);
    if (end == at || errno == ERANGE || !(v == v) || v > 1e30 || v < -1e30) return 0;
    if (*end != (i < 3 ? ',' : '\0')) return 0;
    out[i] = (float)v;
    at = end + 1;
  }
  return 1;
}

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define MAX_SIZES 256 /* the people whose size --calibrated reports at the end: the pipeline keeps 256 who ended */
static int32_t seen[MAX_SIZES];
static int num_seen = 0;

static void remember(int32_t person) {
  for (int i = 0; i < num_seen; ++i)
    if (seen[i] == person) return;
  if (num_seen < MAX_SIZES) seen[num_seen++] = person;
}

static void print_poses(const posynda_person_pose* poses, int count) {
  for (int i = 0; i < count; ++i) {
    const posynda_person_pose* p = &poses[i];
    remember(p->person);
    printf("%lld,%d,%d", (long long)p->pose.frame, (int)p->person, (int)p->detected);
    for (int j = 0; j < POSYNDA_JOINTS; ++j)
      printf(",%.4f,%.4f,%.4f", p->pose.absolute_mm[j][0], p->pose.absolute_mm[j][1], p->pose.absolute_mm[j][2]);
    printf("\n");
  }
}

static void print_people(long long frame, const posynda_person* people, int count) {
  for (int i = 0; i < count; ++i) {
    printf("%lld,%d,%.6f", frame, (int)people[i].id, people[i].flag);
    for (int k = 0; k < 33; ++k) printf(",%.4f,%.4f", people[i].keypoints[k][0], people[i].keypoints[k][1]);
    printf("\n");
  }
}

static int fail(const char* what) {
  fprintf(stderr, "video_people: %s: %s\n", what, posynda_last_error());
  return 1;
}

int main(int argc, char** argv) {
  int people_only = 0, one_after_another = 0, calibrated = 0, known = argc >= 5;
  float up_height[4] = {0.0f, -1.0f, 0.0f, 0.0f}; /* --calibrated: up x, y, z, height (mm) */
  for (int i = 5; i < argc; ++i) {
    if (strcmp(argv[i], "--people") == 0 && !people_only) {
      people_only = 1;
    } else if (strcmp(argv[i], "--one-after-another") == 0 && !one_after_another) {
      one_after_another = 1;
    } else if (strcmp(argv[i], "--calibrated") == 0 && !calibrated && i + 1 < argc) {
      calibrated = 1;
      if (!calibration(argv[++i], up_height)) {
        fprintf(stderr, "video_people: --calibrated takes UX,UY,UZ,HEIGHT_MM (four finite numbers), got %s\n",
                argv[i]);
        return 2;
      }
    } else {
      known = 0;
    }
  }
  if (!known) {
    fprintf(stderr,
            "usage: video_people MODEL.onnx DETECTOR_DIR WIDTH HEIGHT [--people] [--one-after-another] "
            "[--calibrated UX,UY,UZ,HEIGHT_MM] < frames.rgb\n");
    return 2;
  }
  int width = 0, height = 0;
  if (!side(argv[3], &width) || !side(argv[4], &height)) {
    fprintf(stderr, "video_people: WIDTH and HEIGHT must be integers in [1, 32768], got %s %s\n", argv[3], argv[4]);
    return 2;
  }
  const size_t frame_bytes = (size_t)width * (size_t)height * 3; /* at most 32768^2 * 3: fits size_t */
  unsigned char* rgb = malloc(frame_bytes);
  if (!rgb) {
    fprintf(stderr, "video_people: out of memory for a %d x %d frame\n", width, height);
    return 1;
  }
  posynda_model* model = NULL;
  posynda_detector* detector = NULL;
  posynda_pipeline* pipeline = NULL;
  int status = 0;
  posynda_model_options model_options;
  posynda_model_options_init(&model_options);
  /* the lifter runs one small window per person and frame: one thread is as fast idle and much faster when
   * other processes keep the cores busy (bench/README.md, "Pixels to 3D live"); the detector takes the cores */
  model_options.threads = 1;
  posynda_detector_options detector_options;
  posynda_detector_options_init(&detector_options);
  detector_options.one_after_another = one_after_another;
  if (posynda_detector_open(argv[2], &detector_options, &detector) != POSYNDA_OK) {
    status = fail("detector");
  } else if (!people_only && posynda_model_open(argv[1], &model_options, &model) != POSYNDA_OK) {
    status = fail("model");
  } else if (!people_only) {
    posynda_camera camera;
    posynda_settings settings;
    posynda_camera_init(&camera, width, height);
    posynda_settings_init(&settings);
    /* the defaults: `posynda lift --video --stream` (BlazePose's own 3D orients and is averaged in; 30-frame gaps) */
    posynda_pipeline_options options;
    posynda_pipeline_options_init(&options);
    if (calibrated) { /* `--calibration`: levelled by its gravity, sized by its floor, not oriented */
      options.orient = 0;
      options.level = 1;
      options.size_by_floor = 1;
      for (int a = 0; a < 3; ++a) options.camera_up[a] = up_height[a];
      options.camera_height_mm = up_height[3];
    }
    if (posynda_pipeline_open(model, detector, &camera, &settings, &options, &pipeline) != POSYNDA_OK)
      status = fail("pipeline");
  }
  long long frames = 0;
  const double started = seconds_now();
  while (status == 0) {
    const size_t got = fread(rgb, 1, frame_bytes, stdin);
    if (got == 0) break;
    if (got != frame_bytes) {
      fprintf(stderr, "video_people: the input ends in a partial frame (%zu of %zu bytes)\n", got, frame_bytes);
      status = 2;
      break;
    }
    if (people_only) {
      const posynda_person* people = NULL;
      int count = 0;
      if (posynda_detector_detect(detector, rgb, width, height, 3 * (int64_t)width, &people, &count) != POSYNDA_OK)
        status = fail("detect");
      else
        print_people(frames, people, count);
    } else {
      const posynda_person_pose* poses = NULL;
      int count = 0;
      if (posynda_pipeline_push(pipeline, rgb, 3 * (int64_t)width, &poses, &count) != POSYNDA_OK)
        status = fail("push");
      else
        print_poses(poses, count);
    }
    ++frames;
  }
  if (status == 0 && !people_only) {
    const posynda_person_pose* poses = NULL;
    int count = 0;
    if (posynda_pipeline_finish(pipeline, &poses, &count) != POSYNDA_OK)
      status = fail("finish");
    else
      print_poses(poses, count);
  }
  for (int i = 0; status == 0 && calibrated && i < num_seen; ++i) { /* as `posynda lift --stream` prints it */
    float scale = 1.0f;
    int sized = 0;
    if (posynda_pipeline_person_scale(pipeline, seen[i], &scale, &sized) != POSYNDA_OK)
      status = fail("person_scale");
    else if (sized)
      fprintf(stderr, "video_people: person %d sized x%.4f by the floor\n", (int)seen[i], scale);
    else
      fprintf(stderr, "video_people: person %d kept the lifter's size\n", (int)seen[i]);
  }
  const double elapsed = seconds_now() - started;
  if (status == 0) fprintf(stderr, "video_people: %lld frames, %.1f frames/s\n", frames, frames / (elapsed > 0 ? elapsed : 1));
  posynda_pipeline_close(pipeline);
  posynda_model_close(model);
  posynda_detector_close(detector);
  free(rgb);
  return status;
}
