"""The BVH files import into Blender: its BVH add-on puts every joint where posynda's reader and the
lifted poses put it. Runs where a ``blender`` executable is on the PATH (``apt-get install blender``;
CI has none, so it skips there), headless, reading the pose bones' heads frame by frame."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from posynda.data.bvh import read_bvh
from posynda.posefiles import write_poses
from posynda.skeleton import H36M_JOINT_NAMES
from tests.helpers.posefiles import scene_clips

BLENDER = shutil.which("blender")

READ_IN_BLENDER = """
import builtins, json, sys
import bpy
from io_anim_bvh import import_bvh
bvh, out = sys.argv[sys.argv.index("--") + 1 :]
# Debian's Blender 3.4 runs its add-on under Python 3.11, where open(path, "rU") is an error
# (Blender's own builds bundle an older Python): drop the obsolete "U" for this add-on only.
import_bvh.open = lambda file, mode="r", *a, **k: builtins.open(file, mode.replace("U", ""), *a, **k)
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_anim.bvh(filepath=bvh, global_scale=1.0, axis_forward="-Z", axis_up="Y", rotate_mode="NATIVE",
                        use_fps_scale=False, update_scene_fps=True, update_scene_duration=True)
arm = next(o for o in bpy.context.scene.objects if o.type == "ARMATURE")
scene = bpy.context.scene
frames = []
for f in range(scene.frame_start, scene.frame_end + 1):
    scene.frame_set(f)
    frames.append({b.name: list(arm.matrix_world @ b.head) for b in arm.pose.bones})
json.dump({"frames": frames, "fps": scene.render.fps / scene.render.fps_base}, open(out, "w"))
"""


@pytest.mark.skipif(BLENDER is None, reason="no blender executable on the PATH")
def test_blender_imports_the_joints_where_posyndas_reader_puts_them(tmp_path):
    """Blender's joints = posynda's forward kinematics of the file (which test_bvh_writer checks
    against the lifted poses), every joint of every frame, to 0.01 mm; the frame rate is the file's."""
    clips, result = scene_clips((60,), fps=(30.0,), noise=10.0)
    write_poses(tmp_path / "take.bvh", result, clips)
    script = tmp_path / "read_in_blender.py"
    script.write_text(READ_IN_BLENDER)
    out = tmp_path / "blender.json"
    subprocess.run(
        [BLENDER, "-b", "--factory-startup", "--python-exit-code", "1", "--python", str(script), "--",
         str(tmp_path / "take.bvh"), str(out)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    seen = json.loads(out.read_text())
    motion = read_bvh(tmp_path / "take.bvh")
    ours = motion.kinematics().positions  # [F, J, 3] cm, y up
    assert seen["fps"] == pytest.approx(30.0) and len(seen["frames"]) >= motion.num_frames
    blender = np.array([[frame[n] for n in motion.names] for frame in seen["frames"][: motion.num_frames]])
    in_file_axes = np.stack([blender[..., 0], blender[..., 2], -blender[..., 1]], axis=-1)  # Blender z up -> y up
    assert set(H36M_JOINT_NAMES) <= set(motion.names)
    np.testing.assert_allclose(in_file_axes, ours, atol=1e-3)  # cm
