"""CPU pinning for the benchmarks: the server on some cores, the load generator on others.

On a machine with cores to spare, a server measured on the cores the client also uses is
capped by the client's cost, not its own (every ratio in bench/ says which it was). With
--server-cpus and --client-cpus the two get disjoint cores, so "2 workers against 1" or
"2 I/O threads against 1" measures the server alone:

    from pinning import add_arguments, from_arguments, pin
    add_arguments(parser, client_threads=2)   # --server-cpus, --client-cpus, --pin, --client-threads
    server_cpus, client_cpus, client_threads = from_arguments(parser.parse_args())
    subprocess.Popen(argv, preexec_fn=pin(server_cpus))   # None: no pinning

The pinning is the kernel's affinity mask (sched_setaffinity), inherited across exec and
fork, so nginx's workers and a wrapper script's program keep it.
"""
import os
import sys


def cpu_list(text, flag):
    """'0-1,4' -> [0, 1, 4]; None or '' -> None (no pinning). Every CPU must be usable; a
    message for a list that is wrong names `flag`."""
    if not text:
        return None
    cpus = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise SystemExit(f"{flag} {text!r}: {part!r} is not a number or a range a-b")
        if low > high:
            raise SystemExit(f"{flag} {text!r}: range {part!r} runs backwards")
        cpus.update(range(low, high + 1))
    usable = os.sched_getaffinity(0)
    if not cpus <= usable:
        raise SystemExit(f"{flag} {text!r}: CPUs {sorted(cpus - usable)} are not usable here "
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


AUTO_MIN_CPUS = 6  # --pin auto pins from this many usable CPUs on


def _core_of(cpu):
    """(package, core) of a CPU, so that SMT siblings count as one core."""
    base = f"/sys/devices/system/cpu/cpu{cpu}/topology/"
    try:
        with open(base + "physical_package_id") as package, open(base + "core_id") as core:
            return package.read().strip(), core.read().strip()
    except OSError:
        return "?", str(cpu)


def auto_split(server_cores=2):
    """The server on `server_cores` whole cores (one CPU of each), the load generators on
    every CPU of the other cores; None when fewer than AUTO_MIN_CPUS CPUs are usable or
    fewer than server_cores + 2 cores remain."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < AUTO_MIN_CPUS:
        return None
    cores = {}
    for cpu in cpus:
        cores.setdefault(_core_of(cpu), []).append(cpu)
    groups = list(cores.values())
    if len(groups) < server_cores + 2:
        return None
    server = [group[0] for group in groups[:server_cores]]
    client = [cpu for group in groups[server_cores:] for cpu in group]
    return server, client


def add_arguments(parser, client_threads):
    """--server-cpus, --client-cpus (or --pin auto) and --client-threads (the load
    generator's threads)."""
    parser.add_argument("--server-cpus", help="pin the servers to these CPUs (e.g. 0-1)")
    parser.add_argument("--client-cpus", help="pin the load generators to these CPUs (e.g. 2-7)")
    parser.add_argument("--pin", choices=("auto",),
                        help=f"auto: with {AUTO_MIN_CPUS} or more usable CPUs, the servers on "
                             "2 cores and the load generators on the others (SMT siblings "
                             "stay with their core) with at least min(4, their CPUs) threads; "
                             "fewer: not pinned")
    parser.add_argument("--client-threads", type=int, default=client_threads,
                        help=f"load generator threads (default {client_threads})")


def from_arguments(args):
    """(server CPUs, client CPUs, client threads) from add_arguments' flags; exits with a
    message naming the flag when they are wrong."""
    if args.pin == "auto":
        if args.server_cpus or args.client_cpus:
            sys.exit("--pin auto chooses the CPUs itself: give it or --server-cpus/--client-cpus")
        split = auto_split()
        if split is None:
            print(f"--pin auto: {len(os.sched_getaffinity(0))} usable CPUs, fewer than "
                  f"{AUTO_MIN_CPUS} (or too few cores): not pinned", flush=True)
        else:
            args.server_cpus, args.client_cpus = (",".join(map(str, cpus)) for cpus in split)
            args.client_threads = max(args.client_threads, min(4, len(split[1])))
    server = cpu_list(args.server_cpus, "--server-cpus")
    client = cpu_list(args.client_cpus, "--client-cpus")
    if server and client and set(server) & set(client):
        sys.exit("--server-cpus and --client-cpus overlap: the point of pinning is disjoint cores")
    if args.client_threads < 1:
        sys.exit(f"--client-threads {args.client_threads}: must be at least 1")
    return server, client, args.client_threads
