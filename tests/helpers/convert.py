"""Writers of small files in the public dataset layouts (Human3.6M, MPI-INF-3DHP, 3DPW), and the joint tables the
converters are checked against.

Expected values are computed independently of posynda.data.convert: the Human3.6M world->camera
transform with VideoPose3D's quaternion formula, the joint selections and orders hard-coded here.
"""

import numpy as np

from posynda import camera
from posynda.data import h36m_cameras

# VideoPose3D's kept joints (32 -> 17), the 3DHP->H36M and SPIN24->H36M gathers: h36m[i] = src[m[i]].
KEPT_32 = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
FROM_3DHP = [14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3, 4]
FROM_SPIN24 = [14, 2, 1, 0, 3, 4, 5, 16, 15, 17, 18, 9, 10, 11, 8, 7, 6]


CAM_IDS = ["54138969", "55011271", "58860488", "60457274"]


def reprojection(clips):
    """``[N, 17, 2]`` projection of the clips' 3D with their own intrinsics."""
    cams = clips.camera[clips.seq_index].astype(np.float64)
    return camera.project(clips.joints_3d.astype(np.float64), cams)


def frames_of(clips, name):
    return np.flatnonzero(clips.seq_index == clips.sequence_names().index(name))


# --------------------------------------------------------------------------------- Human3.6M
def qrot(q, v):
    """VideoPose3D ``qrot``: rotate ``v [..., 3]`` by the quaternion ``q = (w, x, y, z)``."""
    uv = np.cross(q[1:], v)
    return v + 2 * (q[0] * uv + np.cross(q[1:], uv))


def vp3d_camera_mm(world_m, subject, cam):
    """VideoPose3D ``world_to_camera`` (rotate X - t by the inverse quaternion), in mm."""
    q, t = (np.asarray(a, np.float64) for a in h36m_cameras.EXTRINSICS[subject][cam])
    return qrot(q * [1, -1, -1, -1], np.asarray(world_m, np.float64) - t / 1000.0) * 1000.0


def h36m_intrinsics(cam):
    fx, fy, cx, cy, k1, k2, k3, p1, p2, w, h = h36m_cameras.INTRINSICS[CAM_IDS[cam]]
    return np.array([fx, fy, cx, cy, k1, k2, k3, p1, p2]), (w, h)


def h36m_world(n, seed):
    """A body in the capture volume: world metres, z up, around (0, 0, 0.9)."""
    rng = np.random.default_rng(seed)
    body = rng.normal(size=(32, 3)) * [0.2, 0.2, 0.4]
    drift = np.linspace(0, 1, n)[:, None, None] * [0.5, -0.3, 0.0]
    return (body + drift + rng.normal(size=(n, 32, 3)) * 0.02 + [0.0, 0.0, 0.9]).astype(np.float32)


MOCAP_LENGTHS = {"Walking": 20, "Sitting 1": 25}


def body_3dhp(n, seed, depth=4000.0):
    """Absolute camera-frame mm, 3DHP-17 order, each joint distinct."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 17, 3)) * 300 + np.array([100.0, -50.0, depth])


def project_px(joints, fx, fy, cx, cy):
    return np.stack([fx * joints[..., 0] / joints[..., 2] + cx, fy * joints[..., 1] / joints[..., 2] + cy], -1)


def root_relative(j3d):
    """The loaders' layout: every joint but the pelvis (14) relative to it; the pelvis keeps the trajectory."""
    out = j3d.copy()
    out[:, np.arange(17) != 14] -= j3d[:, 14:15]
    return out


TEST_CAMS = {
    **{f"TS{i}": ((1500.172, 1017.387, 1043.032), (2048, 2048)) for i in range(1, 5)},
    **{f"TS{i}": ((1683.983, 939.858, 560.141), (1920, 1080)) for i in (5, 6)},
}


def write_3dhp_test(tmp_path, relative=False):
    data, truth = {}, {}
    for name, ((f, cx, cy), _) in TEST_CAMS.items():
        j3d = body_3dhp(30, int(name[2]))
        valid = np.ones(30)
        valid[[3, 4, 20]] = 0
        truth[name] = j3d
        data[name] = {
            "data_2d": project_px(j3d, f, f, cx, cy),
            "data_3d": root_relative(j3d) if relative else j3d,
            "valid": valid,
        }
    path = tmp_path / "data_test_3dhp_ori.npz"
    np.savez(path, data=data)
    return path, truth


F3DPW = (1961.886, 1969.2, 540.0, 960.0)  # 3DPW's usual phone camera (fx, fy, cx, cy)


def pw_person(frame, person, rng):
    """SPIN-24 joints (metres, camera frame): pelvis x encodes the person, y the frame number."""
    joints = rng.normal(size=(24, 3)) * 0.3 + [0.0, 0.0, 4.0]
    joints[14] = [0.5 * person, 0.01 * frame, 4.0]
    return joints


def pw_rows(seq, order, rng, hide=None):
    """``(imgname, part, S)`` rows for ``order`` = [(frame, person), ...] in file order."""
    names, parts, s3d = [], [], []
    for frame, person in order:
        joints = pw_person(frame, person, rng)
        uv = project_px(joints, *F3DPW)
        vis = np.ones((24, 1))
        if hide is not None and (frame, person) == hide:
            vis[3] = 0  # SPIN l_hip -> H36M 4
        names.append(f"imageFiles/{seq}/image_{frame:05d}.jpg")
        parts.append(np.concatenate([uv, vis], 1))
        s3d.append(np.concatenate([joints, np.ones((24, 1))], 1))
    return names, parts, s3d


def write_3dpw(path, *blocks, with_s=True, **extra):
    names, parts, s3d = (sum((list(b[i]) for b in blocks), []) for i in range(3))
    arrays = dict(imgname=np.array(names), part=np.array(parts), **extra)
    if with_s:
        arrays["S"] = np.array(s3d)
    np.savez(path, **arrays)
    return path
