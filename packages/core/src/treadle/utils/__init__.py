"""Small torch-free helpers shared across Treadle's modules."""
