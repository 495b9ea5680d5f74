"""The worker process: load one MLServer model, then answer predict calls until tensord
closes the socket. Every error in model code is answered as "<ExceptionType>: <message>"
with the traceback beside it (tensord logs it); the worker keeps serving."""

import asyncio
import inspect
import os
import signal
import socket
import sys
import threading
import time
import traceback

from tensord_worker import convert, protocol
from tensord_worker.mlserver_api import Api, import_implementation

SOCKET_FD = 3
ARENA_FD = 4


def _mlserver_status(error):
    """The HTTP status an MLServerError carries (MLServer answers it with that status and the
    bare message); None for any other exception."""
    if not any(cls.__name__ == "MLServerError" for cls in type(error).__mro__):
        return None
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
        return status
    return 500


def _error_reply(phase, error):
    status = _mlserver_status(error)
    reply = {"ok": False, "phase": phase,
             "error": str(error) if status else f"{type(error).__name__}: {error}",
             "traceback": traceback.format_exc()}
    if status:
        reply["status_code"] = status
    return reply


async def _maybe_await(value):
    """MLServer's methods are coroutines; a plain method's result is taken as it is."""
    if inspect.isawaitable(value):
        return await value
    return value


def _watch_parent(parent):
    """Belt and braces beside PR_SET_PDEATHSIG: leave when tensord is gone."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _set_up_path(model_folder):
    # `python3 -m` put the working directory first; the model's folder goes there instead
    # (each worker is its own process, so two models may each have a models.py), and
    # tensord's MLServer implementation goes last, so an installed mlserver wins.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        sys.path.pop(0)
    sys.path.insert(0, model_folder)
    compat = os.environ.get("TENSORD_MLSERVER_COMPAT")
    if compat and os.path.isdir(compat) and compat not in sys.path:
        sys.path.append(compat)


class Worker:
    def __init__(self, channel, arena):
        self.channel = channel
        self.arena = arena
        self.api = None
        self.model = None

    async def load(self, message):
        settings = message.get("settings") or {}
        _set_up_path(message["model_folder"])
        implementation = settings.get("implementation") or "mlserver.model.MLModel"
        cls = import_implementation(implementation)
        self.api = Api()
        model_settings = self.api.model_settings(message["name"], settings, cls,
                                                 message.get("source") or "")
        self.model = cls(model_settings)
        loaded = await _maybe_await(self.model.load()) if hasattr(self.model, "load") else True
        if loaded is False:
            raise RuntimeError("load() returned False")

    async def predict(self, message):
        self.arena.follow(int(message["arena_size"]))
        api = self.api
        inputs = []
        for tensor in message["inputs"]:
            raw = self.arena.read(int(tensor["offset"]), int(tensor["size"]))
            data = convert.split_bytes_elements(raw) if tensor["datatype"] == "BYTES" else raw
            inputs.append(api.RequestInput(name=tensor["name"], shape=tensor["shape"],
                                           datatype=tensor["datatype"], data=data,
                                           parameters=api.parameters(tensor.get("parameters"))))
        outputs = [api.RequestOutput(name=name) for name in message.get("outputs") or []]
        request = api.InferenceRequest(id=message.get("id") or None,
                                       parameters=api.parameters(message.get("parameters")),
                                       inputs=inputs, outputs=outputs or None)
        response = await _maybe_await(self.model.predict(request))
        returned = getattr(response, "outputs", None)
        if returned is None or isinstance(response, (list, tuple, dict)):
            raise TypeError(f"predict() returned {type(response).__name__}, not an "
                            f"InferenceResponse")
        converted = [convert.output_to_bytes(output) for output in returned]
        offsets = self.arena.write_all([blob for _, _, _, blob, _ in converted])
        return {
            "ok": True,
            "arena_size": self.arena.size,
            "outputs": [{"name": name, "datatype": datatype, "shape": shape, "offset": offset,
                         "size": len(blob), "parameters": parameters}
                        for (name, datatype, shape, blob, parameters), offset
                        in zip(converted, offsets)],
            "parameters": convert.parameters_to_dict(getattr(response, "parameters", None)),
        }

    async def serve(self):
        first = await self.channel.receive()
        if first is None:
            return
        try:
            await self.load(first)
        except Exception as error:  # noqa: BLE001 - every load error goes to tensord
            await self.channel.send(_error_reply("load", error))
            return
        await self.channel.send({"ok": True, "phase": "load", "mlserver": self.api.source})
        while True:
            message = await self.channel.receive()
            if message is None:
                return
            try:
                reply = await self.predict(message)
            except Exception as error:  # noqa: BLE001 - the client gets type and message
                reply = _error_reply("predict", error)
            await self.channel.send(reply)


def main():
    # tensord handles Ctrl-C and SIGTERM for the whole server and closes the socket.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    sock = socket.socket(fileno=SOCKET_FD)
    # One event loop for the worker's life: predict() is awaited on it directly (a
    # run_until_complete per request cost 30 us).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker = Worker(protocol.Channel(sock, loop), protocol.Arena(ARENA_FD))
    try:
        loop.run_until_complete(worker.serve())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # No interpreter teardown (model objects' finalizers, joblib pools): tensord waits
        # for this exit at shutdown.
        os._exit(0)
