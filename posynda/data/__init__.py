"""Clip data: the v1 clip-file format, windowing, dataset converters and the embedded domains."""

from posynda.data.clips import FORMAT, ClipSet, concatenate, describe_clips, load_clips, save_clips, validate

__all__ = ["FORMAT", "ClipSet", "concatenate", "describe_clips", "load_clips", "save_clips", "validate"]
