"""service tab."""
