"""Many real lab agents in one process (the benchmark's 200 machines would be 200 processes
otherwise): `python -m bench.agents_host ROOT COUNT TOKEN` serves ROOT/agentNNN on COUNT ports."""

import sys
import threading
import time
from pathlib import Path

from program.labagent.server import make_server

root, count, token = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for index in range(count):
    server = make_server("127.0.0.1", 0, root / f"agent{index:03d}", token)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_port, flush=True)
while True:
    time.sleep(3600)
