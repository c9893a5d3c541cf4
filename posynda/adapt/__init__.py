"""PoSynDA adaptation: target-specific source augmentation (GPA) and its building blocks."""

from posynda.adapt.gpa import global_position_alignment

__all__ = ["global_position_alignment"]
