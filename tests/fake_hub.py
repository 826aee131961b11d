"""A small fake Hugging Face Hub for tests: one dataset repo served from memory.

`FakeHub` runs a stdlib `ThreadingHTTPServer` on 127.0.0.1 (a free port) and
serves the routes that huggingface_hub 2.4.0 calls for `dataset_info`,
`list_repo_files`, `hf_hub_download` and `snapshot_download` of a dataset repo:

- `GET /api/datasets/{repo}` and `GET /api/datasets/{repo}/revision/{rev}`:
  JSON with `id`, `sha` and `siblings`.
- `GET /api/datasets/{repo}/tree/{rev}[/{folder}]`: JSON list of file and
  directory entries (recursive when `recursive=true`).
- `HEAD` and `GET /datasets/{repo}/resolve/{rev}/{path}`: the file, with
  `X-Repo-Commit`, `ETag` (the git blob sha1, quoted) and `Content-Length`.
- `GET /api/whoami-v2`: a fixed user.

Errors use the Hub's headers: 404 with `X-Error-Code: RepoNotFound`,
`RevisionNotFound` or `EntryNotFound`. `outage` set to "500" makes every request
answer 500, and set to "close" makes the server close each connection without
answering. Every request line is kept in `requests` so tests can count them.

NOTE: the tree listing is never paginated (the Hub pages it by 1,000 entries),
and only the branch `main` and the current commit sha resolve; older shas 404.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

OUTAGE_MODES = (None, "500", "close")


@dataclass(frozen=True)
class LoggedRequest:
    """One request received by the fake Hub: method, path without query, and query text."""

    method: str
    path: str
    query: str

    @property
    def is_file_request(self) -> bool:
        """True for `resolve` (file content) requests, False for `/api/...` requests."""
        return "/resolve/" in self.path


def git_blob_sha1(content: bytes) -> str:
    """Return the git blob id of `content`, which the Hub sends as the ETag of a non-LFS file."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


class FakeHub:
    """An in-memory dataset repo served over HTTP on 127.0.0.1.

    `files` maps repo paths (`boards/main.yaml`) to bytes. `set_files` replaces
    them and moves `sha` to a new 40-hex commit id, as a push to the Hub would.
    """

    def __init__(self, repo_id: str, files: dict[str, bytes] | None = None):
        self.repo_id = repo_id
        self.outage: str | None = None
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._commit_count = 0
        self.files: dict[str, bytes] = {}
        self.sha = ""
        self.set_files(files or {})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def set_files(self, files: dict[str, bytes]) -> str:
        """Replace the repo content and return the new commit sha."""
        with self._lock:
            self._commit_count += 1
            self.files = dict(files)
            self.sha = hashlib.sha1(f"{self.repo_id}:{self._commit_count}".encode()).hexdigest()
            return self.sha

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def api_requests(self) -> list[LoggedRequest]:
        return [r for r in self.requests if not r.is_file_request]

    def file_requests(self) -> list[LoggedRequest]:
        return [r for r in self.requests if r.is_file_request]

    def start(self) -> FakeHub:
        # A short poll interval keeps `stop()` fast: shutdown waits for the next poll.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-hub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _log(self, method: str, path: str, query: str) -> None:
        with self._lock:
            self.requests.append(LoggedRequest(method, path, query))

    def _snapshot(self) -> tuple[str, dict[str, bytes]]:
        with self._lock:
            return self.sha, dict(self.files)


def _make_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(_HubHandler):
        pass

    Handler.hub = hub
    return Handler


class _HubHandler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:
        # The request log in `FakeHub.requests` replaces the stderr access log.
        pass

    def do_GET(self) -> None:
        self._dispatch(send_body=True)

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def _dispatch(self, send_body: bool) -> None:
        split = urlsplit(self.path)
        self.hub._log(self.command, split.path, split.query)

        if self.hub.outage == "close":
            self.close_connection = True
            self.connection.close()
            return
        if self.hub.outage == "500":
            self._send_json(500, {"error": "Internal Error (fake outage)"}, send_body)
            return

        parts = split.path.strip("/").split("/")
        query = parse_qs(split.query)
        if parts[:2] == ["api", "whoami-v2"]:
            self._send_json(200, {"type": "user", "name": "test-user", "auth": {"type": "access_token"}}, send_body)
        elif parts[:2] == ["api", "datasets"]:
            self._api_dataset(parts[2:], query, send_body)
        elif parts[:1] == ["datasets"] and len(parts) >= 6 and parts[3] == "resolve":
            self._resolve(parts[1] + "/" + parts[2], unquote(parts[4]), unquote("/".join(parts[5:])), send_body)
        else:
            self._send_error(404, "RepoNotFound", f"no route for {split.path}", send_body)

    def _api_dataset(self, parts: list[str], query: dict, send_body: bool) -> None:
        if len(parts) < 2 or f"{parts[0]}/{parts[1]}" != self.hub.repo_id:
            self._send_error(404, "RepoNotFound", "Repository not found", send_body)
            return
        sha, files = self.hub._snapshot()
        rest = parts[2:]

        if not rest or rest[0] == "revision":
            revision = unquote(rest[1]) if len(rest) > 1 else "main"
            if revision not in ("main", sha):
                self._send_error(404, "RevisionNotFound", f"Invalid rev id: {revision}", send_body)
                return
            payload = {
                "id": self.hub.repo_id,
                "author": self.hub.repo_id.split("/")[0],
                "sha": sha,
                "private": False,
                "disabled": False,
                "siblings": [{"rfilename": path} for path in sorted(files)],
            }
            self._send_json(200, payload, send_body)
            return

        if rest[0] == "tree" and len(rest) >= 2:
            revision = unquote(rest[1])
            if revision not in ("main", sha):
                self._send_error(404, "RevisionNotFound", f"Invalid rev id: {revision}", send_body)
                return
            folder = unquote("/".join(rest[2:])).strip("/")
            recursive = query.get("recursive", ["false"])[0].lower() == "true"
            self._send_json(200, _tree_entries(files, folder, recursive), send_body)
            return

        self._send_error(404, "RepoNotFound", f"no route for dataset API path {'/'.join(rest)}", send_body)

    def _resolve(self, repo_id: str, revision: str, path: str, send_body: bool) -> None:
        if repo_id != self.hub.repo_id:
            self._send_error(404, "RepoNotFound", "Repository not found", send_body)
            return
        sha, files = self.hub._snapshot()
        if revision not in ("main", sha):
            self._send_error(404, "RevisionNotFound", f"Invalid rev id: {revision}", send_body)
            return
        if path not in files:
            self._send_error(404, "EntryNotFound", f"{path} does not exist on {revision}", send_body, commit=sha)
            return

        content = files[path]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(content)))
        self.send_header("ETag", f'"{git_blob_sha1(content)}"')
        self.send_header("X-Repo-Commit", sha)
        self.end_headers()
        if send_body:
            self.wfile.write(content)

    def _send_json(self, status: int, payload, send_body: bool) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _send_error(self, status: int, code: str, message: str, send_body: bool, commit: str | None = None) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        if commit is not None:
            self.send_header("X-Repo-Commit", commit)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def _tree_entries(files: dict[str, bytes], folder: str, recursive: bool) -> list[dict]:
    """List the files and directories under `folder` as the Hub's tree API does."""
    prefix = f"{folder}/" if folder else ""
    directories: set[str] = set()
    entries: list[dict] = []

    for path in sorted(files):
        if not path.startswith(prefix):
            continue
        relative = path[len(prefix):]
        segments = relative.split("/")
        for depth in range(1, len(segments)):
            if recursive or depth == 1:
                directories.add(prefix + "/".join(segments[:depth]))
        if recursive or len(segments) == 1:
            content = files[path]
            entries.append({"type": "file", "oid": git_blob_sha1(content), "size": len(content), "path": path})

    folder_entries = [
        {"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d}
        for d in sorted(directories)
    ]
    return folder_entries + entries
