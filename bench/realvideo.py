"""The real-video development benchmark: calibrated multi-view footage of several people, each camera lifted on
its own and scored against the multi-view triangulation of the same detector's 2D.

    posynda bench realvideo --data-dir Demo_MultiPerson [--checkpoint model.safetensors]

Made for Pose2Sim's ``Demo_MultiPerson`` (``pip download --no-deps pose2sim==0.10.49``, BSD-3: four
synchronised portrait cameras at 60 fps in ``videos/``, their Qualisys calibration in ``calibration/``), and
any folder laid out the same way (``calibration/*.toml`` from Pose2Sim works too). Pose2Sim's single-person
demo is kept out of development: it is the independent check of the same command.

1. **Every person in every view**: :class:`posynda.detectors.PeopleDetector` (BlazePose's models from the
   mediapipe wheel, per person, ids kept through the video).
2. **Who is who across views** (:func:`posynda.data.multiview.associate`, epipolar distance of the tracks).
3. **3D pseudo ground truth**: each person's BlazePose-33 keypoints triangulated (DLT) from every view that
   sees them, in mm; H36M-17 by :func:`posynda.skeleton.convert_joints`, then into each camera's frame.
   It is the detector's 2D made consistent across four views, not motion capture: its error (the median
   reprojection is reported) bounds what the table can tell apart.
4. **Scored per person and camera** -- each track of a camera lifted alone -- on the frames that have 3D and that the
   track has (every method on the same frames: the lifter's fill of a track's gaps is not scored): MPJPE and P-MPJPE
   (root-relative mm), P-MPJPE over the limb joints (knees, ankles, shoulders, elbows, wrists; the alignment uses all
   joints), the root's position error in the camera frame (mm; methods that place no root: none) over all of the
   track's frames and over those where the person stands 3-4 m from the camera (:data:`ROOT_BAND_MM`: the distance
   the acceptance of "Real footage, really" names; its mean over the tracks weighs each track by its frames in the
   band), and the acceleration error (mean over joints of ``|a_pred - a_true|``, mm/frame^2, root-relative: jitter).
   Rows: posynda's lifter (the shipped model unless ``--checkpoint``) in each of :data:`VARIANTS` -- as ``posynda
   lift --video --intrinsics`` runs it, with parts of it off, as ``lift --calibration`` runs it -- and live
   (``Lifter.lift_as_stream``, as ``lift --video --stream``), the shipped causal model (zero look-ahead) whole and
   live (``--causal``; without ``--checkpoint``), BlazePose's own 3D (its world landmarks from the same landmark run,
   hip-centred, turned into the image's axes, as MediaPipe's ``pose_world_landmarks``), and a constant pose (the mean
   of the truth over the track: a baseline that knows the answer's average).
5. **Tracking per view** (:mod:`posynda.bench.tracking`): each view's tracks against the triangulated people
   projected into it -- frames covered and id switches per person.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posynda.adapt import AdaptSettings, adapt
from posynda.adapt.footage_check import FootageViews, levelled_target
from posynda.bench.tracking import view_tracking
from posynda.data.calibration import CalibratedCamera, axis_vector, read_calibration
from posynda.data.clips import ClipSet, concatenate, load_clips
from posynda.data.detections.video import detect_people
from posynda.data.multiview import ViewTrack, associate, reprojection_px, triangulate
from posynda.data.video import VideoReader
from posynda.defaults import default_clips_path, shipped_checkpoint
from posynda.environment import machine_info
from posynda.errors import InputError
from posynda.metrics import procrustes_align
from posynda.report import markdown_table
from posynda.runtime import Lifter, SamplingSettings
from posynda.runtime.floor_scale import floor_scales, scaled
from posynda.runtime.fusion import DEFAULT_WEIGHT
from posynda.runtime.level_camera import level_rotation
from posynda.runtime.person_lift import LiveCalibration
from posynda.runtime.root_depth import ROOT_WINDOW_S
from posynda.skeleton import convert_joints

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm")
LIMB_JOINTS = (2, 5, 3, 6, 11, 14, 12, 15, 13, 16)  # H36M: knees, ankles, shoulders, elbows, wrists
MIN_SCORE = 0.5  # least keypoint score to count a 2D keypoint as seen
MIN_VIEWS = 2
# how each lifter's row lifts a track -- suffix: (Lifter.lift's orient, whether the calibration's gravity is its
# camera_up, whether the calibration's floor sizes people (posynda.runtime.floor_scale), the weight of the
# detector's own 3D in the poses (posynda.runtime.fusion)): as `lift --video --intrinsics` runs it (oriented by and
# fused with the detector's 3D), only oriented, neither (`--orient none --detector-weight 0`), through the detector's
# spine as the camera's up, as `lift --calibration` runs it (levelled by its gravity, sized by its floor, fused),
# the same not fused, and levelled only
VARIANTS = {
    "": ("detector", False, False, DEFAULT_WEIGHT),
    "_unfused": ("detector", False, False, 0.0),
    "_unoriented": ("none", False, False, 0.0),
    "_upright": ("upright", False, False, 0.0),
    "_level": ("none", True, True, DEFAULT_WEIGHT),
    "_level_unfused": ("none", True, True, 0.0),
    "_level_lifted_size": ("none", True, False, 0.0),
}
LIVE = "_live"  # as `lift --video --stream` lifts: frame by frame, the detector's 3D used on the frames so far
LEVEL_LIVE = "_level_live"  # as `lift --video --stream --calibration`: levelled, sized by the floor so far, fused
SUFFIXES = (*VARIANTS, LIVE, LEVEL_LIVE)
# each lifter's rows: the shipped (or given) model and its adaptation in every variant; the shipped causal model
# (`lift --causal`) as `lift --video --causal` runs it, not fused, and as `lift --video --stream --causal` runs it
LIFTERS = {"posynda": SUFFIXES, "posynda_adapted": SUFFIXES, "posynda_causal": ("", "_unfused", LIVE, LEVEL_LIVE)}
METHODS = (*(f"{lifter}{suffix}" for lifter, suffixes in LIFTERS.items() for suffix in suffixes), "blazepose_3d",
           "constant_pose")  # fmt: skip

METRICS = ("mpjpe", "p_mpjpe", "limb_p_mpjpe", "root_mm", "root_band_mm", "accel")
ROOT_BAND_MM = (3000.0, 4000.0)  # the true root's distance from the camera centre (mm) of the root_band_mm frames
WEIGHED_BY = {"root_band_mm": "root_band_frames"}  # a metric's mean over the tracks weighs each by this count


@dataclass
class Recording:
    """A calibrated multi-view recording: ``cameras[v]`` filmed ``videos[v]``."""

    cameras: list[CalibratedCamera]
    videos: list[Path]
    calibration: Path


def find_recording(data_dir: str | Path) -> Recording:
    """The calibration (``calibration/*.toml`` or ``*.qca.txt``) and one video per camera (``videos/<camera
    name>.<ext>``, or the videos in name order when as many as the cameras)."""
    root = Path(data_dir)
    if not root.is_dir():
        raise InputError(f"data_dir: {root} is not a folder", parameter="data_dir")
    found = sorted((root / "calibration").glob("*.toml")) + sorted((root / "calibration").glob("*.qca.txt"))
    if not found:
        raise InputError(f"data_dir: {root}/calibration holds no *.toml or *.qca.txt calibration", parameter="data_dir")
    cameras = read_calibration(found[0])
    videos = sorted(p for p in (root / "videos").glob("*") if p.suffix.lower() in VIDEO_SUFFIXES)
    by_stem = {p.stem: p for p in videos}
    if all(c.name in by_stem for c in cameras):
        return Recording(cameras, [by_stem[c.name] for c in cameras], found[0])
    if len(videos) != len(cameras):
        raise InputError(f"data_dir: {len(cameras)} cameras in {found[0].name} but {len(videos)} videos in "
                         f"{root}/videos (name them after the cameras: {[c.name for c in cameras]})",
                         parameter="data_dir")  # fmt: skip
    return Recording(cameras, videos, found[0])


@dataclass
class ViewDetections:
    """What the detector found in one view: its tracks (33 BlazePose keypoints), BlazePose's world landmarks
    ``world[id] [F, 33, 3]`` m per track, the frame count and rate, and the detector's time per frame."""

    tracks: list[ViewTrack]
    world: dict[int, np.ndarray]
    frames: int
    fps: float
    ms_per_frame: float
    size: tuple[int, int] = (0, 0)
    ids: dict[int, int] = field(default_factory=dict)


def detect_view(view: int, path: Path, max_frames: int | None) -> ViewDetections:
    """Every person in the first ``max_frames`` frames of one view, found and scored as ``posynda lift --video``
    finds them (:func:`posynda.data.detections.video.detect_people`)."""
    t0 = time.perf_counter()
    with VideoReader(path) as reader:
        people = detect_people(reader, max_frames=max_frames)
        fps, size = reader.fps, reader.size
    rows: dict[int, list] = {}
    for t, found in sorted(people.items()):
        for person in found:
            rows.setdefault(int(person.track), []).append((t, person))
    tracks, world = [], {}
    for track_id, found in sorted(rows.items()):
        keypoints, scores_ = np.stack([p.keypoints for _, p in found]), np.stack([p.scores for _, p in found])
        tracks.append(ViewTrack(view, track_id, np.array([t for t, _ in found]), keypoints, scores_))
        world[track_id] = np.stack([p.world for _, p in found])
    ms = 1000.0 * (time.perf_counter() - t0) / max(len(people), 1)
    return ViewDetections(tracks, world, len(people), fps, ms, size, {k: len(v) for k, v in rows.items()})


def acceleration_error(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean over frames and joints of ``|a_pred - a_truth|`` (mm/frame^2) of root-relative ``[N, J, 3]`` poses,
    over the frames whose neighbours are finite too."""
    a_pred, a_truth = np.diff(pred, 2, axis=0), np.diff(truth, 2, axis=0)
    error = np.linalg.norm(a_pred - a_truth, axis=-1)
    ok = np.isfinite(error).all(-1)
    return float(error[ok].mean()) if ok.any() else float("nan")


def scores(pred_rel: np.ndarray, truth_rel: np.ndarray, root_pred=None, root_truth=None) -> dict:
    """The benchmark's measures of root-relative ``pred_rel`` vs ``truth_rel`` ``[N, 17, 3]`` mm (frames where
    the truth is complete), and the root error when both roots ``[N, 3]`` (camera frame, mm) are given: over every
    such frame (``root_mm``) and over those whose true root is :data:`ROOT_BAND_MM` from the camera
    (``root_band_mm``, None when none is; ``root_band_frames`` of them)."""
    ok = np.isfinite(truth_rel).all((1, 2)) & np.isfinite(pred_rel).all((1, 2))
    p, t = pred_rel[ok], truth_rel[ok]
    aligned_error = np.linalg.norm(procrustes_align(p, t) - t, axis=-1)
    out = {
        "frames": int(ok.sum()),
        "mpjpe": float(np.linalg.norm(p - t, axis=-1).mean()),
        "p_mpjpe": float(aligned_error.mean()),
        "limb_p_mpjpe": float(aligned_error[:, list(LIMB_JOINTS)].mean()),
        "accel": acceleration_error(
            np.where(ok[:, None, None], pred_rel, np.nan), np.where(ok[:, None, None], truth_rel, np.nan)
        ),
        "root_mm": None,
        "root_band_mm": None,
        "root_band_frames": 0,
    }
    if root_pred is not None and root_truth is not None:
        error = np.linalg.norm(root_pred[ok] - root_truth[ok], axis=-1)
        distance = np.linalg.norm(root_truth[ok], axis=-1)
        band = (distance >= ROOT_BAND_MM[0]) & (distance <= ROOT_BAND_MM[1])
        out["root_mm"] = float(error.mean())
        out["root_band_frames"] = int(band.sum())
        out["root_band_mm"] = float(error[band].mean()) if band.any() else None
    return out


def _dense(track: ViewTrack, first: int, last: int):
    """The track's keypoints and scores on every frame ``first..last`` (NaN / 0 where it was not seen)."""
    n = last - first + 1
    keypoints = np.full((n,) + track.keypoints.shape[1:], np.nan)
    scores_ = np.zeros((n, track.keypoints.shape[1]))
    keypoints[track.frames - first], scores_[track.frames - first] = track.keypoints, track.scores
    return keypoints, scores_


def footage_clips(recording: Recording, views: list[ViewDetections]) -> tuple[ClipSet, list[int]]:
    """Every track of every view as unlabelled 2D (H36M, the detector's scores, the calibration's camera, the
    video's rate and frame numbers): what ``posynda adapt --target`` gets from this footage; and the camera
    index of each sequence (``adapt --calibration``)."""
    sets, view_of = [], []
    for v, (camera, found) in enumerate(zip(recording.cameras, views)):
        for track in found.tracks:
            first, last = int(track.frames[0]), int(track.frames[-1])
            kp33, score33 = _dense(track, first, last)
            kp17, conf17 = convert_joints(kp33, "blazepose33", score33)
            fps = found.fps if np.isfinite(found.fps) else None
            clip = ClipSet.single_sequence(kp17, camera.intrinsics, found.size, conf17.astype(np.float32), fps,
                                           f"{camera.name}/person{track.id}")  # fmt: skip
            sets.append(dataclasses.replace(clip, source_frame=np.arange(first, last + 1, dtype=np.int32)))
            view_of.append(v)
    return concatenate(sets), view_of


def adapted_lifter(base: Path, target: ClipSet, footage_views: FootageViews | None, out_dir: Path,
                   steps: int | None, log) -> tuple[Path, dict]:  # fmt: skip
    """``posynda adapt --calibration`` with its defaults (the embedded studio source) on the footage's 2D (levelled
    by the caller, :func:`posynda.adapt.footage_check.levelled_target`); the model it wrote (the base's weights
    when its label-free check rejected the adaptation) and its footage report."""
    settings = AdaptSettings() if steps is None else AdaptSettings(steps=steps)
    source = load_clips(default_clips_path("studio", "train"))
    report = adapt(base, source, target, out_dir, settings, progress=False, views=footage_views)
    log(report["footage"]["verdict"])
    return out_dir / "model.safetensors", report["footage"]


def run(data_dir, checkpoint=None, hypotheses: int = 5, steps: int = 5, max_frames: int | None = None,
        max_px: float = 50.0, seed: int = 0, quick: bool = False, log=print, on_row=None, adapt_to: Path | None = None,
        adapt_steps: int | None = None, world_up: str = "z") -> dict:  # fmt: skip
    """The benchmark (module docstring); returns the ``realvideo.json`` content. ``adapt_to``: also adapt the
    lifter to the footage's 2D (no 3D), writing that run there, and score it as a row of its own. ``world_up``:
    the calibration world's up axis (Qualisys and Pose2Sim: z)."""
    up_world = axis_vector(world_up)
    recording = find_recording(data_dir)
    for camera in recording.cameras:  # the levelled rows need every camera near level: a wrong axis fails here
        level_rotation(camera.rotation @ up_world)
    views = []
    for v, (camera, video) in enumerate(zip(recording.cameras, recording.videos)):
        found = detect_view(v, video, max_frames)
        log(
            f"{camera.name}: {found.frames} frames, people {found.ids} (frames each), {found.ms_per_frame:.0f} ms/frame"
        )
        views.append(found)
    tracks = [t for found in views for t in found.tracks]
    groups = associate(tracks, recording.cameras, max_px)
    frames = max(found.frames for found in views)
    base = Path(checkpoint) if checkpoint else shipped_checkpoint()
    lifters, adaptation = {"posynda": Lifter(base)}, None
    if checkpoint is None:  # the causal twin of the shipped model (a given checkpoint has none)
        lifters["posynda_causal"] = Lifter(shipped_checkpoint(causal=True))
    if adapt_to is not None:
        target, view_of = footage_clips(recording, views)
        footage_views = FootageViews.find(target, view_of, recording.cameras)  # as `adapt --calibration`: levelled
        target, footage_views = levelled_target(target, view_of, recording.cameras, up_world, footage_views)
        model, adaptation = adapted_lifter(base, target, footage_views, Path(adapt_to), adapt_steps, log)
        lifters["posynda_adapted"] = Lifter(model)
    methods = [
        m for m in METHODS if not m.startswith("posynda") or any(m == n + v for n in lifters for v in LIFTERS[n])
    ]
    sampling = SamplingSettings(hypotheses=hypotheses, steps=steps, seed=seed)
    rows, people = [], []
    triangulated = [(person, group, *_triangulated(recording.cameras, [tracks[k] for k in group], frames))
                    for person, group in enumerate(groups)
                    if len({tracks[k].view for k in group}) >= MIN_VIEWS]  # fmt: skip
    tracking = [view_tracking(camera, [world for *_, world, _, _ in triangulated], found.tracks)
                for camera, found in zip(recording.cameras, views)]  # fmt: skip
    for person, group, world, keypoints, seen in triangulated:
        views_of = sorted({tracks[k].view for k in group})
        reprojection = np.concatenate([reprojection_px(recording.cameras[v], world, keypoints[v])[seen[v] >= MIN_SCORE]
                                       for v in views_of])  # fmt: skip
        reprojection = reprojection[np.isfinite(reprojection)]
        people.append(
            {
                "person": person,
                "tracks": [f"{recording.cameras[tracks[k].view].name}#{tracks[k].id}" for k in group],  # fmt: skip
                "median_reprojection_px": float(np.median(reprojection)) if reprojection.size else None,
                "frames_with_3d": int(np.isfinite(world).all(-1).any(-1).sum()),
            }
        )
        for k in group:
            track = tracks[k]
            camera, found = recording.cameras[track.view], views[track.view]
            first, last = int(track.frames[0]), int(track.frames[-1])
            truth = convert_joints(camera.to_camera(world[first : last + 1]), "blazepose33")[0]  # [n, 17, 3] mm
            truth[np.isin(np.arange(first, last + 1), track.frames, invert=True)] = np.nan  # every method scored
            truth_rel = truth - truth[:, :1]  # on the frames the track has (a lifter also fills the gaps between)
            kp33, score33 = _dense(track, first, last)
            kp17, conf17 = convert_joints(kp33, "blazepose33", score33)
            bp_world = np.full((last - first + 1, 33, 3), np.nan)
            bp_world[track.frames - first] = found.world[track.id] * 1000.0
            blaze = convert_joints(bp_world, "blazepose33")[0]  # [n, 17, 3] mm, hip-centred: what lift --video reads
            fps = float(found.fps) if np.isfinite(found.fps) else None
            clip = dataclasses.replace(  # the track as `detect` writes it (BlazePose's 3D root-relative)
                ClipSet.single_sequence(kp17, camera.intrinsics, found.size, conf17.astype(np.float32), fps),
                detector_3d=(blaze - blaze[:, :1]).astype(np.float32),
            )
            up, height = camera.rotation @ up_world, float(camera.centre @ up_world)  # the calibration's, mm
            calibration = LiveCalibration(up, height)  # as `lift --video --stream --calibration` reads it
            results = {}
            for name, lifter in lifters.items():
                for suffix, (orient, levelled, floor, weight) in VARIANTS.items():
                    if suffix not in LIFTERS[name]:
                        continue
                    lifted = lifter.lift(clip, sampling, camera_up=up if levelled else None, orient=orient,
                                         detector_weight=weight, root_window_s=ROOT_WINDOW_S)  # fmt: skip
                    rel, absolute = lifted.root_relative_mm, lifted.absolute_mm
                    if floor:  # as `lift --calibration` sizes people
                        size = floor_scales(absolute, clip, up, height)
                        rel, absolute = scaled(rel, clip, size.scales), scaled(absolute, clip, size.scales)
                    results[name + suffix] = scores(rel, truth_rel, absolute[:, 0], truth[:, 0])
                # as `lift --video --stream` lifts a person (Lifter.lift_as_stream: PersonLift, the frames so far)
                live = lifter.lift_as_stream(clip, sampling, orient="detector", detector_weight=DEFAULT_WEIGHT)
                results[name + LIVE] = scores(live.root_relative_mm, truth_rel, live.absolute_mm[:, 0], truth[:, 0])
                if LEVEL_LIVE in LIFTERS[name]:  # as `lift --video --stream --calibration` (orient: auto = none)
                    live = lifter.lift_as_stream(
                        clip, sampling, detector_weight=DEFAULT_WEIGHT, calibration=calibration
                    )
                    results[name + LEVEL_LIVE] = scores(live.root_relative_mm, truth_rel, live.absolute_mm[:, 0],
                                                        truth[:, 0])  # fmt: skip
            constant = np.broadcast_to(np.nanmean(truth_rel, axis=0), truth_rel.shape)
            results["blazepose_3d"] = scores(blaze - blaze[:, :1], truth_rel)
            results["constant_pose"] = scores(np.array(constant), truth_rel)
            row = {"person": person, "camera": camera.name, "track": track.id, "frames": len(track.frames),
                   "scored_frames": results["posynda"]["frames"], "methods": results}  # fmt: skip
            rows.append(row)
            log(f"person {person} {camera.name}: " + ", ".join(
                f"{m} {results[m]['mpjpe']:.1f}/{results[m]['p_mpjpe']:.1f}" for m in methods))  # fmt: skip
            if on_row is not None:
                on_row(_result(recording, views, people, rows, checkpoint, sampling, quick, max_frames, methods,
                               adaptation, complete=False, world_up=world_up, tracking=tracking))  # fmt: skip
    return _result(recording, views, people, rows, checkpoint, sampling, quick, max_frames, methods, adaptation,
                   complete=True, world_up=world_up, tracking=tracking)  # fmt: skip


def _mean(rows: list[dict], method: str, metric: str) -> float | None:
    """The mean of ``metric`` over the rows that have it, each row weighed by its :data:`WEIGHED_BY` count (a track
    that stands 3-4 m from the camera for two frames counts two frames), else once."""
    found = [r["methods"][method] for r in rows]
    found = [m for m in found if m.get(metric) is not None and np.isfinite(m[metric])]
    weights = [m[WEIGHED_BY[metric]] if metric in WEIGHED_BY else 1 for m in found]
    return float(np.average([m[metric] for m in found], weights=weights)) if sum(weights) else None


def _triangulated(cameras: list[CalibratedCamera], group: list[ViewTrack], frames: int):
    """One person's tracks (``group``, one or more per view) -> their 3D ``[F, 33, 3]`` mm (NaN where fewer than
    two views see a keypoint), and the per-view keypoints ``[V, F, 33, 2]`` and scores ``[V, F, 33]`` it came from."""
    keypoints = np.full((len(cameras), frames, 33, 2), np.nan)
    seen = np.zeros((len(cameras), frames, 33))
    for track in group:
        keypoints[track.view, track.frames], seen[track.view, track.frames] = track.keypoints, track.scores
    return triangulate(cameras, keypoints, seen, MIN_SCORE), keypoints, seen


def _result(recording, views, people, rows, checkpoint, sampling, quick, max_frames, methods, adaptation,
            complete, world_up: str = "z", tracking=None) -> dict:  # fmt: skip
    return {
        "recording": {
            "calibration": recording.calibration.name,
            "videos": [p.name for p in recording.videos],
            "frames": [v.frames for v in views],
            "fps": [v.fps for v in views],
            "detector_ms_per_frame": [round(v.ms_per_frame, 1) for v in views],
        },  # fmt: skip
        "model": str(checkpoint) if checkpoint else "shipped",
        "machine": machine_info(),
        "settings": {
            "hypotheses": sampling.hypotheses,
            "steps": sampling.steps,
            "seed": sampling.seed,
            "max_frames": max_frames,
            "world_up": world_up,
            "quick": quick,
        },  # fmt: skip
        "people": people,
        "tracking": tracking or [],
        "rows": rows,
        "methods": list(methods),
        "adaptation": adaptation,
        "summary": {m: {k: _mean(rows, m, k) for k in METRICS} for m in methods},
        "complete": complete,
    }


NAMES = {
    "posynda": "posynda lifter (`lift --video`: oriented by and fused with the detector's 3D)",
    "posynda_unfused": "posynda lifter, oriented by the detector's 3D, not fused (`--detector-weight 0`)",
    "posynda_unoriented": "posynda lifter, neither (`--orient none --detector-weight 0`)",
    "posynda_upright": "posynda lifter, the detector's spine as up (`--orient upright`)",
    "posynda_level": "posynda lifter, levelled and sized by the calibration, fused (`--calibration`)",
    "posynda_level_unfused": "posynda lifter, levelled and sized by the calibration, not fused",
    "posynda_level_lifted_size": "posynda lifter, levelled by the calibration, its own size (`--size lifted`)",
    "posynda_live": "posynda lifter, live (`lift --video --stream`: the detector's 3D of the frames so far)",
    "posynda_level_live": "posynda lifter, live and calibrated (`lift --video --stream --calibration`: levelled, "
    "sized by the floor of the frames so far, fused)",
    "posynda_adapted": "posynda, adapted to this footage's 2D, oriented by and fused with the detector's 3D",
    "posynda_adapted_unfused": "posynda, adapted, oriented, not fused",
    "posynda_adapted_unoriented": "posynda, adapted, neither",
    "posynda_adapted_upright": "posynda, adapted, the detector's spine as up",
    "posynda_adapted_level": "posynda, adapted, levelled and sized by the calibration, fused",
    "posynda_adapted_level_unfused": "posynda, adapted, levelled and sized by the calibration, not fused",
    "posynda_adapted_live": "posynda, adapted, live",
    "posynda_adapted_level_live": "posynda, adapted, live and calibrated",
    "posynda_adapted_level_lifted_size": "posynda, adapted, levelled by the calibration, its own size",
    "posynda_causal": "posynda causal lifter (`lift --video --causal`: zero look-ahead, oriented, fused)",
    "posynda_causal_unfused": "posynda causal lifter, oriented by the detector's 3D, not fused (the model's own cost)",
    "posynda_causal_live": "posynda causal lifter, live (`lift --video --stream --causal`: nothing from later frames)",
    "posynda_causal_level_live": "posynda causal lifter, live and calibrated (`--stream --causal --calibration`)",
    "blazepose_3d": "BlazePose's own 3D",
    "constant_pose": "constant pose (truth's mean)",
}


def _cell(value) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.1f}"


def markdown(result: dict) -> str:
    """The result as Markdown: the summary, then one table per camera and person."""
    rec, s = result["recording"], result["settings"]
    lines = [
        "# Real video: single-view 3D vs multi-view triangulation",
        "",
        f"{', '.join(rec['videos'])} ({rec['frames']} frames, {rec['fps']} fps), calibration {rec['calibration']}; "
        f"model {result['model']}, H = {s['hypotheses']}, K = {s['steps']}, seed {s['seed']}. Truth: the detector's "
        "2D triangulated over the views (pseudo ground truth). Root-relative mm; accel in mm/frame^2.",
        "",
        "## Mean over every person and camera",
        "",
    ]
    headers = ["method", "MPJPE", "P-MPJPE", "limb P-MPJPE", "root error", "root error at 3-4 m", "accel error"]
    table = [[NAMES[m], *(_cell(result["summary"][m][k]) for k in METRICS)] for m in result["methods"]]
    lines += [markdown_table(headers, table).rstrip("\n"), ""]
    band = ", ".join(f"{r['camera']} person {r['person']}: {n}" for r in result["rows"]
                     if (n := r["methods"]["posynda"]["root_band_frames"]))  # fmt: skip
    lines += [f"Root error at 3-4 m: the frames where the person's true root is {ROOT_BAND_MM[0] / 1000:g}-"
              f"{ROOT_BAND_MM[1] / 1000:g} m from the camera, each track weighed by its frames there ("
              + (band or "no track has one") + ").", ""]  # fmt: skip
    if result.get("adaptation"):
        lines += [f"posynda, adapted: `posynda adapt --calibration` with its defaults on the 2D of every track of "
                  f"every view (no 3D), seen through level cameras as `lift --calibration` sees it; "
                  f"{result['adaptation']['verdict']}.", ""]  # fmt: skip
    lines += ["## People (association and triangulation)", ""]
    lines += [markdown_table(["person", "tracks (camera#id)", "median reprojection px", "frames with 3D"],
                             [[p["person"], ", ".join(p["tracks"]), _cell(p["median_reprojection_px"]),
                               p["frames_with_3d"]] for p in result["people"]]).rstrip("\n")]  # fmt: skip
    lines += ["", "## Tracking (each view against the triangulated people)", ""]
    lines += [markdown_table(["camera", "person", "visible frames", "tracked %", "id switches", "track ids"],
                             [[v["camera"], q["person"], q["visible_frames"], _cell(q["covered_pct"]), q["id_switches"],
                               ", ".join(str(i) for i in q["tracks"])] for v in result["tracking"]
                              for q in v["people"]]).rstrip("\n")]  # fmt: skip
    lines += ["", "Detections that match nobody: " + ", ".join(
        f"{v['camera']} {v['unmatched_detections']}" for v in result["tracking"]) + "."]  # fmt: skip
    lines += ["", "## Per person and camera", ""]
    body = []
    for row in result["rows"]:
        for m in result["methods"]:
            r = row["methods"][m]
            body.append([row["person"], row["camera"], row["scored_frames"], NAMES[m],
                         *(_cell(r[k]) for k in METRICS)])  # fmt: skip
    lines += [markdown_table(["person", "camera", "frames", *headers], body).rstrip("\n"), ""]
    machine = result["machine"]
    lines.append(f"Detector: {', '.join(f'{ms:g}' for ms in rec['detector_ms_per_frame'])} ms per frame and view "
                 f"(decode + every person); {machine['cpu']}, {machine['torch_threads']} threads, load "
                 f"{machine['load_average_1min']}.")  # fmt: skip
    return "\n".join(lines) + "\n"
