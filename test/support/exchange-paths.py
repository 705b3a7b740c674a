"""Swaps two paths atomically (renameat2 RENAME_EXCHANGE), over and over, until killed.

Node has no binding for renameat2; the workspace race test runs this beside the tools. Prints "swapping" once the
first exchange succeeded, so the test waits on that rather than on time.
"""
import ctypes
import os
import sys

AT_FDCWD = -100
RENAME_EXCHANGE = 2

libc = ctypes.CDLL(None, use_errno=True)
renameat2 = libc.renameat2
renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]

a, b = (os.fsencode(p) for p in sys.argv[1:3])
if renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
    sys.exit(f"renameat2: {os.strerror(ctypes.get_errno())}")
print("swapping", flush=True)
while True:
    renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
