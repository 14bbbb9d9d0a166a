"""The nodes of mesh_build: outline, review, link, write."""
