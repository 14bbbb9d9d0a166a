"""A template-shaped project (src layout, `dependencies: ["."]`, `env: ".env"`)."""
