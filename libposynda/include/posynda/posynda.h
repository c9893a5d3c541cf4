/* libposynda: lift 2D pixel keypoints to 3D human poses with a model exported by `posynda export`.
 *
 * A plain C API (opaque handles, status codes plus a message, no exceptions, no C++ types) so that
 * Swift, Kotlin/JNI, C#, Rust or Python can bind it; `posynda/posynda.hpp` is a thin C++ RAII wrapper.
 *
 *   posynda_model* model;
 *   if (posynda_model_open("denoiser.onnx", NULL, &model) != POSYNDA_OK) puts(posynda_last_error());
 *   posynda_camera camera; posynda_camera_init(&camera, 1920, 1080);   (default pinhole: f = max(w, h), centred)
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
 * the seed, counted by settings.sequence and the window (docs/noise.md), so a seed gives the same poses
 * here, in `posynda lift` and in Python's `posynda.runtime.Lifter`, whatever the batching.
 *
 * Threads: a model and its streams may be used from one thread at a time; use one model per thread
 * to lift in parallel. The error message is per thread.
 *
 * ABI (SOVERSION 1, libposynda.so.1): every struct the caller allocates and passes in
 * (posynda_model_options, posynda_settings, posynda_camera, posynda_sequence) and the output struct
 * posynda_model_info begin with `uint32_t struct_size`, the caller's sizeof of the struct, filled by the
 * init functions below (as ONNX Runtime versions its API). The library refuses a struct_size smaller than
 * this first version's (POSYNDA_ERROR_ARGUMENT naming the struct) and reads or writes only the bytes
 * inside struct_size, so a later version can append fields and still serve programs built against this
 * header. The init functions are inline (they take sizeof in the caller's program); a binding that cannot
 * call inline functions calls the exported posynda_*_init_sized(pointer, sizeof) instead. posynda_pose has
 * no struct_size: its layout is frozen for SOVERSION 1 (a change to it is a new SOVERSION).
 *
 * Bounds (the numbers of posynda/limits.py, libposynda/src/limits.hpp): window T <= 2048, H <= 100,
 * K <= 1000 (and <= the model's num_train_timesteps), batch_size <= 4096, stride <= 2048, image sides
 * <= 32768 px, focal lengths in [1, 1e7] px, sequences of <= 100,000,000 frames. Every buffer size is
 * computed with overflow checks. Keypoints must be finite or NaN (missing; +-inf is refused), confidence
 * finite in [0, 1] (0 = missing); a lift never returns POSYNDA_OK with non-finite poses.
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
  POSYNDA_ERROR_ARGUMENT = 1, /* a null pointer, a size, a setting or a struct_size out of range */
  POSYNDA_ERROR_INPUT = 2,    /* keypoints that cannot be lifted (wrong joint count, +-inf, confidence outside
                                 [0, 1], nothing observed, a frame count out of range, non-finite poses) */
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
  POSYNDA_ORDER_H36M = 0,       /* posynda's own 17 joints */
  POSYNDA_ORDER_COCO = 1,       /* COCO-17 (most 2D detectors); converted by the rule in the model's metadata */
  POSYNDA_ORDER_BLAZEPOSE33 = 2 /* MediaPipe BlazePose's 33 landmarks (joints = 33), by the metadata's rule
                                   (models exported by posynda 0.1.0 from 2026-12-06 on carry it) */
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
  uint32_t struct_size; /* sizeof(posynda_model_options): posynda_model_options_init */
  int threads;          /* ONNX Runtime intra-op threads in [0, 1024]; 0 = ONNX Runtime's default (the physical cores) */
} posynda_model_options;

typedef struct posynda_model_info {
  uint32_t struct_size;   /* set by the caller (posynda_model_info_init); the library writes only inside it */
  int window_frames;      /* T: frames per window */
  int latency_frames;     /* L = T - 1 (0 for a causal model): how far a stream's output trails its input */
  int joints;             /* 17 */
  int sampler_steps;      /* a whole-sampler graph's fixed K, H and flip; 0 for a denoiser graph */
  int sampler_hypotheses;
  int sampler_flip;
  char graph[16];         /* "denoiser" or "sampler" */
  char precision[16];     /* "fp32", "fp16" or "int8" */
  char posynda_version[32];
  /* appended after the first version (read only when the caller's struct_size holds it): */
  int causal;             /* 1: a causal model (`posynda pretrain --causal`): frame t is lifted by the window
                             ending at t, zero look-ahead; a stream returns each frame at its push (L = 0) */
} posynda_model_info;

/* Exported forms of the init functions (struct_size = the caller's sizeof, >= this version's size). */
POSYNDA_API posynda_status posynda_model_options_init_sized(posynda_model_options* options, uint32_t struct_size);
POSYNDA_API posynda_status posynda_model_info_init_sized(posynda_model_info* info, uint32_t struct_size);

/* threads 0 (ONNX Runtime's default). */
static inline posynda_status posynda_model_options_init(posynda_model_options* options) {
  return posynda_model_options_init_sized(options, (uint32_t)sizeof(*options));
}
/* Zeroes the struct and sets its struct_size: call before posynda_model_get_info. */
static inline posynda_status posynda_model_info_init(posynda_model_info* info) {
  return posynda_model_info_init_sized(info, (uint32_t)sizeof(*info));
}

/* Open an exported model (.onnx: denoiser, fp16, int8 or --sampler graph). options may be NULL. */
POSYNDA_API posynda_status posynda_model_open(const char* path, const posynda_model_options* options,
                                              posynda_model** model);
/* info->struct_size must be set (posynda_model_info_init). */
POSYNDA_API posynda_status posynda_model_get_info(const posynda_model* model, posynda_model_info* info);
POSYNDA_API void posynda_model_close(posynda_model* model); /* NULL is fine */

/* ---- how to lift ------------------------------------------------------------------------------ */

typedef struct posynda_settings {
  uint32_t struct_size;          /* sizeof(posynda_settings): posynda_settings_init */
  int hypotheses;                /* H in [1, 100] (default 1) */
  int steps;                     /* K DDIM steps in [1, 1000] and <= the model's num_train_timesteps (default 1) */
  int flip;                      /* flip test-time augmentation (default 1) */
  posynda_aggregation aggregate; /* default POSYNDA_AGGREGATE_JOINT */
  int stride;                    /* frames between window starts in [0, 2048]; 0 = T (default) */
  int batch_size;                /* windows per denoiser run in posynda_lift, in [1, 4096] (default 64) */
  uint64_t seed;                 /* seed of the noise (default 0) */
  /* appended after the first version (a first-version struct reads 0): */
  double root_window_s; /* posynda_lift: each root's distance from the camera as the running median over this
                           many seconds of the sequence, in [0, 10] (posynda/runtime/root_depth.py); 0: each
                           frame's root on its own. Default 0.5, as `posynda lift`. A stream places each root
                           on its own (a median needs the frames after it) */
  /* appended in the third version (a struct without it reads 0): */
  uint32_t sequence; /* the sequence number whose noise a lift or stream draws (docs/noise.md), default 0:
                        posynda_lift of sequence s of a keypoint file with sequence = s gives `posynda lift`'s
                        poses of that sequence. A pipeline takes 0 and numbers its own streams 0, 1, 2, ... in
                        the order they open (the order of their first frames, as `posynda detect` writes them) */
} posynda_settings;

typedef struct posynda_camera {
  uint32_t struct_size; /* sizeof(posynda_camera): posynda_camera_init */
  int width, height;    /* image size in pixels, in [1, 32768] */
  int has_intrinsics;   /* 0: the default pinhole (f = max(width, height), principal point at the centre) */
  float intrinsics[9];  /* fx, fy, cx, cy (pixels), k1, k2, k3, p1, p2 (Human3.6M distortion model); all
                           finite, fx and fy in [1, 1e7] */
} posynda_camera;

typedef struct posynda_sequence {
  uint32_t struct_size;      /* sizeof(posynda_sequence): posynda_sequence_init */
  const float* keypoints;    /* [frames][joints][2] pixels; NaN = missing (+-inf is refused) */
  const float* confidence;   /* [frames][joints] detector scores in [0, 1], or NULL; 0 = missing */
  int64_t frames;            /* in [1, 100000000] */
  int joints;                /* 17 */
  posynda_joint_order order;
  /* appended after the first version (a first-version struct reads 0): */
  double fps; /* frames per second, what settings.root_window_s counts in: 0 (not known: 50 assumed, the
                 default) or in (0, 1000] */
} posynda_sequence;

/* Exported forms of the init functions below (struct_size = the caller's sizeof). */
POSYNDA_API posynda_status posynda_settings_init_sized(posynda_settings* settings, uint32_t struct_size);
POSYNDA_API posynda_status posynda_camera_init_sized(posynda_camera* camera, uint32_t struct_size, int width,
                                                     int height);
POSYNDA_API posynda_status posynda_sequence_init_sized(posynda_sequence* sequence, uint32_t struct_size);

/* The defaults of `posynda lift` (H 1, K 1, flip, per-joint, stride T, batch 64, seed 0, roots over 0.5 s). */
static inline posynda_status posynda_settings_init(posynda_settings* settings) {
  return posynda_settings_init_sized(settings, (uint32_t)sizeof(*settings));
}
/* A width x height image with the default pinhole camera; set has_intrinsics = 1 and intrinsics[] for your own. */
static inline posynda_status posynda_camera_init(posynda_camera* camera, int width, int height) {
  return posynda_camera_init_sized(camera, (uint32_t)sizeof(*camera), width, height);
}
/* No keypoints yet, 0 frames, 17 joints in Human3.6M order: set keypoints, (confidence,) frames. */
static inline posynda_status posynda_sequence_init(posynda_sequence* sequence) {
  return posynda_sequence_init_sized(sequence, (uint32_t)sizeof(*sequence));
}

/* Lift a whole sequence: root_relative_mm and absolute_mm are [frames][17][3] (absolute_mm may be
 * NULL). Missing joints are interpolated over time; a sequence without any keypoint, with an infinite
 * keypoint or a confidence outside [0, 1] is refused (POSYNDA_ERROR_INPUT, before anything is computed).
 * On an error the output buffers' contents are unspecified. */
POSYNDA_API posynda_status posynda_lift(posynda_model* model, const posynda_camera* camera,
                                        const posynda_settings* settings, const posynda_sequence* sequence,
                                        float* root_relative_mm, float* absolute_mm);

/* ---- streaming -------------------------------------------------------------------------------- */

typedef struct posynda_stream posynda_stream;

/* The layout of posynda_pose is frozen for SOVERSION 1 (no struct_size: arrays of it are passed). */
typedef struct posynda_pose {
  int64_t frame;                             /* index of the frame in the stream (0 = first pushed) */
  float root_relative_mm[POSYNDA_JOINTS][3]; /* root at 0 */
  float absolute_mm[POSYNDA_JOINTS][3];      /* root translation solved from the 2D and the camera */
} posynda_pose;

/* A live stream of one person. The model must outlive the stream. Memory is fixed at open. */
POSYNDA_API posynda_status posynda_stream_open(posynda_model* model, const posynda_camera* camera,
                                               const posynda_settings* settings, posynda_joint_order order,
                                               int joints, posynda_stream** stream);
/* Push frame t: keypoints [joints][2] pixels (NaN = missing), confidence [joints] in [0, 1] or NULL. When
 * *ready is 1, pose holds frame t - L (L = posynda_stream_latency: T - 1, or 0 for a causal model, whose
 * every push returns frame t itself); for the first L frames *ready is 0.
 * A frame with an infinite keypoint or a confidence outside [0, 1] is refused (POSYNDA_ERROR_INPUT) before
 * the stream changes: the stream goes on as if it had never been pushed. Any other failure of a push
 * (e.g. POSYNDA_ERROR_RUNTIME) leaves the stream failed: later calls return POSYNDA_ERROR_STATE. */
POSYNDA_API posynda_status posynda_stream_push(posynda_stream* stream, const float* keypoints,
                                               const float* confidence, posynda_pose* pose, int* ready);
/* End the stream: writes the poses of the last min(L, pushed) frames into poses[0 .. *count - 1];
 * capacity must be >= L (posynda_stream_latency); poses may be NULL when L is 0 (a causal model). */
POSYNDA_API posynda_status posynda_stream_finish(posynda_stream* stream, posynda_pose* poses, int capacity,
                                                 int* count);
POSYNDA_API int posynda_stream_latency(const posynda_stream* stream); /* L in frames; -1 for NULL */
POSYNDA_API void posynda_stream_close(posynda_stream* stream);        /* NULL is fine */

/* ---- pixels to 3D: every person found, tracked and lifted ------------------------------------------------
 *
 * BlazePose's person detector and landmark model (Apache-2.0, from the mediapipe wheel), as the ONNX files
 * `posynda export --detector DIR` writes (DIR/person_detector.onnx, DIR/landmarks.onnx), run per person by ONNX
 * Runtime, each person's id kept through dropouts: the detector of posynda/detectors (the same crops, decoding
 * and track rules). A pipeline lifts every person with a stream of their own. Frames: RGB, 8 bits per
 * channel, rows of row_bytes bytes (>= 3 width). With the default pipeline options it is `posynda lift --video
 * --stream` (BlazePose's own 3D orients and is averaged into each person's poses, from the frames so far). */

typedef struct posynda_detector posynda_detector;

typedef struct posynda_detector_options {
  uint32_t struct_size; /* sizeof(posynda_detector_options): posynda_detector_options_init */
  int threads;          /* ONNX Runtime intra-op threads in [0, 1024]; 0 = its default */
  int max_people;       /* most people tracked at once, [1, 64] (8) */
  int detect_every;     /* frames between person-detector runs while someone is tracked (every frame for
                         * this many after a person tracked this long is lost), [1, 10000] (8) */
  float min_detection;  /* least person-detector score that starts a track, [0, 1] (0.5) */
  float min_tracking;   /* least pose flag that keeps a track, [0, 1] (0.5) */
  int reid_frames;      /* how long an ended track's id waits to be taken back, [0, 1000000] frames (120) */
  int tiles;            /* 1: also detect on squares along the frame's long side (1) */
  /* appended after the first version (a struct of that size reads 0 here): */
  int one_after_another; /* 1: follow tracked people one after another on the detector's sessions; 0: two at
                          * once (one on a thread of the detector's own) on two more landmark sessions of half
                          * the threads each, when threads is 2 or more, or 0 on a machine of 2 or more cores
                          * -- the same numbers, faster (0) */
} posynda_detector_options;

/* One person in one frame (layout frozen for SOVERSION 1). */
typedef struct posynda_person {
  int32_t id;                /* stable through the video */
  float flag;                /* the landmark model's pose flag in [0, 1] */
  float keypoints[33][2];    /* BlazePose-33 landmarks, image px */
  float visibility[33];      /* [0, 1] */
  float presence[33];        /* [0, 1] */
  float world_m[33][3];      /* BlazePose's own 3D: m, origin between the hips, image axes (x right, y down) */
} posynda_person;

POSYNDA_API posynda_status posynda_detector_options_init_sized(posynda_detector_options* options,
                                                               uint32_t struct_size);
static inline posynda_status posynda_detector_options_init(posynda_detector_options* options) {
  return posynda_detector_options_init_sized(options, (uint32_t)sizeof(*options));
}
/* Open the two graphs of `folder`; options may be NULL (the defaults). One detector follows one video. */
POSYNDA_API posynda_status posynda_detector_open(const char* folder, const posynda_detector_options* options,
                                                 posynda_detector** detector);
/* The people of the next frame of its video, by id: *people points into the detector (valid until its next
 * call or close), *count of them. */
POSYNDA_API posynda_status posynda_detector_detect(posynda_detector* detector, const uint8_t* rgb, int width,
                                                   int height, int64_t row_bytes, const posynda_person** people,
                                                   int* count);
POSYNDA_API void posynda_detector_close(posynda_detector* detector); /* NULL is fine */

/* One person's pose in one frame of a pipeline: pose.frame is the video's frame. */
typedef struct posynda_person_pose {
  int32_t person;   /* the detector's id */
  int32_t detected; /* 0: the person was not found in that frame (held from their last detection) */
  posynda_pose pose;
} posynda_person_pose;

typedef struct posynda_pipeline posynda_pipeline;

typedef struct posynda_pipeline_options {
  uint32_t struct_size;  /* sizeof(posynda_pipeline_options): posynda_pipeline_options_init */
  int max_gap;           /* a person unseen for more than this many frames ends, [0, 100000] (30) */
  int orient;            /* 1: each person turned to BlazePose's own 3D orientation (the frames before) (1) */
  float detector_weight; /* weight of BlazePose's own 3D, turned onto posynda's, in each pose, [0, 1] (0.5) */
  /* appended after the first version (a first-version struct reads the defaults: no calibration): a calibrated
   * camera, as `posynda lift --video --stream --calibration` (which sets orient to 0: its gravity is exact) */
  int level;              /* 1: each frame's 2D lifted through the level camera of camera_up, poses turned back (0) */
  float camera_up[3];     /* the direction against gravity in the camera frame (x right, y down, z forward): finite,
                             nonzero, the camera within 60 degrees of level ((0, -1, 0)) */
  int size_by_floor;      /* 1 (with level): each person scaled so that the lower ankle rests on the floor
                             camera_height_mm below the camera centre, by the median of their last floor_window
                             frames, from their first frame with a foot below the camera (0) */
  float camera_height_mm; /* the camera centre's height above the floor, mm, finite (0) */
  int floor_window;       /* frames the floor's median is over, [1, 100000] (600) */
} posynda_pipeline_options;

POSYNDA_API posynda_status posynda_pipeline_options_init_sized(posynda_pipeline_options* options,
                                                               uint32_t struct_size);
static inline posynda_status posynda_pipeline_options_init(posynda_pipeline_options* options) {
  return posynda_pipeline_options_init_sized(options, (uint32_t)sizeof(*options));
}
/* A pipeline over the detector's video (the detector, like the model, must outlive it and serve it alone):
 * frames of camera->width x camera->height, each person lifted with `settings` (latency L of the model: T - 1,
 * 0 for a causal one); options may be NULL (the defaults: `posynda lift --video --stream`). A pose turned or
 * fused by `options` has its root fitted to its frame's 2D again, as `posynda lift` places it. */
POSYNDA_API posynda_status posynda_pipeline_open(posynda_model* model, posynda_detector* detector,
                                                 const posynda_camera* camera, const posynda_settings* settings,
                                                 const posynda_pipeline_options* options,
                                                 posynda_pipeline** pipeline);
/* The next frame: *poses (valid until the pipeline's next call or close) are the *count poses that became
 * final with it, by frame then person. */
POSYNDA_API posynda_status posynda_pipeline_push(posynda_pipeline* pipeline, const uint8_t* rgb, int64_t row_bytes,
                                                 const posynda_person_pose** poses, int* count);
/* The end of the video: the poses still in every person's stream. */
POSYNDA_API posynda_status posynda_pipeline_finish(posynda_pipeline* pipeline, const posynda_person_pose** poses,
                                                   int* count);
/* The scale the floor gave `person`'s last pose (size_by_floor; 1: the lifter's size, before their first frame
 * with a foot below the camera, while the median lies outside 0.6-1.4, or without size_by_floor) and *sized 1
 * when the floor gave it (sized may be NULL), for a person followed now or one of the last 256 who ended -- after
 * posynda_pipeline_finish too; POSYNDA_ERROR_ARGUMENT for any other id. Added after the first version. */
POSYNDA_API posynda_status posynda_pipeline_person_scale(const posynda_pipeline* pipeline, int32_t person,
                                                         float* scale, int* sized);
POSYNDA_API void posynda_pipeline_close(posynda_pipeline* pipeline); /* NULL is fine */

#ifdef __cplusplus
}
#endif

#endif /* POSYNDA_POSYNDA_H */
