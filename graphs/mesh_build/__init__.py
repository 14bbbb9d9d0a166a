"""The mesh_build capability: plan a new topical mesh from a topic, with a human review.

The graph lives in `graphs.mesh_build.graph`; this package imports nothing from the host.
"""
