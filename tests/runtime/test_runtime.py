"""The runtime package: importing it loads no optional heavy stack."""

import subprocess
import sys


def test_runtime_imports_stay_light():
    code = (
        "import sys; import posynda.runtime, posynda.export.exporter, posynda.runtime.backends\n"
        "print([m for m in ('onnx','onnxruntime','tensorrt','peft','matplotlib','triton') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
