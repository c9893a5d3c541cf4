"""posynda: PoSynDA domain adaptation for diffusion-based 2D-to-3D human pose lifting.

Import-light on purpose: heavy stacks (peft, onnx, onnxruntime, tensorrt, triton) are imported
lazily by the code paths that need them, so ``posynda --help`` stays fast.
"""

__version__ = "0.1.0"

SKELETON_NAME = "h36m-17"
