"""Serve the published reports on 127.0.0.1 (``make serve``; ``python -m dashboards.serve``).

Only the files under the reports folder are served, read-only, on the loopback interface; the warehouse is
never opened, and no folder is ever listed (a folder without an index.html answers 404). ``--port 0`` picks a
free port. The address is printed on start."""

from __future__ import annotations

import argparse
import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


class ReportsHandler(SimpleHTTPRequestHandler):
    """Static files with no caching surprises and the same content policy as the pages declare."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".css": "text/css",
                      ".html": "text/html; charset=utf-8"}  # fmt: skip

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if self.path in ("/", "/index.html") and not (Path(self.directory) / "index.html").exists():
            self.send_response(302)
            self.send_header("Location", "/overview.html")
            self.end_headers()
            return
        super().do_GET()

    def send_head(self):
        """A folder is never listed: one without an index.html is 404, as a missing file is (its name says
        nothing either: no redirect to the folder with a slash)."""
        path = Path(self.translate_path(self.path))
        if path.is_dir() and not (path / "index.html").is_file():
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def list_directory(self, path):  # never reached (send_head answers 404 first); kept closed all the same
        self.send_error(404, "File not found")
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 0, verbose: bool = False, host: str = HOST) -> ThreadingHTTPServer:
    handler = functools.partial(ReportsHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def address(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def serve_in_thread(directory: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread (tests, benchmarks); call ``server.shutdown()`` to stop it."""
    server = make_server(directory, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, address(server)


def main(argv: list[str] | None = None) -> int:
    from pipelines.settings import SettingsError, get_settings

    parser = argparse.ArgumentParser(prog="python -m dashboards.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0 = any free port; default: 8080)")
    parser.add_argument(
        "--host",
        default=HOST,
        help=f"address to listen on (default: {HOST}; a container publishing "
        "the port needs 0.0.0.0, behind a proxy that authenticates)",
    )
    parser.add_argument("--dir", type=Path, default=None, help="reports folder (default: the reports_dir setting)")
    args = parser.parse_args(argv)
    try:
        directory = args.dir or get_settings().reports_dir
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not (directory / "overview.html").exists():
        print(f"no reports in {directory} yet: run `make run` first", file=sys.stderr)
        return 1
    try:
        server = make_server(directory, args.port, verbose=True, host=args.host)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc} (choose another with --port)", file=sys.stderr)
        return 1
    print(f"serving {directory} at {address(server)}overview.html (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
