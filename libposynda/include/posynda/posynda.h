/* libposynda: lift 2D pixel keypoints to 3D human poses with a model exported by `posynda export`.
 *
 * A plain C API (opaque handles, status codes plus a message, no exceptions, no C++ types) so that
 * Swift, Kotlin/JNI, C#, Rust or Python can bind it; `posynda/posynda.hpp` is a thin C++ RAII wrapper.
 *
 *   posynda_model* model;
 *   if (posynda_model_open("denoiser.onnx", NULL, &model) != POSYNDA_OK) puts(posynda_last_error());
 *   posynda_camera camera = {1920, 1080, 0};                 (default pinhole: f = max(w, h), centred)
 *   posynda_settings settings; posynda_settings_init(&settings);
 *   posynda_stream* stream; posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_COCO, 17, &stream);
 *   for each frame:  posynda_stream_push(stream, keypoints, scores, &pose, &ready);   ready: pose of t - L
 *   at the end:      posynda_stream_finish(stream, poses, capacity, &count);
 *   posynda_stream_close(stream); posynda_model_close(model);
 *
 * Everything the runtime needs (window T, input normalisation, scheduler, skeleton, flip permutation,
 * joint-order rules) is read from the model's ONNX metadata_props; a model without them is refused.
 * Units: keypoints and intrinsics in pixels; poses in millimetres, camera frame (x right, y down,
 * z forward); root-relative poses have the pelvis (joint 0) at exactly 0. Joint order of the poses:
 * Human3.6M-17 (posynda's skeleton).
 *
 * Noise: every window of a lift draws its Gaussian noise from its own Philox4x32-10 stream keyed by
 * the seed (docs/noise.md), so a seed gives the same poses here, in `posynda lift` and in Python's
 * `posynda.runtime.Lifter`, whatever the batching.
 *
 * Threads: a model and its streams may be used from one thread at a time; use one model per thread
 * to lift in parallel. The error message is per thread.
 */
#ifndef POSYNDA_POSYNDA_H
#define POSYNDA_POSYNDA_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(POSYNDA_SHARED)
#  if defined(POSYNDA_BUILDING)
#    define POSYNDA_API __declspec(dllexport)
#  else
#    define POSYNDA_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && defined(POSYNDA_BUILDING)
#  define POSYNDA_API __attribute__((visibility("default")))
#else
#  define POSYNDA_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define POSYNDA_JOINTS 17 /* joints of every pose the library returns (Human3.6M-17) */

typedef enum posynda_status {
  POSYNDA_OK = 0,
  POSYNDA_ERROR_ARGUMENT = 1, /* a null pointer, a size or a setting out of range */
  POSYNDA_ERROR_INPUT = 2,    /* keypoints that cannot be lifted (wrong joint count, nothing observed) */
  POSYNDA_ERROR_MODEL = 3,    /* model file missing or unreadable, or not a posynda export */
  POSYNDA_ERROR_RUNTIME = 4,  /* ONNX Runtime failed while running the model */
  POSYNDA_ERROR_STATE = 5,    /* a call out of order (push after finish) */
  POSYNDA_ERROR_MEMORY = 6    /* out of memory */
} posynda_status;

typedef enum posynda_aggregation {
  POSYNDA_AGGREGATE_MEAN = 0,  /* mean of the H hypotheses */
  POSYNDA_AGGREGATE_JOINT = 1, /* per joint, the hypothesis whose 2D reprojection is closest (default) */
  POSYNDA_AGGREGATE_FRAME = 2  /* per frame, the hypothesis with the smallest mean reprojection error */
} posynda_aggregation;

typedef enum posynda_joint_order {
  POSYNDA_ORDER_H36M = 0, /* posynda's own 17 joints */
  POSYNDA_ORDER_COCO = 1  /* COCO-17 (most 2D detectors); converted by the rule in the model's metadata */
} posynda_joint_order;

/* The message of the last failing call on this thread ("" if none); valid until the next call. */
POSYNDA_API const char* posynda_last_error(void);
/* "ok", "argument", "input", "model", "runtime", "state", "memory". */
POSYNDA_API const char* posynda_status_name(posynda_status status);
/* The library's version, e.g. "0.6.0". */
POSYNDA_API const char* posynda_version(void);

/* ---- model ------------------------------------------------------------------------------------ */

typedef struct posynda_model posynda_model;

typedef struct posynda_model_options {
  int threads; /* ONNX Runtime intra-op threads; 0 = ONNX Runtime's default (the physical cores) */
} posynda_model_options;

typedef struct posynda_model_info {
  int window_frames;      /* T: frames per window */
  int latency_frames;     /* L = T - 1: how far a stream's output trails its input */
  int joints;             /* 17 */
  int sampler_steps;      /* a whole-sampler graph's fixed K, H and flip; 0 for a denoiser graph */
  int sampler_hypotheses;
  int sampler_flip;
  char graph[16];         /* "denoiser" or "sampler" */
  char precision[16];     /* "fp32", "fp16" or "int8" */
  char posynda_version[32];
} posynda_model_info;

/* Open an exported model (.onnx: denoiser, fp16, int8 or --sampler graph). options may be NULL. */
POSYNDA_API posynda_status posynda_model_open(const char* path, const posynda_model_options* options,
                                              posynda_model** model);
POSYNDA_API posynda_status posynda_model_get_info(const posynda_model* model, posynda_model_info* info);
POSYNDA_API void posynda_model_close(posynda_model* model); /* NULL is fine */

/* ---- how to lift ------------------------------------------------------------------------------ */

typedef struct posynda_settings {
  int hypotheses;                /* H >= 1 (default 1) */
  int steps;                     /* K DDIM steps >= 1 (default 1) */
  int flip;                      /* flip test-time augmentation (default 1) */
  posynda_aggregation aggregate; /* default POSYNDA_AGGREGATE_JOINT */
  int stride;                    /* frames between window starts; 0 = T (default) */
  int batch_size;                /* windows per denoiser run in posynda_lift (default 64) */
  uint64_t seed;                 /* seed of the noise (default 0) */
} posynda_settings;

/* The defaults of `posynda lift`. */
POSYNDA_API void posynda_settings_init(posynda_settings* settings);

typedef struct posynda_camera {
  int width, height;    /* image size in pixels, > 0 */
  int has_intrinsics;   /* 0: the default pinhole (f = max(width, height), principal point at the centre) */
  float intrinsics[9];  /* fx, fy, cx, cy (pixels), k1, k2, k3, p1, p2 (Human3.6M distortion model) */
} posynda_camera;

typedef struct posynda_sequence {
  const float* keypoints;    /* [frames][joints][2] pixels; NaN = missing */
  const float* confidence;   /* [frames][joints] detector scores, or NULL; a score <= 0 = missing */
  int64_t frames;            /* >= 1 */
  int joints;                /* 17 */
  posynda_joint_order order;
} posynda_sequence;

/* Lift a whole sequence: root_relative_mm and absolute_mm are [frames][17][3] (absolute_mm may be
 * NULL). Missing joints are interpolated over time; a sequence without any keypoint is refused. */
POSYNDA_API posynda_status posynda_lift(posynda_model* model, const posynda_camera* camera,
                                        const posynda_settings* settings, const posynda_sequence* sequence,
                                        float* root_relative_mm, float* absolute_mm);

/* ---- streaming -------------------------------------------------------------------------------- */

typedef struct posynda_stream posynda_stream;

typedef struct posynda_pose {
  int64_t frame;                             /* index of the frame in the stream (0 = first pushed) */
  float root_relative_mm[POSYNDA_JOINTS][3]; /* root at 0 */
  float absolute_mm[POSYNDA_JOINTS][3];      /* root translation solved from the 2D and the camera */
} posynda_pose;

/* A live stream of one person. The model must outlive the stream. Memory is fixed at open. */
POSYNDA_API posynda_status posynda_stream_open(posynda_model* model, const posynda_camera* camera,
                                               const posynda_settings* settings, posynda_joint_order order,
                                               int joints, posynda_stream** stream);
/* Push frame t: keypoints [joints][2] pixels (NaN = missing), confidence [joints] or NULL. When
 * *ready is 1, pose holds frame t - L (L = posynda_stream_latency); for the first L frames *ready is 0. */
POSYNDA_API posynda_status posynda_stream_push(posynda_stream* stream, const float* keypoints,
                                               const float* confidence, posynda_pose* pose, int* ready);
/* End the stream: writes the poses of the last min(L, pushed) frames into poses[0 .. *count - 1];
 * capacity must be >= L (posynda_stream_latency). */
POSYNDA_API posynda_status posynda_stream_finish(posynda_stream* stream, posynda_pose* poses, int capacity,
                                                 int* count);
POSYNDA_API int posynda_stream_latency(const posynda_stream* stream); /* L in frames; -1 for NULL */
POSYNDA_API void posynda_stream_close(posynda_stream* stream);        /* NULL is fine */

#ifdef __cplusplus
}
#endif

#endif /* POSYNDA_POSYNDA_H */
