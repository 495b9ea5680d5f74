"""Framed JSON control messages on the worker's socket (runtime/python/control_message.h).

A message is a 4-byte little-endian length then that many bytes of JSON. Tensor data is not
here: messages give each tensor's offset and size in the arena (Arena below).
"""

import asyncio
import json
import mmap
import os
import struct

MAX_MESSAGE_BYTES = 16 << 20
ALIGNMENT = 64


def align_up(n):
    return (n + ALIGNMENT - 1) & ~(ALIGNMENT - 1)


def encode_frame(message):
    payload = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return struct.pack("<I", len(payload)) + payload


def decode_frame_length(header):
    (length,) = struct.unpack("<I", header)
    if length > MAX_MESSAGE_BYTES:
        raise ValueError(f"control message of {length} bytes is past the limit of {MAX_MESSAGE_BYTES}")
    return length


class Channel:
    """The worker's end of the socketpair, read and written on the worker's event loop (so
    that tasks a model started keep running between requests, as in MLServer)."""

    def __init__(self, sock, loop):
        sock.setblocking(False)
        self._sock = sock
        self._loop = loop

    async def _recv(self, n):
        # While the worker's own task is the only one (the usual case: a model that started
        # no tasks of its own), wait for tensord in a blocking recv: the loop's wait costs
        # an epoll registration and wake-up per request. Otherwise on the loop, so that the
        # model's tasks run between requests.
        if len(asyncio.all_tasks(self._loop)) <= 1:
            self._sock.setblocking(True)
            try:
                return self._sock.recv(n)
            finally:
                self._sock.setblocking(False)
        return await self._loop.sock_recv(self._sock, n)

    async def _read_exact(self, n):
        chunks = []
        while n > 0:
            chunk = await self._recv(min(n, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    async def receive(self):
        """The next message, or None when tensord closed the socket."""
        header = await self._read_exact(4)
        if header is None:
            return None
        payload = await self._read_exact(decode_frame_length(header))
        if payload is None:
            return None
        return json.loads(payload)

    async def send(self, message):
        frame = encode_frame(message)
        try:
            sent = self._sock.send(frame)  # a reply almost always fits the socket buffer
        except BlockingIOError:
            sent = 0
        if sent < len(frame):
            await self._loop.sock_sendall(self._sock, frame[sent:])


class Arena:
    """The shared memory tensord maps too: inputs arrive in it, outputs go back in it."""

    def __init__(self, fd):
        self._fd = fd
        self._map = None
        self.size = 0

    def follow(self, size):
        """Maps the arena at the size tensord says it has now."""
        if size == self.size and self._map is not None:
            return
        if self._map is not None:
            self._map.close()
        self._map = mmap.mmap(self._fd, size) if size > 0 else None
        self.size = size

    def read(self, offset, size):
        if offset < 0 or size < 0 or offset + size > self.size:
            raise ValueError(f"tensor bytes [{offset}, +{size}) lie outside the arena of {self.size}")
        return self._map[offset:offset + size]

    def write_all(self, blobs):
        """Writes `blobs` one after the other (aligned), growing the arena when needed.

        Returns their offsets. The inputs may be overwritten: they were copied out before.
        """
        offsets = []
        end = 0
        for blob in blobs:
            end = align_up(end)
            offsets.append(end)
            end += len(blob)
        if end > self.size:
            new_size = max(end, self.size * 2)
            new_size = (new_size + 4095) & ~4095
            os.ftruncate(self._fd, new_size)
            self.follow(new_size)
        for offset, blob in zip(offsets, blobs):
            if len(blob):
                self._map[offset:offset + len(blob)] = blob
        return offsets
