"""Defect: `make serve` listed folders: /assets/ (and any folder of the reports) answered an HTML index of its
files. Now a folder without an index.html answers 404, with or without the trailing slash, and nothing is ever
listed; pages and assets are served as before."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from dashboards.serve import serve_in_thread


@pytest.fixture
def site(tmp_path):
    (tmp_path / "assets" / "deep").mkdir(parents=True)
    (tmp_path / "overview.html").write_text("<html>overview</html>", encoding="utf-8")
    (tmp_path / "assets" / "kinerja.js").write_text("// js", encoding="utf-8")
    (tmp_path / "assets" / "deep" / "x.css").write_text("a{}", encoding="utf-8")
    (tmp_path / "with_index").mkdir()
    (tmp_path / "with_index" / "index.html").write_text("<html>index</html>", encoding="utf-8")
    server, base = serve_in_thread(tmp_path)
    yield base
    server.shutdown()
    server.server_close()


def status(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize("path", ["assets/", "assets", "assets/deep/", "assets/deep", "assets//", "./assets/"])
def test_a_folder_is_never_listed(site, path):
    code, body = status(site + path)
    assert code == 404
    assert b"kinerja.js" not in body and b"Directory listing" not in body and b"x.css" not in body


def test_files_and_a_folder_with_its_index_are_served(site):
    assert status(site + "overview.html") == (200, b"<html>overview</html>")
    assert status(site + "assets/kinerja.js")[0] == 200
    assert status(site + "with_index/")[0] == 200
    assert status(site)[0] == 302  # the root sends the browser to overview.html
