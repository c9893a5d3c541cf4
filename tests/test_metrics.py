"""MPJPE, P-MPJPE, PCK and AUC against hand-computed values."""

import numpy as np
import pytest

from posynda import metrics


def rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def test_mpjpe_is_root_relative():
    gt = np.random.default_rng(0).normal(size=(4, 17, 3)) * 300
    np.testing.assert_allclose(metrics.mpjpe(gt + np.array([50.0, 0, 1000]), gt), 0, atol=1e-9)
    shifted = gt.copy()
    shifted[:, 5] += np.array([30.0, 40.0, 0])  # one joint 50 mm off
    np.testing.assert_allclose(metrics.mpjpe(shifted, gt), 50.0 / 17)


def test_p_mpjpe_removes_similarity_transforms():
    gt = np.random.default_rng(1).normal(size=(3, 17, 3)) * 300
    pred = 1.3 * gt @ rotation(0.7).T + np.array([10.0, -20, 30])
    np.testing.assert_allclose(metrics.p_mpjpe(pred, gt), 0, atol=1e-6)
    assert metrics.mpjpe(pred, gt).min() > 10


def umeyama_error(pred, gt):
    """Per-frame error after the best proper similarity (rotation det +1, scale, translation), computed
    independently: Umeyama (1991) with the sign correction on the smallest singular value."""
    out = []
    for p, g in zip(pred, gt):
        mp, mg = p.mean(0), g.mean(0)
        p0, g0 = p - mp, g - mg
        u, s, vt = np.linalg.svd(g0.T @ p0 / len(p))
        d = np.eye(3)
        d[2, 2] = np.sign(np.linalg.det(u @ vt))
        r = u @ d @ vt
        scale = np.trace(np.diag(s) @ d) / (p0**2).sum(1).mean()
        aligned = scale * p0 @ r.T + mg
        out.append(np.linalg.norm(aligned - g, axis=-1).mean())
    return np.array(out)


def test_p_mpjpe_never_aligns_by_a_reflection():
    gt = np.random.default_rng(2).normal(size=(5, 17, 3)) * 300
    mirrored = gt * np.array([-1.0, 1.0, 1.0])  # a mirror image: only a reflection maps it back exactly
    errors = metrics.p_mpjpe(mirrored, gt)
    assert (errors > 10).all()  # a reflection would give 0
    np.testing.assert_allclose(errors, umeyama_error(mirrored, gt), rtol=1e-9)
    aligned = metrics.procrustes_align(mirrored, gt)
    for a, m in zip(aligned - aligned.mean(1, keepdims=True), mirrored - mirrored.mean(1, keepdims=True)):
        transform = np.linalg.lstsq(m, a, rcond=None)[0]  # the linear map applied to the centred pose
        assert np.linalg.det(transform) > 0


def test_p_mpjpe_matches_an_independent_umeyama_on_noisy_poses():
    rng = np.random.default_rng(3)
    gt = rng.normal(size=(6, 17, 3)) * 300
    pred = 0.9 * gt @ rotation(2.5).T + rng.normal(size=gt.shape) * 40
    np.testing.assert_allclose(metrics.p_mpjpe(pred, gt), umeyama_error(pred, gt), rtol=1e-9)


@pytest.mark.parametrize("offset,expected_pck", [(100.0, 100.0), (149.0, 100.0), (151.0, 0.0)])
def test_pck_threshold_on_protocol_joints(offset, expected_pck):
    gt = np.zeros((1, 17, 3))
    pred = gt.copy()
    pred[:, 1:] += np.array([offset, 0, 0])  # every joint but the root
    assert metrics.pck(pred, gt)[0] == pytest.approx(expected_pck)


def test_auc_is_mean_pck_over_thresholds():
    gt = np.zeros((1, 17, 3))
    pred = gt.copy()
    pred[:, 1:] += np.array([72.0, 0, 0])
    # thresholds 0..150 step 5: correct from 75 on -> 16 of 31
    assert metrics.auc(pred, gt)[0] == pytest.approx(100 * 16 / 31)
    assert len(metrics.PCK_JOINTS) == 14 and 0 not in metrics.PCK_JOINTS


def test_summarize_respects_the_valid_mask():
    gt = np.zeros((2, 17, 3))
    pred = gt.copy()
    pred[1, 1:] += 1000
    out = metrics.summarize(pred, gt, np.array([True, False]))
    assert out["mpjpe"] == 0 and out["frames"] == 1 and out["pck"] == 100
