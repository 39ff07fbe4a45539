"""A stand-in for the UPIK backend, for working on the PWA alone.

Serves pwa/ the way the backend does (/ and /app/... -> index.html) and fakes
the API of ../shared/API.md in memory, enough to click through every screen.
It is NOT what the e2e tests run against (they start `upik serve`); it exists
so layout work and screenshots do not wait for the backend.

    python tests/e2e/devserver.py [port]     # accounts: admin/admin12345, pic/pic12345
"""

from __future__ import annotations

import base64
import itertools
import json
import mimetypes
import os
import queue
import re
import secrets
import sys
import threading
from datetime import UTC, datetime, timedelta
from http import cookies
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PWA = Path(__file__).resolve().parents[2] / "pwa"
LOCK = threading.RLock()
ids = itertools.count(1)
now = lambda: datetime.now(UTC)  # noqa: E731
iso = lambda d: d.isoformat() if d else None  # noqa: E731

UNITS = [
    {"id": 1, "code": "DPUTR", "name": "Dinas Pekerjaan Umum dan Tata Ruang", "kind": "skpd"},
    {"id": 2, "code": "DINKES", "name": "Dinas Kesehatan", "kind": "skpd"},
    {
        "id": 3,
        "code": "DISDUKCAPIL",
        "name": "Dinas Kependudukan dan Pencatatan Sipil",
        "kind": "skpd",
    },
    {"id": 4, "code": "DLH", "name": "Dinas Lingkungan Hidup", "kind": "skpd"},
]
CATS = [
    {
        "id": 1,
        "code": "JALAN",
        "name": "Jalan dan Jembatan",
        "keywords": ["jalan", "berlubang", "jembatan"],
        "unit_id": 1,
        "auto_dispatch": False,
    },
    {
        "id": 2,
        "code": "KESEHATAN",
        "name": "Layanan Kesehatan",
        "keywords": ["puskesmas", "rumah sakit", "bpjs"],
        "unit_id": 2,
        "auto_dispatch": False,
    },
    {
        "id": 3,
        "code": "KTP",
        "name": "KTP dan Kartu Keluarga",
        "keywords": ["ktp", "kk", "akta"],
        "unit_id": 3,
        "auto_dispatch": False,
    },
    {
        "id": 4,
        "code": "SAMPAH",
        "name": "Sampah dan Kebersihan",
        "keywords": ["sampah", "limbah", "banjir"],
        "unit_id": 4,
        "auto_dispatch": False,
    },
]
USERS = {
    "admin": {
        "id": 900,
        "username": "admin",
        "name": "Kasi E-Gov",
        "role": "admin",
        "unit_id": None,
        "password": "admin12345",
    },
    "pic": {
        "id": 901,
        "username": "pic",
        "name": "Petugas PUTR",
        "role": "pic",
        "unit_id": 1,
        "password": "pic12345",
    },
}
SESSIONS: dict[str, dict] = {}
COMPLAINTS: dict[int, dict] = {}
ATTACH: dict[int, tuple[str, bytes]] = {}
IDEM: dict[str, int] = {}
RECEIPTS: list[dict] = []
LISTENERS: list[queue.Queue] = []
PUSH_KEY = base64.urlsafe_b64encode(b"\x04" + secrets.token_bytes(64)).rstrip(b"=").decode()


def public(u):
    return {k: u[k] for k in ("id", "username", "name", "role", "unit_id")}


def classify(text):
    low = text.lower()
    cat = next((c for c in CATS if any(k in low for k in c["keywords"])), None)
    kind = (
        "pertanyaan"
        if "?" in text or "bagaimana" in low
        else "saran"
        if "saran" in low
        else "keluhan"
    )
    return kind, cat


def unit(uid):
    return next((u for u in UNITS if u["id"] == uid), None)


def view(c, user):
    out = {
        k: c[k]
        for k in (
            "id",
            "tracking_no",
            "title",
            "body",
            "kind",
            "kind_source",
            "status",
            "is_anonymous",
            "is_confidential",
            "location",
            "rating",
            "attachments",
        )
    }
    cat = next((x for x in CATS if x["id"] == c["category_id"]), None)
    out["category"] = cat and {k: cat[k] for k in ("id", "code", "name", "unit_id")}
    out["unit"] = unit(c["unit_id"])
    out["suggested_unit"] = unit(cat["unit_id"]) if cat else None
    out["created_at"] = iso(c["created_at"])
    out["sla_due_at"] = iso(c["sla_due_at"]) if c["status"] == "routed" else None
    hide = user["role"] == "pic" and (c["is_anonymous"] or c["is_confidential"])
    out["reporter"] = None if hide else {"id": c["reporter"]["id"], "name": c["reporter"]["name"]}
    return out


def detail(c, user):
    out = view(c, user)
    msgs = c["messages"]
    if user["role"] == "citizen":
        msgs = [m for m in msgs if m["kind"] != "answer" or c["status"] in ("released", "closed")]
        msgs = [m for m in msgs if m["kind"] != "note"]
    out["messages"] = msgs
    out["events"] = c["events"]
    return out


def event(c, typ, user, **extra):
    c["events"].append(
        {"type": typ, "actor_role": user["role"] if user else "system", "at": iso(now())}
    )
    data = json.dumps(
        {
            "complaint_id": c["id"],
            "tracking_no": c["tracking_no"],
            "status": c["status"],
            "type": typ,
        }
    )
    for q in list(LISTENERS):
        q.put(data)


def message(c, kind, user, body):
    c["messages"].append(
        {
            "id": next(ids),
            "kind": kind,
            "body": body,
            "author_role": user["role"],
            "created_at": iso(now()),
        }
    )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if os.environ.get("DEVSERVER_LOG"):
            super().log_message(fmt, *args)

    # --- plumbing -------------------------------------------------------
    def cookie(self, name):
        jar = cookies.SimpleCookie(self.headers.get("Cookie", ""))
        return jar[name].value if name in jar else None

    def send(self, status, body=None, ctype="application/json", headers=()):
        data = (
            b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        )
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        for c in self.set_cookies:
            self.send_header("Set-Cookie", c)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def err(self, status, detail):
        self.send(status, {"status_code": status, "detail": detail, "extra": {}})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if (self.headers.get("Content-Type") or "").startswith("application/json"):
            return json.loads(raw or b"{}")
        return raw

    def user(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else self.cookie("upik_session")
        return SESSIONS.get(token or ""), not auth

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        self.set_cookies = []
        url = urlsplit(self.path)
        path, q = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
        if method == "GET" and not self.cookie("upik_csrf"):
            self.set_cookies.append(f"upik_csrf={secrets.token_urlsafe(16)}; Path=/; SameSite=Lax")
        if path == "/healthz":
            return self.send(200, {"ok": True})
        if not path.startswith("/api/"):
            return self.static(path)
        user, by_cookie = self.user()
        csrf_ok = self.headers.get("X-CSRF-Token") == self.cookie("upik_csrf")
        if method != "GET" and by_cookie and user and not csrf_ok:
            return self.err(403, "CSRF token missing or wrong")
        if path == "/api/v1/events/stream" and user:
            return self.sse(user)  # outside the lock: it never returns while the page is open
        with LOCK:
            try:
                return self.api(method, path[len("/api/v1") :], q, user)
            except KeyError as e:
                return self.err(400, f"missing field {e}")

    def static(self, path):
        if path == "/" or path == "/app" or path.startswith("/app/"):
            f = PWA / "index.html"
        else:
            f = (PWA / path.lstrip("/")).resolve()
            if PWA not in f.parents or not f.is_file():
                return self.err(404, "not found")
        ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        if f.suffix == ".webmanifest":
            ctype = "application/manifest+json"
        if f.suffix == ".js":
            ctype = "text/javascript"
        self.send(200, f.read_bytes(), ctype, [("Cache-Control", "no-cache")])

    def sse(self, user):
        q = queue.Queue()
        LISTENERS.append(q)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            self.wfile.write(b": hello\n\n")
            self.wfile.flush()
            while True:
                try:
                    data = q.get(timeout=15)
                    self.wfile.write(f"event: complaint\ndata: {data}\n\n".encode())
                except queue.Empty:
                    self.wfile.write(b": ping\n\n")
                self.wfile.flush()
        except OSError:
            pass
        finally:
            LISTENERS.remove(q)
            self.close_connection = True

    # --- the fake API ---------------------------------------------------
    def api(self, method, path, q, user):
        m = re.match(r"^/complaints/(\d+)(?:/(\w+))?$", path)
        if path == "/auth/register" and method == "POST":
            b = self.body()
            if b["username"] in USERS:
                return self.err(409, "username is taken")
            if len(b["password"]) < 8:
                return self.err(400, "password: at least 8 characters")
            u = {
                "id": next(ids),
                "username": b["username"],
                "name": b["name"],
                "role": "citizen",
                "unit_id": None,
                "password": b["password"],
            }
            USERS[u["username"]] = u
            return self.send(201, public(u))
        if path == "/auth/login" and method == "POST":
            b = self.body()
            u = USERS.get(b.get("username"))
            if not u or u["password"] != b.get("password"):
                return self.err(401, "bad credentials")
            token = secrets.token_urlsafe(24)
            SESSIONS[token] = u
            self.set_cookies.append(f"upik_session={token}; Path=/; HttpOnly; SameSite=Lax")
            return self.send(200, {"token": token, "user": public(u)})
        if path == "/categories" and method == "GET":
            return self.send(200, {"items": CATS, "next_cursor": None})
        if path == "/categories/suggest":
            kind, cat = classify(q.get("text", ""))
            return self.send(
                200,
                {
                    "kind": kind,
                    "category": cat and {k: cat[k] for k in ("id", "code", "name", "unit_id")},
                },
            )
        if path == "/push/key":
            return self.send(200, {"public_key": PUSH_KEY})
        if path == "/push/receipts" and method == "POST":
            RECEIPTS.append(self.body())
            return self.send(204)
        if path == "/test/receipts":
            return self.send(200, RECEIPTS)
        if not user:
            return self.err(401, "not logged in")
        if path == "/me":
            return self.send(200, public(user))
        if path == "/auth/logout":
            SESSIONS.pop(self.cookie("upik_session"), None)
            return self.send(204)
        if path == "/push/subscriptions":
            return self.send(201 if method == "POST" else 204, {} if method == "POST" else None)
        if path == "/units":
            if method == "POST":
                b = self.body()
                u = {"id": next(ids), "code": b["code"], "name": b["name"], "kind": b["kind"]}
                UNITS.append(u)
                return self.send(201, u)
            return self.send(200, {"items": UNITS, "next_cursor": None})
        if path == "/users":
            if user["role"] != "admin":
                return self.err(403, "admin only")
            if method == "POST":
                b = self.body()
                u = {
                    "id": next(ids),
                    **{k: b.get(k) for k in ("username", "name", "role", "unit_id", "password")},
                }
                USERS[u["username"]] = u
                return self.send(201, public(u))
            return self.send(
                200,
                {
                    "items": [public(u) for u in USERS.values() if u["role"] != "citizen"],
                    "next_cursor": None,
                },
            )
        if path == "/categories" and method == "POST":
            b = self.body()
            c = {
                "id": next(ids),
                **{k: b.get(k) for k in ("code", "name", "keywords", "unit_id", "auto_dispatch")},
            }
            CATS.append(c)
            return self.send(201, c)
        if mc := re.match(r"^/categories/(\d+)$", path):
            c = next(x for x in CATS if x["id"] == int(mc[1]))
            c.update(
                {
                    k: v
                    for k, v in self.body().items()
                    if k in ("name", "keywords", "unit_id", "auto_dispatch")
                }
            )
            return self.send(200, c)
        if path == "/complaints" and method == "POST":
            key = self.headers.get("Idempotency-Key")
            if key and f"{user['id']}:{key}" in IDEM:
                return self.send(200, view(COMPLAINTS[IDEM[f"{user['id']}:{key}"]], user))
            b = self.body()
            kind, cat = classify(b["title"] + " " + b["body"])
            cid = next(ids)
            c = {
                "id": cid,
                "tracking_no": f"UPIK-2026-{cid:06d}",
                "title": b["title"],
                "body": b["body"],
                "kind": b.get("kind") or kind,
                "kind_source": "reporter" if b.get("kind") else "system",
                "category_id": b.get("category_id") or (cat and cat["id"]),
                "unit_id": None,
                "status": "received",
                "is_anonymous": bool(b.get("is_anonymous")),
                "is_confidential": bool(b.get("is_confidential")),
                "location": b.get("location"),
                "rating": None,
                "attachments": [],
                "reporter": user,
                "created_at": now(),
                "sla_due_at": None,
                "messages": [],
                "events": [],
            }
            COMPLAINTS[cid] = c
            if key:
                IDEM[f"{user['id']}:{key}"] = cid
            event(c, "received", user)
            return self.send(201, view(c, user))
        if path == "/complaints":
            rows = sorted(COMPLAINTS.values(), key=lambda c: c["created_at"], reverse=True)
            if user["role"] == "citizen":
                rows = [c for c in rows if c["reporter"]["id"] == user["id"]]
            elif user["role"] == "pic":
                rows = [c for c in rows if c["unit_id"] == user["unit_id"]]
            if q.get("status"):
                rows = [c for c in rows if c["status"] == q["status"]]
            return self.send(
                200, {"items": [view(c, user) for c in rows[:50]], "next_cursor": None}
            )
        if m:
            c = COMPLAINTS.get(int(m[1]))
            if not c:
                return self.err(404, "no such complaint")
            action = m[2]
            if not action:
                return self.send(200, detail(c, user))
            b = {} if action == "attachments" else self.body()
            role = user["role"]
            rules = {
                "dispatch": ("admin", "received"),
                "reject": ("admin", "received"),
                "answer": ("pic", "routed"),
                "decline": ("pic", "routed"),
                "release": ("admin", "answered"),
                "return": ("admin", "answered"),
                "rating": ("citizen", "released"),
                "replies": ("citizen", None),
                "attachments": (None, None),
            }
            need_role, need_status = rules[action]
            if need_role and role != need_role:
                return self.err(403, f"only {need_role} may {action}")
            if need_status and c["status"] != need_status:
                return self.err(
                    409, f"complaint is {c['status']!r}; only {need_status!r} can take {action}"
                )
            if action == "dispatch":
                c.update(
                    status="routed",
                    unit_id=int(b["unit_id"]),
                    sla_due_at=now() + timedelta(hours=3),
                )
                event(c, "dispatched", user)
            elif action == "reject":
                c["status"] = "rejected"
                message(c, "rejection", user, b["reason"])
                event(c, "rejected", user)
            elif action == "answer":
                c["status"] = "answered"
                message(c, "answer", user, b["body"])
                event(c, "answered", user)
            elif action == "decline":
                c.update(status="received", unit_id=None)
                message(c, "note", user, b["reason"])
                event(c, "declined", user)
            elif action == "release":
                if b.get("body"):
                    message(c, "answer", user, b["body"])
                c["status"] = "released"
                event(c, "released", user)
            elif action == "return":
                c["status"] = "routed"
                message(c, "note", user, b["note"])
                event(c, "returned", user)
            elif action == "rating":
                c.update(
                    status="closed", rating={"score": int(b["score"]), "comment": b.get("comment")}
                )
                event(c, "rated", user)
            elif action == "replies":
                message(c, "reply", user, b["body"])
                if c["status"] == "released":
                    c.update(status="routed", sla_due_at=now() + timedelta(hours=3))
                event(c, "replied", user)
                return self.send(201, c["messages"][-1])
            elif action == "attachments":
                raw = self.body()
                boundary = self.headers["Content-Type"].split("boundary=")[1].encode()
                part = raw.split(b"--" + boundary)[1]
                head, _, data = part.partition(b"\r\n\r\n")
                ctype = re.search(rb"Content-Type: ([\w/+-]+)", head)[1].decode()
                aid = next(ids)
                ATTACH[aid] = (ctype, data[:-2])
                a = {"id": aid, "content_type": ctype, "size": len(data) - 2}
                c["attachments"].append(a)
                return self.send(201, a)
            return self.send(200, view(c, user))
        if m := re.match(r"^/attachments/(\d+)$", path):
            ctype, data = ATTACH[int(m[1])]
            return self.send(200, data, ctype)
        if path == "/stats":
            by_status, by_kind = {}, {}
            for c in COMPLAINTS.values():
                by_status[c["status"]] = by_status.get(c["status"], 0) + 1
                by_kind[c["kind"]] = by_kind.get(c["kind"], 0) + 1
            keys = ("step", "standard_seconds", "median_seconds", "p90_seconds", "count")
            steps = [
                {**dict(zip(keys, row, strict=True)), "within_standard": 0.8}
                for row in (
                    ("received_to_routed", 900, 600, 1500, 12),
                    ("routed_to_answered", 10800, 7300, 14000, 10),
                    ("answered_to_released", 10800, 900, 2500, 9),
                )
            ]
            return self.send(
                200,
                {
                    "by_status": by_status,
                    "by_kind": by_kind,
                    "by_unit": [
                        {
                            "unit_id": u["id"],
                            "code": u["code"],
                            "name": u["name"],
                            "count": sum(1 for c in COMPLAINTS.values() if c["unit_id"] == u["id"]),
                        }
                        for u in UNITS
                    ],
                    "steps": steps,
                    "units": [
                        {"unit_id": 1, "code": "DPUTR", "name": UNITS[0]["name"], "steps": steps}
                    ],
                },
            )
        return self.err(404, f"no route {method} {path}")


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print(f"devserver on http://127.0.0.1:{port}/app/", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
