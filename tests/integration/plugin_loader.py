"""Loading a channel plugin module into the test process with ctypes, to call its ABI
functions directly (include/parley/channel.h) for cases a bot cannot trigger.

A sanitizer build's module needs the ASan runtime loaded first: ensure_sanitizer_runtime()
re-executes the script (exec, no child) with LD_PRELOAD set. Leaks are checked by the
serve tests, not here (the interpreter's own allocations would drown them).
"""

import ctypes
import json
import os
import re
import sys
from pathlib import Path


def plugin_path(parley, channel):
    """The module of `channel` beside the parley binary (BUILD/plugins/)."""
    return Path(parley).resolve().parent / "plugins" / f"libparley-channel-{channel}.so"


def ensure_sanitizer_runtime(channel):
    """Re-run this script with the ASan runtime preloaded if the module needs it."""
    if len(sys.argv) != 2 or os.environ.get("PARLEY_PLUGIN_REEXEC"):
        return
    try:
        found = re.search(rb"libasan\.so\.\d+", plugin_path(sys.argv[1], channel).read_bytes())
    except OSError:
        return  # reported as a failed check by the test
    if found:
        env = dict(os.environ, PARLEY_PLUGIN_REEXEC="1", LD_PRELOAD=found.group().decode(),
                   ASAN_OPTIONS="detect_leaks=0")
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def message(chat_id, now=None, last_inbound_at=None, **fields):
    """A canonical message for render (include/parley/channel.h) as the runtime passes it:
    chat_id, key, tenant, the clock and when the user last wrote (None: never)."""
    m = dict({"chat_id": chat_id, "key": "k", "tenant": "t"}, **fields)
    if now is not None:
        m["now"] = now
    if last_inbound_at is not None:
        m["last_inbound_at"] = last_inbound_at
    return m


class Header(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("value", ctypes.c_char_p)]


class Request(ctypes.Structure):
    _fields_ = [("method", ctypes.c_char_p), ("path", ctypes.c_char_p),
                ("query", ctypes.c_char_p), ("headers", ctypes.POINTER(Header)),
                ("nheaders", ctypes.c_size_t), ("body", ctypes.c_char_p),
                ("body_len", ctypes.c_size_t)]


OPEN = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p))
CLOSE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
WEBHOOK = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(Request))
RENDER = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)
CLASSIFY = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p,
                            ctypes.c_char_p, ctypes.c_size_t)
DESCRIBE = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)


class Api(ctypes.Structure):
    """pl_channel_api; an optional member exists only if `size` covers it (has())."""
    _fields_ = [("abi", ctypes.c_int), ("size", ctypes.c_size_t), ("name", ctypes.c_char_p),
                ("open", OPEN), ("close", CLOSE), ("webhook", WEBHOOK), ("render", RENDER),
                ("classify", CLASSIFY), ("poll_request", ctypes.c_void_p),
                ("poll_result", ctypes.c_void_p), ("start", ctypes.c_void_p),
                ("describe", ctypes.c_void_p)]

    def has(self, member):
        """PL_CHANNEL_HAS: the plugin's struct reaches `member` and sets it."""
        field = getattr(Api, member)
        return self.size >= field.offset + field.size and bool(getattr(self, member))


class Plugin:
    """One loaded module; every call returns the plugin's JSON answer, parsed (or None)."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(str(path))
        self.libc = ctypes.CDLL(None)
        self.libc.free.argtypes = [ctypes.c_void_p]
        entry = self.lib.parley_channel_v1
        entry.restype = ctypes.POINTER(Api)
        self.api = entry().contents

    def _take(self, ptr):
        if not ptr:
            return None
        text = ctypes.string_at(ptr).decode()
        self.libc.free(ptr)
        return json.loads(text)

    def open(self, config):
        """(instance, None), or (None, the error message)."""
        err = ctypes.c_void_p()
        inst = self.api.open(json.dumps(config).encode(), ctypes.byref(err))
        if not inst:
            msg = ctypes.string_at(err.value).decode() if err.value else None
            if err.value:
                self.libc.free(err.value)
            return None, msg
        return inst, None

    def close(self, inst):
        self.api.close(inst)

    def webhook(self, inst, body=b"", headers=(), method="POST", query=None, path="/hook/t/x"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        hs = (Header * max(1, len(headers)))(*[Header(k.encode(), v.encode()) for k, v in headers])
        req = Request(method.encode(), path.encode(), query.encode() if query else None,
                      hs, len(headers), raw, len(raw))
        return self._take(self.api.webhook(inst, ctypes.byref(req)))

    def render(self, inst, message):
        return self._take(self.api.render(inst, json.dumps(message).encode()))

    def requests(self, inst, message):
        """render's requests as (request, parsed body) pairs; its answer itself when it has
        none (an error)."""
        out = self.render(inst, message)
        if "requests" not in (out or {}):
            return out
        return [(r, json.loads(r["body"])) for r in out["requests"]]

    def describe(self, inst):
        """describe()'s answer, or None when the plugin has no describe."""
        if not self.api.has("describe"):
            return None
        return self._take(DESCRIBE(self.api.describe)(inst))

    def classify(self, inst, status, body=None, headers=None):
        raw = (body if isinstance(body, bytes) else json.dumps(body).encode()) \
            if body is not None else None
        hdr = json.dumps(headers).encode() if headers is not None else None
        return self._take(self.api.classify(inst, status, hdr, raw, len(raw) if raw else 0))
