"""User-facing error types.

``InputError`` means the user gave something posynda cannot use (bad shapes, NaN keypoints, missing
keys, corrupt or mismatched checkpoints, ...). The CLI turns it into one line on stderr and exit
code 2; any other exception is an internal failure (exit code 1). Ctrl-C exits with code 130 and
one line; a training loop stopped by it raises ``RunInterrupted``, whose message says where its
checkpoint is and how to resume.
"""


class InputError(ValueError):
    """Bad user input: the message is one line that names the problem (file, key, shape)."""


class RunInterrupted(KeyboardInterrupt):
    """A training run stopped by Ctrl-C after a whole step, with its state saved: the message says
    the step and how to continue (``--resume``)."""
