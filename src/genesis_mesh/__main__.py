from genesis_mesh.cli import app

app()
