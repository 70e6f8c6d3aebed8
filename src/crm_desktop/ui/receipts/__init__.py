"""receipts tab."""
