"""sales tab."""
