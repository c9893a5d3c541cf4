/* C callers may pass any int where posynda.h takes an enum (C allows it; the library must refuse it). The
 * lift harness is C++, where forming an out-of-range enum value is undefined: it passes its fuzzed order
 * through this C function instead. */
#include "posynda/posynda.h"

posynda_status fuzz_stream_open(posynda_model* model, const posynda_camera* camera, const posynda_settings* settings,
                                int order, int joints, posynda_stream** stream) {
  return posynda_stream_open(model, camera, settings, (posynda_joint_order)order, joints, stream);
}
