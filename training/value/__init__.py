"""Customer value: BG/NBD and Gamma-Gamma (numpy/scipy), RFM scores and segments, lifecycle stages."""
