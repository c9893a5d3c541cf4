"""Small settings for the bench tests."""

# curve variants: small versions of the two architectures, one per input normalisation
SMALL = {
    "mixste, screen": ("tiny", {"dim": 16, "depth": 1, "heads": 2}),
    "videopose, root": ("videopose-tiny", {"dim": 16, "input_norm": "root"}),
}
