"""Text understanding: embeddings, contact reasons, topics (and enrichment, in sibling modules)."""
