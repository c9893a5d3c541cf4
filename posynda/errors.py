"""User-facing error types.

``InputError`` means the user gave something posynda cannot use (bad shapes, NaN keypoints, missing
keys, corrupt or mismatched checkpoints, ...). The CLI turns it into one line on stderr and exit
code 2; any other exception is an internal failure (exit code 1).
"""


class InputError(ValueError):
    """Bad user input: the message is one line that names the problem (file, key, shape)."""
