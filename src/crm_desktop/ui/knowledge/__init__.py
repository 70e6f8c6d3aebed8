"""知识库: search, read and edit knowledge base articles."""
