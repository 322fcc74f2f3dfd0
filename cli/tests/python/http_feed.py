#!/usr/bin/env python3
"""An HTTP feed for Sparklet's end-to-end tests (cli/tests/http_feeds.rs):
a text file's non-empty lines, record i being line i, as Server-Sent Events
(/sse, each line one event's data) or a record per line (/ndjson), with the
feed protocol's hello and `from=K` resume. Standard library only.

Usage: http_feed.py TEXT_FILE
Listens on a free loopback port and prints "port N" once it does, then
"GET PATH" for each request, so a test sees what the page asked for.

Query parameters:
  from=K     start at record K (0-based); at or past the end: 204 No Content
  hello=0    no hello before the records
  batch=N    records per write (default 100)
  pace=MS    wait MS between writes (default 0: as fast as the socket takes)
  repeat=R   the text R times over (throughput runs)
  drop=N     once per process: when record N is due, send all of it but its
             last byte and cut the connection as a crash does (the chunked
             body never ends)
  bad=1      records 0 and 1 are bad: invalid UTF-8, and a NUL byte
  type=T     the Content-Type to send (default: text/event-stream for /sse,
             application/x-ndjson for /ndjson)
/html answers text/html: not a feed.

Responses are HTTP/1.1 and chunked, so a cut connection is told from the
response's end; each carries Access-Control-Allow-Origin: * because the
page is on another origin.
"""

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BAD = [b"bad \xff\xfe not utf-8", b"nul\x00here"]
dropped = threading.Event()


def load(path):
    with open(path, "rb") as f:
        return [line.rstrip(b"\r") for line in f.read().split(b"\n") if line.rstrip(b"\r")]


LINES = load(sys.argv[1])


class Feed(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        print(f"GET {self.path}", flush=True)
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/html":
            return self.answer(200, "text/html", b"<html><body>not a feed</body></html>")
        if url.path not in ("/sse", "/ndjson"):
            return self.answer(404, "text/plain", b"no such feed\n")
        sse = url.path == "/sse"
        frame = (lambda r: b"data: " + r + b"\n\n") if sse else (lambda r: r + b"\n")
        # Framed once, so a write is one join: fast enough to outrun the page.
        bad = [frame(r) for r in BAD] if q.get("bad") == "1" else []
        records = bad + [frame(r) for r in LINES] * int(q.get("repeat", "1"))
        start = int(q.get("from", "0"))
        if start >= len(records):
            return self.answer(204, None, b"")
        self.send_response(200)
        self.send_header("Content-Type", q.get("type", "text/event-stream" if sse else "application/x-ndjson"))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        batch, pace = int(q.get("batch", "100")), int(q.get("pace", "0")) / 1000
        drop = int(q["drop"]) if "drop" in q else None
        try:
            if q.get("hello") != "0":
                self.chunk(frame(b'{"sparklet":{"resume":true,"from":%d}}' % start))
            for at in range(start, len(records), batch):
                end = min(at + batch, len(records))
                if drop is not None and at <= drop < end and not dropped.is_set():
                    dropped.set()
                    # All of record N but its last byte: a line without its
                    # newline, an event without its empty line.
                    return self.cut(b"".join(records[at : drop + 1])[:-1])
                self.chunk(b"".join(records[at:end]))
                if pace:
                    time.sleep(pace)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def cut(self, data):
        """Sends `data`, then ends the connection with the body unfinished."""
        self.chunk(data)
        time.sleep(0.2)
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def answer(self, status, content_type, body):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
server.daemon_threads = True
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
