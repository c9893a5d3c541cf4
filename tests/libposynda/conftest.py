"""Fixtures of the libposynda tests: the built binaries (native, ASan + UBSan, aarch64) and models.

``libposynda/build.sh`` builds them (``.ci/run`` does, then sets ``POSYNDA_REQUIRE_CPP=1`` and, with the
aarch64 toolchain, ``POSYNDA_REQUIRE_AARCH64=1``, so that a missing build fails instead of skipping).
"""

import pytest

from tests.helpers.libposynda import BUILD, built


@pytest.fixture(scope="session")
def posynda_lift_bin():
    return built(BUILD / "native" / "posynda_lift", "the libposynda tool posynda_lift", "POSYNDA_REQUIRE_CPP")


@pytest.fixture(scope="session")
def detector_dir(tmp_path_factory):
    """BlazePose's two graphs as `posynda export --detector` writes them (needs the [video] extra)."""
    pytest.importorskip("mediapipe")
    import shutil

    from posynda.detectors.blazepose_models import onnx_file
    from posynda.export.artefacts import DETECTOR_FILES

    folder = tmp_path_factory.mktemp("detector")
    for name, model in DETECTOR_FILES:
        shutil.copyfile(onnx_file(model), folder / name)
    return folder


@pytest.fixture(scope="session")
def no_metadata_onnx(shipped_export, tmp_path_factory):
    """The shipped denoiser graph with its metadata_props removed: what a foreign ONNX file looks like."""
    import onnx

    proto = onnx.load(str(shipped_export / "denoiser.onnx"))
    del proto.metadata_props[:]
    path = tmp_path_factory.mktemp("no-metadata") / "foreign.onnx"
    onnx.save(proto, str(path))
    return path
