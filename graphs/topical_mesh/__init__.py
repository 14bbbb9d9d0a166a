"""The topical_mesh capability: an internal-linking audit of a content site in a git repo.

The graph lives in `graphs.topical_mesh.graph`; this package imports nothing from the host.
"""
