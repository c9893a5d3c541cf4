/* stream_keypoints: the smallest app embedding libposynda -- read pixel keypoints frame by frame from a
 * text file, push each frame into a live stream, print the 3D pose of frame t - L as CSV.
 *
 *   stream_keypoints MODEL.onnx KEYPOINTS.txt WIDTH HEIGHT > poses.csv
 *
 * KEYPOINTS.txt: one frame per line, 34 numbers x0 y0 x1 y1 ... x16 y16 (pixels, Human3.6M-17 order,
 * "nan" = missing; examples/README.md describes it in full). Output: "frame,x0,y0,z0,...,z16" per frame,
 * camera-frame millimetres (absolute).
 * Build: see examples/CMakeLists.txt (find_package(posynda) after `cmake --install`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <posynda/posynda.h>

/* An image side: a whole decimal number that fits an int (the library checks its range, 1..32768). */
static int side(const char* text, int* out) {
  char* end = NULL;
  errno = 0;
  const long v = strtol(text, &end, 10);
  if (!*text || *end || errno == ERANGE || v < -2147483647L - 1 || v > 2147483647L) return 0;
  *out = (int)v;
  return 1;
}

static void print_pose(const posynda_pose* pose) {
  printf("%lld", (long long)pose->frame);
  for (int j = 0; j < POSYNDA_JOINTS; ++j)
    printf(",%.3f,%.3f,%.3f", pose->absolute_mm[j][0], pose->absolute_mm[j][1], pose->absolute_mm[j][2]);
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: stream_keypoints MODEL.onnx KEYPOINTS.txt WIDTH HEIGHT\n");
    return 2;
  }
  int width = 0, height = 0;
  if (!side(argv[3], &width) || !side(argv[4], &height)) {
    fprintf(stderr, "stream_keypoints: WIDTH and HEIGHT must be integers, got %s %s\n", argv[3], argv[4]);
    return 2;
  }
  FILE* in = fopen(argv[2], "r");
  if (!in) {
    fprintf(stderr, "stream_keypoints: cannot open %s\n", argv[2]);
    return 2;
  }
  posynda_model* model = NULL;
  posynda_stream* stream = NULL;
  /* Every struct passed to the library starts with struct_size: its init function fills it (posynda.h, ABI). */
  posynda_camera camera;
  posynda_camera_init(&camera, width, height); /* default pinhole camera */
  posynda_settings settings;
  posynda_settings_init(&settings);
  if (posynda_model_open(argv[1], NULL, &model) != POSYNDA_OK ||
      posynda_stream_open(model, &camera, &settings, POSYNDA_ORDER_H36M, POSYNDA_JOINTS, &stream) != POSYNDA_OK) {
    fprintf(stderr, "stream_keypoints: %s\n", posynda_last_error());
    posynda_model_close(model);
    fclose(in);
    return 2;
  }
  float keypoints[POSYNDA_JOINTS * 2];
  posynda_pose pose;
  int status = 0;
  for (;;) {
    int read = 0;
    while (read < POSYNDA_JOINTS * 2 && fscanf(in, "%f", &keypoints[read]) == 1) ++read;
    if (read == 0) break;
    int ready = 0;
    if (read != POSYNDA_JOINTS * 2 || posynda_stream_push(stream, keypoints, NULL, &pose, &ready) != POSYNDA_OK) {
      fprintf(stderr, "stream_keypoints: %s\n", read != POSYNDA_JOINTS * 2 ? "a frame needs 34 numbers" : posynda_last_error());
      status = 2;
      break;
    }
    if (ready) print_pose(&pose); /* the pose of the frame pushed L frames ago */
  }
  int latency = posynda_stream_latency(stream);
  posynda_pose* rest = latency > 0 ? malloc(sizeof(posynda_pose) * (size_t)latency) : NULL;
  int count = 0;
  if (status == 0 && latency > 0 && rest == NULL) {
    fprintf(stderr, "stream_keypoints: out of memory for the last %d poses\n", latency);
    status = 2;
  }
  if (status == 0 && posynda_stream_finish(stream, rest, latency, &count) == POSYNDA_OK)
    for (int k = 0; k < count; ++k) print_pose(&rest[k]);
  free(rest);
  posynda_stream_close(stream);
  posynda_model_close(model);
  fclose(in);
  return status;
}
