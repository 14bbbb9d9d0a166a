"""The five nodes of the topical_mesh graph: clone, parse, score, recommend, write."""
