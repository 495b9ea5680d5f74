"""Writing candidates as new numbered version folders next to the original: never over an
existing folder, each file written under a hidden temporary folder first and renamed into
place (a polling server never sees half a file).

    v = next_version(folder)                    # highest numbered folder + 1
    write_version(folder, v, "model.onnx", model)
"""
import os
import re
import shutil
import tempfile

import onnx

from .errors import OptimizeError

VERSION = re.compile(r"^[1-9][0-9]*$")


def numbered_folders(folder):
    return sorted((int(n) for n in os.listdir(folder)
                   if VERSION.match(n) and os.path.isdir(os.path.join(folder, n))))


def next_version(folder):
    found = numbered_folders(folder)
    return (found[-1] if found else 1) + 1


def write_version(folder, version, file_name, model):
    target = os.path.join(folder, str(version))
    if os.path.exists(target):
        raise OptimizeError(f"version {version} already exists ({target}); tensord optimize "
                            "never overwrites a version")
    staging = tempfile.mkdtemp(prefix=".tensord-optimize-", dir=folder)
    try:
        onnx.save(model, os.path.join(staging, file_name))
        if os.path.exists(target):  # made meanwhile: rename(2) would replace an empty folder
            raise OptimizeError(f"version {version} already exists ({target})")
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
