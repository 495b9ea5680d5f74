"""The one exception the command turns into `tensord optimize: MESSAGE` and exit code 1
(never a stack trace): raise it with a message that names the file, tensor or option."""


class OptimizeError(Exception):
    pass
