"""Helpers of the tests: functions, constants and classes that test modules and conftest fixtures import.

Test modules import helpers from here only -- never from a conftest.py (which holds fixtures and hooks) nor from
another test module (tests/test_test_layout.py checks both). One module per job:

- ``bench``: small bench settings (SMALL curve variants)
- ``bvh``: small BVH takes with the presets' joint names
- ``cli``: ``posynda`` run in-process, its tables, error lines, PNG bytes, a folder's digest
- ``clips``: hand-made clip sets, raw and bad clip files
- ``convert``: files in the public dataset layouts (Human3.6M, 3DHP, 3DPW) and their joint tables
- ``detections``: a two-person scene and writers of it in each 2D detector's layout
- ``export``: the sampler settings of the session's shipped export
- ``gpu``: the ``gpu`` marker's skip
- ``interrupts``: Ctrl-C and kills in the middle of a call
- ``libposynda``: the C build, posynda_lift runs, qemu
- ``models``: the micro denoiser and its checkpoint
- ``pickles``: payloads that would run code when unpickled
- ``posefiles``: walkers on a known floor under a pitched camera, and their LiftResult
- ``tensorrt``: the machine a fake engine's sidecar records
- ``training``: the toy run of the training loop
- ``video``: mannequin and photograph videos, the BlazePose skip
- ``viz``: a gradient background, GIF frames read back

``ddp_pretrain.py`` is a script run under torchrun by tests/test_distributed.py.
"""
