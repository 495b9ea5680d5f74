"""tensord's Python worker: one process serving one MLServer model for the python runtime.

tensord (runtime/python/) starts it as ``python3 -m tensord_worker`` with its control socket
on fd 3 and the shared-memory arena on fd 4; see protocol.py for the messages and
convert.py for how tensors become MLServer objects and back.
"""
