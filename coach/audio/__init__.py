"""Audio sources: files (fast or paced replay) and live sound devices, as 16 kHz mono frames per channel."""
