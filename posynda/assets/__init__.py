"""Files shipped inside the package (the pretrained studio checkpoint)."""
