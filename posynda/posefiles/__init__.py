"""Pose files: lifted poses written for people and their tools; the output file's extension picks the format.

| extension | what (module) | coordinates |
|-----------|---------------|-------------|
| ``.npz``  | the input clip file with ``joints_3d`` filled (``npz_writer``) | camera, mm |
| ``.json`` | per sequence, frame and joint; skeleton and frame stated (``json_writer``) | world or camera, mm |
| ``.csv``  | one row per (sequence, frame), x/y/z per joint (``csv_writer``) | world or camera, mm |
| ``.bvh``  | skeleton motion for Blender / MotionBuilder + ``<file>.json`` (``bvh_writer``) | the same, y up, cm |

"world" is the floor-based frame of :mod:`.floor` (z up, floor at z = 0; a RANSAC fit to the feet) when a
floor is found under every camera of the file, else the camera frame (x right, y down, z forward) and the
reason (:mod:`.poses`). The table and the check before any work are :mod:`.formats`; every file is written
atomically. This room sits above the runtime: it reads a :class:`~posynda.runtime.LiftResult`, and the
runtime never imports it.

>>> from posynda.posefiles import output_format, write_poses
>>> output_format("poses.mov")                   # InputError naming .npz, .json, .csv, .bvh
>>> write_poses("poses.json", result, clips).summary()
'poses.json (world coordinates, floor at z = 0, mm)'
"""

from posynda.posefiles.formats import OUTPUT_FORMATS, OutputFormat, Written, output_format, write_poses
from posynda.posefiles.poses import LiftedPoses, lifted_poses

__all__ = ["OUTPUT_FORMATS", "LiftedPoses", "OutputFormat", "Written", "lifted_poses", "output_format", "write_poses"]
