"""Data protection: retention periods, respondents seeing or deleting their answer, subject access exports."""
