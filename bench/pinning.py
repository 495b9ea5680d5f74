"""CPU pinning for the benchmarks: the server on some cores, the load generator on others.

On a machine with cores to spare, a server measured on the cores the client also uses is
capped by the client's cost, not its own (every ratio in bench/ says which it was). With
--server-cpus and --client-cpus the two get disjoint cores, so "2 workers against 1" or
"2 I/O threads against 1" measures the server alone:

    from pinning import add_arguments, from_arguments, pin
    add_arguments(parser, client_threads=2)        # --server-cpus, --client-cpus, --client-threads
    server_cpus, client_cpus, client_threads = from_arguments(parser.parse_args())
    subprocess.Popen(argv, preexec_fn=pin(server_cpus))   # None: no pinning

The pinning is the kernel's affinity mask (sched_setaffinity), inherited across exec and
fork, so nginx's workers and a wrapper script's program keep it.
"""
import os
import sys


def cpu_list(text):
    """'0-1,4' -> [0, 1, 4]; None or '' -> None (no pinning). Every CPU must be usable."""
    if not text:
        return None
    cpus = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise SystemExit(f"CPU list {text!r}: {part!r} is not a number or a range a-b")
        if low > high:
            raise SystemExit(f"CPU list {text!r}: range {part!r} runs backwards")
        cpus.update(range(low, high + 1))
    usable = os.sched_getaffinity(0)
    if not cpus <= usable:
        raise SystemExit(f"CPU list {text!r}: CPUs {sorted(cpus - usable)} are not usable here "
                         f"(usable: {sorted(usable)})")
    return sorted(cpus)


def pin(cpus):
    """A preexec_fn for subprocess that pins the child to `cpus` (None: leaves it alone)."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def describe(server_cpus, client_cpus):
    """One line for a benchmark's header."""
    if server_cpus is None and client_cpus is None:
        return f"not pinned: server and client share the {len(os.sched_getaffinity(0))} CPUs"
    show = lambda cpus: "any" if cpus is None else ",".join(map(str, cpus))  # noqa: E731
    return f"server on CPUs {show(server_cpus)}, client on CPUs {show(client_cpus)}"


def add_arguments(parser, client_threads):
    """--server-cpus, --client-cpus and --client-threads (the load generator's threads)."""
    parser.add_argument("--server-cpus", help="pin the servers to these CPUs (e.g. 0-1)")
    parser.add_argument("--client-cpus", help="pin the load generators to these CPUs (e.g. 2-7)")
    parser.add_argument("--client-threads", type=int, default=client_threads,
                        help=f"load generator threads (default {client_threads})")


def from_arguments(args):
    """(server CPUs, client CPUs, client threads) from add_arguments' flags; exits with a
    message naming the flag when they are wrong."""
    server, client = cpu_list(args.server_cpus), cpu_list(args.client_cpus)
    if server and client and set(server) & set(client):
        sys.exit("--server-cpus and --client-cpus overlap: the point of pinning is disjoint cores")
    if args.client_threads < 1:
        sys.exit(f"--client-threads {args.client_threads}: must be at least 1")
    return server, client, args.client_threads
