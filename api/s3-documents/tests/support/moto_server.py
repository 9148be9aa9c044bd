"""moto's S3 for the document store's tests: serves on a free port of 127.0.0.1, prints that port on a
line of its own, and stops when its standard input closes, which happens when the test drops it or
the test process dies, so no server outlives its test. Run by support/moto.rs with the Python of the
virtualenv scripts/install-s3-test-server makes."""

import logging
import sys

from moto.server import ThreadedMotoServer

logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
