"""``python -m server``: the same as ``dmkg serve`` (handy before the dmkg CLI is installed)."""

from server.serve import serve

if __name__ == "__main__":
    serve(prog_name="python -m server")
