"""Entry point: python3 -m tensord_worker (started by tensord's python runtime)."""

from tensord_worker.worker import main

main()
